"""A whole backend, as small as one can be, as one folder: descriptor.py declares it and renders
one text file per service (example/<service>.txt); settings.py holds its Platform settings
(`spec.example`, validated with file, line and field).

Adding it to obsgen is this folder and one line naming it, "tests.example_backend", in
obsgen/backends_builtin.py's FOLDERS (the test registers the folder the same way, with
backends.register("tests.example_backend"), for its own duration: tests/test_backends.py). Shown
in docs/architecture.md.
"""

# Imports nothing: the spec layer imports settings.py, and with it this file, before any plan exists.
