"""The ruler layouts (alerts/mimir/, alerts/amp/), judged as their rulers would and against the
rules files: promtool on each (Mimir-only keys stripped into a temporary copy, since promtool
rejects them), AMP's 721-byte name limit, and the very same groups as alerts/rules/."""

from __future__ import annotations

import tempfile
from pathlib import Path

from obsgen import names, yamlio
from obsgen.verify import promtool
from obsgen.verify.result import Result

MIMIR_ONLY_KEYS = ("source_tenants",)  # group keys Prometheus does not know
MIMIR_GROUP_KEYS = {"name", "interval", "rules", "source_tenants"}


def _load(path: Path):
    return yamlio.load(path.read_text(encoding="utf-8"))


def reference_groups(out: Path) -> dict[str, dict]:
    """Every group of alerts/rules/ by name."""
    groups = {}
    for path in sorted((out / "alerts" / "rules").glob("*.yaml")):
        for group in _load(path)["groups"]:
            groups[group["name"]] = group
    return groups


def mimir_problems(doc, reference: dict[str, dict]) -> list[str]:
    if not isinstance(doc, dict) or set(doc) != {"namespace", "groups"} or not isinstance(doc["namespace"], str):
        return ["not a mimirtool rules file: wants exactly `namespace:` and `groups:`"]
    problems = []
    for group in doc["groups"]:
        extra = set(group) - MIMIR_GROUP_KEYS
        tenants = group.get("source_tenants", [])
        if extra:
            problems.append(f"group {group.get('name')!r}: unknown keys {sorted(extra)}")
        if not isinstance(tenants, list) or not all(isinstance(t, str) and t for t in tenants):
            problems.append(f"group {group.get('name')!r}: source_tenants must be a list of tenant ids")
        problems += same_group(strip(group), reference)
    return problems


def amp_problems(namespace: str, doc, reference: dict[str, dict]) -> list[str]:
    if not isinstance(doc, dict) or set(doc) != {"groups"}:
        return ["not a Prometheus rules file: wants exactly `groups:`"]
    problems = []
    for group in doc["groups"]:
        size = len(namespace.encode()) + len(str(group.get("name", "")).encode())
        if size > names.AMP_NAME_BYTES:
            problems.append(f"namespace {namespace!r} plus group {group.get('name')!r} is {size} UTF-8 bytes; "
                            f"Amazon Managed Prometheus allows {names.AMP_NAME_BYTES}")
        problems += same_group(group, reference)
    return problems


def strip(group: dict) -> dict:
    return {k: v for k, v in group.items() if k not in MIMIR_ONLY_KEYS}


def same_group(group: dict, reference: dict[str, dict]) -> list[str]:
    """The group is alerts/rules/' group of that name: same interval, same rules, same order."""
    want = reference.get(group.get("name"))
    if want is None:
        return [f"group {group.get('name')!r} is not in alerts/rules/"]
    return [] if group == want else [f"group {group['name']!r} differs from alerts/rules/"]


def _result(what: str, problems: list[str]) -> Result:
    return Result(("obsgen-rulers", what), not problems, "\n".join(problems))


def verify(out: Path) -> list[Result]:
    mimir = sorted((out / names.MIMIR_RULES_DIR).glob("*.yaml"))
    amp = sorted((out / names.AMP_RULES_DIR).glob("*.yaml"))
    if not mimir and not amp:
        return []
    reference = reference_groups(out)
    results, seen = [], {"mimir": set(), "amp": set()}
    with tempfile.TemporaryDirectory(prefix="obsgen-rulers-") as tmp:
        stripped = []
        for path in mimir:
            doc = _load(path)
            results.append(_result(path.relative_to(out).as_posix(), mimir_problems(doc, reference)))
            if isinstance(doc, dict) and isinstance(doc.get("groups"), list):
                seen["mimir"].update(g.get("name") for g in doc["groups"])
                copy = Path(tmp) / path.name
                copy.write_text(yamlio.dump({"groups": [strip(g) for g in doc["groups"]]}), encoding="utf-8")
                stripped.append(str(copy))
        for path in amp:
            doc = _load(path)
            results.append(_result(path.relative_to(out).as_posix(), amp_problems(path.stem, doc, reference)))
            if isinstance(doc, dict) and isinstance(doc.get("groups"), list):
                seen["amp"].update(g.get("name") for g in doc["groups"])
        files = stripped + [str(p) for p in amp]
        results.append(promtool.check_rules(out, files))
    for ruler, found in seen.items():
        if found and found != set(reference):
            missing = sorted(set(reference) - found)
            results.append(_result(f"{ruler} layout", [f"groups missing from the {ruler} layout: {missing}"]))
    return results
