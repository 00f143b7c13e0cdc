"""`obsgen backfill`: recorded history for newly adopted SLOs, so every window is full on day one.

passes.py splits the recording rules into passes (a rule's inputs come from earlier passes);
evaluate.py evaluates a pass over the past on obsgen's own grid into blocks; server.py talks to the
Prometheus holding the raw series; run.py checks every input and hands over to the live rules at
--end.
"""

from obsgen.backfill import passes as passes_module
from obsgen.backfill.passes import Pass, passes, reads
from obsgen.backfill.run import backfill

__all__ = ["Pass", "backfill", "passes", "passes_module", "reads"]
