"""The JSON Schema of obsgen/v1 spec documents, for editors (yaml-language-server) and CI.

One `$defs` table shared by every kind: per-kind schemas each carry their own `$defs`, and a
`#/$defs/...` reference inside them would resolve against the root, where it does not exist.
"""

from __future__ import annotations

import json

from pydantic.json_schema import models_json_schema

from obsgen.spec.models import kinds

DIALECT = "https://json-schema.org/draft/2020-12/schema"


def json_schema() -> dict:
    models = kinds().values()  # the Platform's with the settings of every registered backend
    refs, top = models_json_schema([(cls, "validation") for cls in models], by_alias=True)
    return {"$schema": DIALECT, "title": "obsgen/v1",
            "oneOf": [refs[(cls, "validation")] for cls in models], "$defs": top["$defs"]}


def text() -> str:
    return json.dumps(json_schema(), indent=2, sort_keys=True) + "\n"
