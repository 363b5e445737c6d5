"""Just enough of `zenml` for step modules to import when ZenML is not installed.

`from zenml import step, pipeline` (and the older `zenml.steps` / `zenml.pipelines`) give
decorators that return the function unchanged, so the step can be called directly. Any other
ZenML name fails with a message that says what to do, instead of an obscure AttributeError.
"""

import importlib.util
import sys
import types


class ZenmlNotInstalled(ImportError):
    pass


def _decorator(*args, **kwargs):
    # Supports both @step and @step(...): a lone callable argument is the decorated function.
    if len(args) == 1 and not kwargs and callable(args[0]):
        return args[0]

    def wrap(function):
        return function

    return wrap


def _missing(module_name):
    def __getattr__(name):
        if name.startswith("__"):
            raise AttributeError(name)
        raise ZenmlNotInstalled(
            "%s.%s is not available: this container runs the step without ZenML installed, and "
            "stepops only provides zenml.step and zenml.pipeline. Add zenml to the project's "
            "requirements to use other ZenML APIs." % (module_name, name)
        )

    return __getattr__


def _module(name):
    module = types.ModuleType(name)
    module.__getattr__ = _missing(name)
    module.__path__ = []  # a package, so that submodule imports reach our finder below
    module.step = _decorator
    module.pipeline = _decorator
    module.__stepops_shim__ = True
    return module


def install_if_missing():
    """Installs the shim unless a real zenml is importable. Returns True when installed."""
    if "zenml" in sys.modules or importlib.util.find_spec("zenml") is not None:
        return False
    for name in ("zenml", "zenml.steps", "zenml.pipelines"):
        sys.modules[name] = _module(name)
    sys.modules["zenml"].steps = sys.modules["zenml.steps"]
    sys.modules["zenml"].pipelines = sys.modules["zenml.pipelines"]
    return True
