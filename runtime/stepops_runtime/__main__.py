"""`python -m stepops_runtime --job FILE [--outputs DIR] [--input NAME=DIR ...]`: run one step
inside a stepops container.

The job file (JSON, written by the orchestrator) says which function to call and with what:

    {"module": "churn.steps.trainer", "function": "train_model",
     "parameters": {"epochs": 10}}

Where the inputs and outputs are is the step operator's to say, as local paths on the command
line (each platform mounts or downloads them somewhere else: /opt/ml/input/data/..., /gcs/...,
Azure ML's mounted inputs). Older job files may carry "inputs" and "outputs" themselves; the
command line wins.

The last line on stdout is always a status line, `STEPOPS_STATUS {json}`, and the exit code
tells who failed: 0 succeeded, 1 the step's own code raised (its traceback is printed above),
2 the runtime could not do its part (bad job file, unreadable input, unwritable output).
"""

import argparse
import json
import signal
import sys
import traceback

from . import __version__
from .artifacts import load_artifact, save_outputs
from .environment import join_split_variables
from .loader import StepLoadError, load_step_function
from .zenml_shim import install_if_missing

EXIT_SUCCEEDED = 0
EXIT_USER_ERROR = 1
EXIT_RUNTIME_ERROR = 2
EXIT_TERMINATED = 143


class Terminated(BaseException):
    """SIGTERM arrived (a cancel): stop the step now. A BaseException so user code's
    `except Exception` blocks do not swallow it."""


def _on_sigterm(signum, frame):
    raise Terminated()


class RuntimeFailure(Exception):
    """Something the runtime itself could not do; not the step's fault."""


def status_line(status, **details):
    payload = dict(status=status, runtime=__version__, **details)
    return "STEPOPS_STATUS " + json.dumps(payload, sort_keys=True)


def read_job(path):
    try:
        with open(path, encoding="utf-8") as handle:
            job = json.load(handle)
    except (OSError, ValueError) as error:
        raise RuntimeFailure("cannot read the job file %s: %s" % (path, error))
    for key in ("module", "function"):
        if not isinstance(job.get(key), str) or not job[key]:
            raise RuntimeFailure("the job file has no %r" % key)
    for key in ("parameters", "inputs"):
        if not isinstance(job.get(key, {}), dict):
            raise RuntimeFailure("%r in the job file must be an object" % key)
    return job


def _named_folders(pairs):
    folders = {}
    for pair in pairs:
        name, sep, folder = pair.partition("=")
        if not sep or not name or not folder:
            raise RuntimeFailure("--input takes NAME=DIR, not %r" % pair)
        folders[name] = folder
    return folders


def main(argv):
    parser = argparse.ArgumentParser(prog="python -m stepops_runtime")
    parser.add_argument("--job", help="path of the job file (JSON)")
    parser.add_argument("--outputs", help="folder the outputs are written to")
    parser.add_argument(
        "--input", action="append", default=[], metavar="NAME=DIR", help="an input's folder (repeatable)"
    )
    parser.add_argument("--version", action="store_true")
    args = parser.parse_args(argv)
    if args.version:
        print("stepops_runtime " + __version__)
        return EXIT_SUCCEEDED
    if not args.job:
        parser.error("--job is required")

    # Set before anything slow (reading inputs, importing the step), so a cancel is never missed.
    signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        try:
            join_split_variables()
        except ValueError as error:
            raise RuntimeFailure(str(error))
        job = read_job(args.job)
        job["inputs"] = dict(job.get("inputs", {}), **_named_folders(args.input))
        if args.outputs:
            job["outputs"] = args.outputs
        if not isinstance(job.get("outputs"), str) or not job["outputs"]:
            raise RuntimeFailure("no outputs folder: pass --outputs DIR")
        install_if_missing()
        arguments = dict(job.get("parameters", {}))
        for name, location in job.get("inputs", {}).items():
            try:
                arguments[name] = load_artifact(location)
            except (OSError, ValueError) as error:
                raise RuntimeFailure("cannot read input %r from %s: %s" % (name, location, error))
    except RuntimeFailure as failure:
        print("stepops runtime error: %s" % failure, file=sys.stderr)
        print(status_line("runtime_error", reason=str(failure)))
        return EXIT_RUNTIME_ERROR
    except Terminated:
        print(status_line("cancelled", reason="stopped by SIGTERM before the step started"))
        return EXIT_TERMINATED

    step_name = "%s.%s" % (job["module"], job["function"])
    try:
        function = load_step_function(job["module"], job["function"])
        print("stepops: running step %s" % step_name, flush=True)
        result = function(**arguments)
    except Terminated:
        print("stepops: step %s stopped (SIGTERM)" % step_name, flush=True)
        print(status_line("cancelled", step=step_name, reason="stopped by SIGTERM"))
        return EXIT_TERMINATED
    except StepLoadError as error:
        # The user's module failed to import, or has no such step: the user's to fix.
        traceback.print_exc()
        print(status_line("user_error", step=step_name, reason=str(error)))
        return EXIT_USER_ERROR
    except BaseException as error:  # noqa: B902 - any exception from user code is the user's
        traceback.print_exc()
        reason = "%s: %s" % (type(error).__name__, error)
        print(status_line("user_error", step=step_name, reason=reason))
        return EXIT_USER_ERROR

    try:
        outputs = save_outputs(result, job["outputs"])
    except (OSError, ValueError) as error:
        print("stepops runtime error: cannot write outputs: %s" % error, file=sys.stderr)
        print(status_line("runtime_error", step=step_name, reason="cannot write outputs: %s" % error))
        return EXIT_RUNTIME_ERROR
    print(status_line("succeeded", step=step_name, outputs=outputs))
    return EXIT_SUCCEEDED


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
