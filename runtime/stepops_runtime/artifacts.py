"""Step outputs on disk: one folder per output with the data and a small metadata file.

    OUTPUT_DIR/output/data.json   (plain data) or data.pkl (anything else)
    OUTPUT_DIR/output/metadata.json   {"type": "dict", "format": "json", "size": 123, "preview": "..."}

A step that returns a tuple writes output_0, output_1, ... the way ZenML numbers them.
"""

import json
import os
import pickle

PREVIEW_CHARS = 200


def _write_atomic(path, data):
    temporary = path + ".tmp"
    with open(temporary, "wb") as handle:
        handle.write(data)
    os.replace(temporary, path)


def _is_plain(value):
    try:
        return json.loads(json.dumps(value)) == value
    except (TypeError, ValueError):
        return False


def save_artifact(value, folder):
    os.makedirs(folder, exist_ok=True)
    if _is_plain(value):
        fmt, name, data = "json", "data.json", json.dumps(value).encode("utf-8")
    else:
        fmt, name, data = "pickle", "data.pkl", pickle.dumps(value, protocol=4)
    _write_atomic(os.path.join(folder, name), data)
    preview = repr(value)
    metadata = {
        "type": "%s.%s" % (type(value).__module__, type(value).__qualname__)
        if type(value).__module__ != "builtins"
        else type(value).__name__,
        "format": fmt,
        "size": len(data),
        "preview": preview if len(preview) <= PREVIEW_CHARS else preview[: PREVIEW_CHARS - 3] + "...",
    }
    _write_atomic(os.path.join(folder, "metadata.json"), json.dumps(metadata, sort_keys=True).encode("utf-8"))
    return metadata


def save_outputs(result, outputs_dir):
    if isinstance(result, tuple):
        named = [("output_%d" % i, value) for i, value in enumerate(result)]
    else:
        named = [("output", result)]
    return {name: save_artifact(value, os.path.join(outputs_dir, name)) for name, value in named}


def load_artifact(folder):
    with open(os.path.join(folder, "metadata.json"), encoding="utf-8") as handle:
        metadata = json.load(handle)
    if metadata.get("format") == "json":
        with open(os.path.join(folder, "data.json"), encoding="utf-8") as handle:
            return json.load(handle)
    with open(os.path.join(folder, "data.pkl"), "rb") as handle:
        return pickle.load(handle)
