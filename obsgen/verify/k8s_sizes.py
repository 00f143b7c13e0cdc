"""Every object of the k8s/ tree against the API server's limits (render/apply_mode.py says which):
ConfigMap and Secret data at most 1 MiB; an object too large for client-side apply's last-applied
annotation (256 KiB of annotations) annotated for server-side apply.

Each file is a unit: what it holds is judged from its own bytes alone, so a file that passed is not
read again while its sha256 is unchanged (result_cache.Units)."""

from __future__ import annotations

from pathlib import Path

from obsgen import names
from obsgen.render import apply_mode
from obsgen.verify import no_gc, seams
from obsgen.verify.result import Result
from obsgen.verify.result_cache import Units

TOOL = "obsgen-k8s-sizes"


def problems(path: str, obj: dict) -> list[str]:
    kind, name = obj.get("kind", ""), (obj.get("metadata") or {}).get("name", "")
    found = []
    if kind in ("ConfigMap", "Secret") and apply_mode.data_bytes(obj) > apply_mode.DATA_MAX:
        found.append(f"{path}: {kind} {name} holds {apply_mode.data_bytes(obj)} bytes of data, over the API "
                     f"server's 1 MiB ({apply_mode.DATA_MAX} bytes)")
    if not apply_mode.client_side_fits(obj) and not apply_mode.server_side(obj):
        found.append(f"{path}: {kind} {name} needs server-side apply: its last-applied annotation would be "
                     f"{apply_mode.last_applied_bytes(obj)} bytes, over the {apply_mode.ANNOTATIONS_MAX} bytes of "
                     f"annotations an object may hold; annotate it {apply_mode.SYNC_OPTIONS}: "
                     f"{apply_mode.SERVER_SIDE}")
    return found


def file_problems(path: str, data: bytes) -> list[str]:
    return [p for obj in seams.objects_of(data) for p in problems(path, obj)]


def verify(out: Path) -> list[Result]:
    units = Units(out, "k8s-sizes")
    found = []
    with no_gc.paused():  # every object parsed whole, then dropped: no cycles to collect
        for path in sorted((out / "k8s").rglob("*.yaml")):
            if path.name != names.KUSTOMIZATION:
                rel = path.relative_to(out).as_posix()
                found += units.run(rel, [rel], lambda rel=rel: file_problems(rel, units.files.read(rel)))
                units.files.forget(rel)
    units.prune()
    return [Result((TOOL, "k8s-sizes", "k8s/"), not found, "\n".join(found))]
