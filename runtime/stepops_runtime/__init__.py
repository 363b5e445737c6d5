"""stepops' in-container entrypoint: runs one ZenML step inside the image stepops builds.

Packaged with the extension and copied into every step image. Standard library only, and
written for Python 3.9 and newer (no newer syntax), since the step image's Python is the user's.
"""

__version__ = "0.1.0"
