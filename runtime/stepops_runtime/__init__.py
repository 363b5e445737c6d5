"""stepops' in-container entrypoint: runs one ZenML step inside the image stepops builds.

It is packaged with the extension and copied into every step image. The step runner itself
arrives with the orchestrator (issue #5); until then the package only identifies itself.
Written for Python 3.9 and newer, standard library only.
"""

__version__ = "0.1.0"
