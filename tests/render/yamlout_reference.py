"""obsgen's YAML writer as it was before its fast paths (2026-11-26), kept as the reference the
fast one must match byte for byte (tests/render/test_yamlout.py). Not used by obsgen.

Deterministic YAML for generated files: keys in the order given, block style, multi-line
strings as literal blocks.

Hand-written rather than PyYAML's dumper because PyYAML builds its node graph in pure Python even
with CSafeDumper: at 3,000 SLOs it was 70% of obsgen's run time (docs/changelog.md). The data is
only dicts, lists, strings, numbers, booleans and None; tests round-trip arbitrary such data
through PyYAML's loader, so correctness rests on the library that reads it back.
"""

from __future__ import annotations

# Scalars, inline values and keys are written by the same functions: the fast paths changed how
# documents are walked and joined, not how one value is written (PyYAML round-trips test those on their own).
from obsgen.yamlio import HEADER, _inline, _key


def _literal(value: str, indent: str) -> str | None:
    """A literal block (`|`) for multi-line text, when its lines survive one unchanged."""
    lines = value.split("\n")
    body = lines[:-1] if value.endswith("\n") else lines
    if (not body or not body[0] or body[0].startswith(" ") or value.endswith("\n\n")
            or any(line != line.rstrip() or not line.isprintable() for line in body)):
        return None
    chomp = "" if value.endswith("\n") else "-"
    return f"|{chomp}\n" + "".join(f"{indent}{line}\n" if line else "\n" for line in body)


def _emit(value, indent: str, out: list[str]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            out.append(f"{indent}{_key(key, indent)}")
            _child(item, indent, out, nested=indent + "  ")
    else:
        for item in value:
            out.append(f"{indent}-")
            if isinstance(item, dict) and item:
                first, *rest = item.items()
                out.append(f" {_key(first[0], indent + '  ')}")
                _child(first[1], indent + "  ", out, nested=indent + "    ")
                _emit(dict(rest), indent + "  ", out)
            else:
                _child(item, indent, out, nested=indent + "  ", in_list=True)


def _child(value, indent: str, out: list[str], nested: str, in_list: bool = False) -> None:
    text = _inline(value, indent)
    if text is not None:
        out.append(text)
        return
    out.append("\n")
    # Lists under a key sit at the key's column, as PyYAML and kubectl write them.
    _emit(value, indent if isinstance(value, list) and not in_list else nested, out)


def dump(data, header: str = HEADER) -> str:
    out: list[str] = [header]
    _emit(data, "", out)
    return "".join(out)

