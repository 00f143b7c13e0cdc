"""What generate and check print on stdout: stable text, no timing, for people and for tests."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from obsgen.output.manifest import MANIFEST
from obsgen.output.survey import Survey
from obsgen.output.writer import Written

# Top-level output directories whose subdirectories are kinds of their own (alerts/rules, alerts/tests,
# alerts/alertmanager); every other top-level directory (dashboards, otel, k8s, ...) is one kind.
_SPLIT = {"alerts"}
# A rule in a Prometheus rule file: `- record:` or `- alert:` with only blanks before it on its line.
# Searched for as a literal and checked at line start afterwards: an anchored `^\s*` tried at every
# line was a fifth of an unchanged rerun.
_RULE = re.compile(r"- (record|alert):")


def kind(rel: str) -> str:
    parts = rel.split("/")
    depth = 2 if parts[0] in _SPLIT and len(parts) > 2 else 1
    return "/".join(parts[:depth]) if len(parts) > 1 else "."


def kinds(paths) -> dict[str, int]:
    """Files per output kind, derived from the paths, so a new renderer is counted without a change here."""
    return dict(sorted(Counter(kind(rel) for rel in paths).items()))


def rule_counts(files: dict[str, str]) -> Counter:
    counts: Counter = Counter()
    for rel, text in files.items():
        if rel.startswith("alerts/rules/"):
            counts.update(match.group(1) for match in _RULE.finditer(text)
                          if not text[text.rfind("\n", 0, match.start()) + 1:match.start()].strip())
    return counts


def generated(counts: tuple[int, int], files: dict[str, str], result: Written, out: Path) -> str:
    """counts: services and SLOs (known even when the output came from the rerun cache)."""
    lines = [f"{'written' if rel in result.written else 'removed'} {rel}"
             + (" (forced: it was edited by hand or not written by obsgen)" if rel in result.forced else "")
             for rel in sorted(result.written + result.removed)]
    services, slos = counts
    rules = rule_counts(files)
    lines.append(f"{services} services, {slos} SLOs: {rules['record']} recording rules, "
                 f"{rules['alert']} alerts")
    counts = kinds(files)
    width = max(map(len, counts), default=0)
    lines += [f"  {name:<{width}}  {count} file{'s' if count != 1 else ''}" for name, count in counts.items()]
    only_manifest = result.manifest_updated and not (result.written or result.removed)
    lines.append(f"{len(files)} files under {out}: {len(result.written)} written, {len(result.unchanged)} unchanged, "
                 f"{len(result.removed)} removed" + (f"; {MANIFEST} updated." if only_manifest else "."))
    return "\n".join(lines)


def check_report(found: Survey) -> str:
    """The lists after the diff: what generate would change, and what it would refuse to."""
    manifest = [MANIFEST] if found.manifest_changed else []
    sections = [
        ("stale (would change)", found.stale + (manifest if found.manifest_now is not None else [])),
        ("missing (would be written)", found.missing + (manifest if found.manifest_now is None else [])),
        ("extra (written by obsgen, no longer generated: would be removed)", found.extra),
        ("edited by hand (generate refuses to overwrite them without --force)", found.hand_edited),
        ("not written by obsgen (generate refuses to overwrite them without --force)", found.unowned),
    ]
    lines = []
    for title, paths in sections:
        if paths:
            lines.append(f"{title}: {len(paths)}")
            lines += [f"  {rel}" for rel in paths]
    return "\n".join(lines)


def tested_line(result) -> str:
    """One check of `obsgen test` (a verify.Result): `ok: ...`, `FAILED: ...` or `skipped: ... (why)`."""
    what = " ".join(result.command[1:])
    status = result.status
    if status == "skipped":
        return f"skipped: {what} ({result.skipped})"
    note = f" ({result.note})" if getattr(result, "note", "") else ""
    return f"{'ok' if status == 'passed' else 'FAILED'}: {what}{note}"


def tested_counts(results) -> str:
    """The last line of `obsgen test`: every check counted, skipped ones apart from passed ones."""
    counts = Counter(r.status for r in results)
    return f"{counts['passed']} passed, {counts['failed']} failed, {counts['skipped']} skipped"
