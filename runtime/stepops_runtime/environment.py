"""Environment variables a platform could not carry whole.

SageMaker caps each value at 512 characters, so the operator splits longer ones into parts named
NAME__STEPOPS_PART_0, NAME__STEPOPS_PART_1, ...; they are joined back into NAME here, before the
step's module is imported, and the parts are removed.
"""

import os
import re

_PART = re.compile(r"^(?P<name>.+)__STEPOPS_PART_(?P<index>\d+)$")


def join_split_variables(environ=None):
    environ = os.environ if environ is None else environ
    parts = {}
    for key in list(environ):
        match = _PART.match(key)
        if match:
            parts.setdefault(match.group("name"), {})[int(match.group("index"))] = environ.pop(key)
    for name, pieces in parts.items():
        indices = sorted(pieces)
        if indices != list(range(len(indices))):
            raise ValueError("environment variable %s arrived with parts %s missing" % (name, _missing(indices)))
        environ[name] = "".join(pieces[i] for i in indices)
    return sorted(parts)


def _missing(indices):
    return sorted(set(range(max(indices) + 1)) - set(indices))
