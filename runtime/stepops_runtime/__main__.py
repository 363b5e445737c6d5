"""`python -m stepops_runtime`: entrypoint of a stepops step container."""

import sys

from . import __version__


def main(argv):
    if argv[:1] in (["--version"], ["-V"]):
        print("stepops_runtime " + __version__)
        return 0
    sys.stderr.write(
        "stepops_runtime " + __version__ + ": running steps is not implemented in this version; "
        "upgrade the Step Operators extension.\n"
    )
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
