"""docs/reference/spec.md is the JSON Schema `obsgen schema` prints, rendered by tools/spec_reference.py,
never hand-copied: a field added to the models without regenerating the page fails here."""

from __future__ import annotations

import importlib.util
import json

from tests.conftest import ROOT


def _reference_tool():
    spec = importlib.util.spec_from_file_location("spec_reference", ROOT / "tools" / "spec_reference.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_spec_reference_is_the_schema():
    from obsgen.spec import schema

    committed = (ROOT / "docs" / "reference" / "spec.md").read_text()
    assert committed == _reference_tool().render(schema.json_schema()), (
        "docs/reference/spec.md is stale: run `.venv/bin/python tools/spec_reference.py` (make generate)")


def test_the_spec_reference_names_every_field_of_the_schema():
    """Every object of the schema has a section, and every field of it a row, with its default."""
    from obsgen.spec import schema

    defs = schema.json_schema()["$defs"]
    page = (ROOT / "docs" / "reference" / "spec.md").read_text()
    for name, definition in defs.items():
        section = page.split(f"\n## {name}\n", 1)[1].split("\n## ", 1)[0]
        for field, prop in definition.get("properties", {}).items():
            row = next((line for line in section.splitlines() if line.startswith(f"| `{field}` |")), None)
            assert row, f"{name}.{field} is not in the spec reference"
            assert (field in definition.get("required", ())) == ("| yes |" in row)
            shown = json.dumps(prop.get("default"), sort_keys=True)
            if prop.get("default") is not None and len(shown) <= 60:
                assert shown in row, f"{name}.{field}: default"


def test_a_new_field_reaches_the_reference():
    from obsgen.spec import schema

    tool = _reference_tool()
    document = schema.json_schema()
    document["$defs"]["SLO"]["properties"]["budget_policy"] = {"type": "string", "default": "warn",
                                                               "description": "what happens when the budget is gone"}
    row = "| `budget_policy` | string |  | `\"warn\"` | what happens when the budget is gone |"
    assert row in tool.render(document)
