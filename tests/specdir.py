"""Small spec sets written into a temporary directory, for tests that build a plan or run the CLI."""

from __future__ import annotations

from pathlib import Path

TEAM = "apiVersion: obsgen/v1\nkind: Team\nmetadata: {name: t}\n"


def service(name: str, slos: str, *, tier: int = 1, extra_metadata: str = "") -> str:
    """A Service document; slos is the YAML of its slos list, indented by four spaces."""
    return (f"apiVersion: obsgen/v1\nkind: Service\nmetadata:\n  name: {name}\n  team: t\n  tier: {tier}\n"
            f"  runbook: https://runbooks.example.com/{name}\n{extra_metadata}spec:\n  slos:\n{slos}")


def write(root: Path, files: dict[str, str]) -> Path:
    """Write files (name -> text) under root/slos with a Team document; return the spec directory."""
    spec_dir = root / "slos"
    spec_dir.mkdir(parents=True, exist_ok=True)
    for name, text in {"team.yaml": TEAM, **files}.items():
        (spec_dir / name).write_text(text, encoding="utf-8")
    return spec_dir
