"""A corpus of broken spec files, each with the exact errors obsgen must print (issue 12).

Every file in corpus/ is validated beside a baseline Team document. The errors (spec directory
prefix stripped) must equal the lines expected.txt lists for that file: each names the file, the
line and the field. `generate` on the same directory exits 1 and writes nothing. To add a case,
drop a file in corpus/ and its expected lines in expected.txt.
"""

from __future__ import annotations

import shutil
from collections import defaultdict
from pathlib import Path

import pytest
from click.testing import CliRunner

from obsgen.cli import main

CORPUS = Path(__file__).parent / "corpus"
BASELINE = ("apiVersion: obsgen/v1\nkind: Team\nmetadata: {name: payments}\nspec:\n"
            "  slack: {channel: \"#payments\", api_url_file: /etc/secrets/slack}\n"
            "  pagerduty: {routing_key_file: /etc/secrets/pagerduty}\n")


def _expected() -> dict[str, list[str]]:
    expected = defaultdict(list)
    for line in (CORPUS / "expected.txt").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            expected[line.split(":", 1)[0]].append(line)
    return expected


EXPECTED = _expected()
CASES = sorted(p.name for p in CORPUS.glob("*.yaml"))


def _run(tmp_path: Path, case: str, *args: str):
    spec = tmp_path / "slos"
    spec.mkdir(exist_ok=True)
    (spec / "_baseline.yaml").write_text(BASELINE, encoding="utf-8")
    shutil.copyfile(CORPUS / case, spec / case)
    result = CliRunner().invoke(main, [*args, str(spec)] if args[0] == "validate" else
                                [args[0], str(spec), *args[1:]], catch_exceptions=False)
    return result, spec


def test_corpus_is_large_and_every_case_has_expectations():
    assert len(CASES) >= 100
    assert sorted(EXPECTED) == CASES


@pytest.mark.parametrize("case", CASES)
def test_broken_spec_gives_exactly_its_located_errors(tmp_path: Path, case: str):
    result, spec = _run(tmp_path, case, "validate")
    assert result.exit_code == 1, result.output
    errors = [line.removeprefix("error: ").replace(f"{spec}/", "")
              for line in result.output.splitlines() if line.startswith("error: ")]
    assert errors == EXPECTED[case]
    for error in errors:
        file, line, *_ = error.split(":")
        assert file == case and int(line) >= 1, error


@pytest.mark.parametrize("case", CASES[::10])
def test_generate_writes_nothing(tmp_path: Path, case: str):
    out = tmp_path / "out"
    result, _ = _run(tmp_path, case, "generate", "--out", str(out))
    assert result.exit_code == 1
    assert result.output.rstrip().endswith("nothing was written.")
    assert not out.exists()
