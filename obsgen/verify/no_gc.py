"""Python's cycle collector paused while obsgen builds and drops many objects: a whole generate run
(pipeline.collector_paused) and the verifiers that parse the tree whole.

Parsed YAML is dicts, lists and strings: it holds no reference cycles, so reference counting frees
all of it and the collector finds nothing. But the collector runs on every few hundred new
containers and its older generations walk every live object: at 1,000 services it was about a
third of parsing the k8s/ tree and 40% of reading routes.test.yaml's cases. Nothing else changes.
"""

from __future__ import annotations

import contextlib
import gc


@contextlib.contextmanager
def paused():
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
