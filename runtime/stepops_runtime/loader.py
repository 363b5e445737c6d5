"""Finds the step's plain function in the user's module."""

import importlib
import os
import sys
import types


class StepLoadError(Exception):
    pass


def load_step_function(module_name, function_name):
    # The project is mounted or copied at the working directory; make it importable as the
    # user's own code expects (``from churn.steps import ...``).
    cwd = os.getcwd()
    if cwd not in sys.path:
        sys.path.insert(0, cwd)
    try:
        module = importlib.import_module(module_name)
    except Exception as error:  # the user's module raised while importing
        raise StepLoadError("importing %s failed: %s: %s" % (module_name, type(error).__name__, error))
    target = getattr(module, function_name, None)
    if target is None:
        raise StepLoadError("%s has no step named %s" % (module_name, function_name))
    return unwrap(target)


def unwrap(target):
    """The plain function to call. The shim's decorators return the function itself (other
    decorators on it stay in place); a real ZenML step object keeps the decorated function as
    `entrypoint` (0.40 and newer) or `source_object`."""
    if isinstance(target, types.FunctionType):
        return target
    for attribute in ("entrypoint", "source_object"):
        inner = getattr(target, attribute, None)
        if callable(inner):
            return inner
    if callable(target):
        return target
    raise StepLoadError("%r is not callable" % (target,))
