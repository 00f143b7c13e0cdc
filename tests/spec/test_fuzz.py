"""Whatever the bytes of a spec file, obsgen answers with located errors, never a traceback."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from obsgen import pipeline
from obsgen.errors import SpecErrors
from tests.conftest import EXAMPLES

SOURCES = {f.name: f.read_text() for f in sorted(EXAMPLES.glob("*.yaml"))}
# Characters that mean something to YAML, PromQL, Go templates, JSON and file paths.
META = ["{{", "}}", "{{ .window }}", "'", '"', "\\", "\n", "\t", ": ", "- ", "&a ", "*a", "!!str ", "<<: ",
        "#", "|", ">", "[", "]", "{", "}", "%", "@", "`", "../", "/", "\u00a0", "\u202e", "\x00", "\ufeff", "~"]


@st.composite
def mutated(draw):
    """An example spec file with a few random edits: cut, insert, duplicate a line."""
    name = draw(st.sampled_from(sorted(SOURCES)))
    text = SOURCES[name]
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(text)))
        edit = draw(st.sampled_from(["cut", "insert", "insert", "duplicate"]))
        if edit == "cut":
            text = text[:at] + text[at + draw(st.integers(1, 20)):]
        elif edit == "insert":
            text = text[:at] + draw(st.sampled_from(META) | st.text(max_size=8)) + text[at:]
        else:
            lines = text.splitlines(keepends=True)
            i = draw(st.integers(0, len(lines) - 1))
            text = "".join([*lines[:i + 1], lines[i], *lines[i + 1:]])
    return name, text


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutated_specs_give_located_errors_or_a_plan(case):
    name, text = case
    with tempfile.TemporaryDirectory() as tmp:
        spec = Path(tmp) / "slos"
        spec.mkdir()
        for other, source in SOURCES.items():
            (spec / other).write_text(source if other != name else "", encoding="utf-8")
        (spec / name).write_bytes(text.encode("utf-8", "surrogatepass"))
        try:
            pipeline.run(spec)
        except SpecErrors as exc:
            for error in exc.errors:
                assert error.location.file.endswith(".yaml") or error.location.file == str(spec)
                assert error.location.line >= 1 or error.location.file == str(spec) \
                    or error.message.startswith(("cannot read", "file is")), str(error)
                assert error.message
