"""Where the published schemas the verifiers check against live.

They ship in the package (`schemas/README.md` names their sources, versions and licences), so a
fresh clone or an installed wheel verifies with nothing else on disk. OBSGEN_SCHEMAS points at
another copy laid out the same way (`grafana/`, `otelcol/`), to check against other versions.
"""

from __future__ import annotations

import os
from pathlib import Path

ENV_VAR = "OBSGEN_SCHEMAS"
PACKAGED = Path(__file__).resolve().parent / "schemas"


def root() -> Path:
    return Path(os.environ[ENV_VAR]) if os.environ.get(ENV_VAR) else PACKAGED
