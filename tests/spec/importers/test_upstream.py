"""Every example and test file Sloth, Pyrra and OpenSLO ship (tests/spec/upstream, copied unchanged
with their licences; SOURCES names each file's repository, commit and path) either generates, or is
refused with errors that name its file, line and field and say what to do (issue 20).

upstream/expected.txt holds the outcome of each file, so that any change shows: `generates`,
`empty` (a file with no document), or `refused` followed by the exact errors `obsgen validate`
prints for the file alone (the spec directory stripped). Each file is read alone, without a
Platform, as a user dropping it into an empty spec directory would. A JSON file (OpenSLO's go-sdk
and oslo read JSON too) is read renamed to .yaml: obsgen reads YAML files, and JSON is YAML.

The files that generate are generated together in a few spec directories (a name appears once per
directory) and every rules file passes `promtool check rules`; one directory of representative
files passes `obsgen test` (promtool test rules, amtool and the other verifiers: a few seconds per
service, too slow for all of them).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from obsgen import pipeline
from obsgen.errors import SpecErrors
from obsgen.output.writer import write_tree
from tests.builders import obsgen_cli

UPSTREAM = Path(__file__).parents[1] / "upstream"
PROJECTS = ("sloth", "pyrra", "openslo-spec", "openslo-go-sdk", "openslo-oslo")


def _sources() -> list[str]:
    files = []
    for project in PROJECTS:
        lines = (UPSTREAM / project / "SOURCES").read_text(encoding="utf-8").splitlines()
        files += [f"{project}/{line}" for line in lines if line and not line.startswith("#")]
    return files


def _expected() -> dict[str, tuple[str, list[str]]]:
    expected: dict[str, tuple[str, list[str]]] = {}
    current = None
    for line in (UPSTREAM / "expected.txt").read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        if line.startswith("  "):
            expected[current][1].append(line.strip())
        else:
            current, outcome = line.rsplit(": ", 1)
            expected[current] = (outcome, [])
    return expected


FILES = _sources()
EXPECTED = _expected()


def _spec_name(file: str) -> str:
    path = Path(file)
    return path.stem + ".yaml" if path.suffix == ".json" else path.name


_OUTCOMES: dict[str, tuple[str, list[str], list[str]]] = {}


def outcome(file: str, tmp_path: Path) -> tuple[str, list[str], list[str]]:
    """(generates | empty | refused, the errors, the services) for the file alone in a spec directory;
    read once per process (pipeline.run is pure: the same bytes, the same outcome), so that
    _batches reuses what test_each_file_generates_or_is_refused_at_its_lines found."""
    if file not in _OUTCOMES:
        _OUTCOMES[file] = _outcome(file, tmp_path)
    return _OUTCOMES[file]


def _outcome(file: str, tmp_path: Path) -> tuple[str, list[str], list[str]]:
    spec = tmp_path / "slos"
    spec.mkdir(parents=True)
    shutil.copyfile(UPSTREAM / file, spec / _spec_name(file))
    try:
        plan = pipeline.run(spec, warnings=[], render=False).plan
    except SpecErrors as exc:
        errors = [str(e).replace(f"{spec}/", "") for e in exc.errors]
        if errors == [f"{spec}: no spec documents (YAML with apiVersion: obsgen/v1) under this directory; "
                      "nothing to generate"]:
            return "empty", [], []
        return "refused", errors, []
    return "generates", [], [s.name for s in plan.services]


def test_the_corpus_is_whole():
    assert len(FILES) >= 180
    assert sorted(EXPECTED) == sorted(FILES)
    for project in PROJECTS:
        assert "Apache License" in (UPSTREAM / project / "LICENSE").read_text(encoding="utf-8")


@pytest.mark.parametrize("file", FILES)
def test_each_file_generates_or_is_refused_at_its_lines(file, tmp_path):
    found, errors, _ = outcome(file, tmp_path)
    assert (found, errors) == EXPECTED[file]
    for error in errors:  # each names the file and a line in it
        name, line, *_ = error.split(":")
        assert name == _spec_name(file) and int(line) >= 1, error


def _names(file: str, services: list[str]) -> set:
    """What must be unique in a spec directory: service names, and OpenSLO objects' kinds and names."""
    docs = [d for d in yaml.safe_load_all((UPSTREAM / file).read_text(encoding="utf-8")) if d]
    objects = [o for d in docs for o in (d if isinstance(d, list) else [d]) if isinstance(o, dict)]
    return set(services) | {(o.get("kind"), str((o.get("metadata") or {}).get("name"))) for o in objects
                            if str(o.get("apiVersion")).startswith("openslo/")}


def _batches(tmp_path: Path) -> list[Path]:
    """The files that generate, in as few spec directories as keep names unique in each; a file
    byte-identical to one already taken (Pyrra ships its SLOs three times) once."""
    batches: list[tuple[Path, set]] = []
    seen: set[bytes] = set()
    for i, file in enumerate(f for f in FILES if EXPECTED[f][0] == "generates"):
        text = (UPSTREAM / file).read_bytes()
        if text in seen:
            continue
        seen.add(text)
        names = _names(file, outcome(file, tmp_path / f"alone-{i}")[2])
        batch = next((b for b in batches if not b[1] & names), None)
        if batch is None:
            batch = (tmp_path / f"batch-{len(batches)}" / "slos", set())
            batch[0].mkdir(parents=True)
            batches.append(batch)
        batch[1].update(names)
        shutil.copyfile(UPSTREAM / file, batch[0] / f"{i:03d}-{_spec_name(file)}")
    return [b[0] for b in batches]


# `obsgen test` (every verifier, a promtool test process per service) on one directory of these:
# Sloth's CLI, Kubernetes and OpenSLO forms (owned and unowned), Pyrra's ratio and latency SLOs.
REPRESENTATIVE = ("sloth/examples/getting-started.yml", "sloth/examples/home-wifi.yml",
                  "sloth/examples/openslo-kubernetes-apiserver.yml", "sloth/test/integration/prometheus/testdata/"
                  "in-multifile-k8s.yaml", "pyrra/examples/nginx.yaml",
                  "pyrra/examples/kubernetes/manifests/slos/slo-apiserver-read-cluster-latency.yaml",
                  "openslo-go-sdk/pkg/openslo/v1/examples/data_sources.yaml")


def test_every_file_that_generates_passes_promtool(tmp_path, promtool):
    batches = _batches(tmp_path)
    assert 1 <= len(batches) <= 8
    for spec in batches:  # built in this process: promtool is what is tested here (the CLI: below)
        out = spec.parent / "out"
        write_tree(out, pipeline.run(spec).files)
        rules = sorted((out / "alerts" / "rules").glob("*.yaml"))
        assert rules, spec
        checked = subprocess.run([promtool, "check", "rules", *map(str, rules)], capture_output=True, text=True)
        assert checked.returncode == 0, checked.stdout + checked.stderr


def test_a_representative_directory_passes_obsgen_test(tmp_path, importers_tested):
    spec = tmp_path / "slos"
    spec.mkdir()
    for i, file in enumerate(REPRESENTATIVE):
        assert EXPECTED[file][0] == "generates", file
        shutil.copyfile(UPSTREAM / file, spec / f"{i}-{_spec_name(file)}")
    generated = obsgen_cli("generate", str(spec), "--out", str(tmp_path / "out"))
    assert generated.returncode == 0, generated.stderr
    tested = importers_tested.test(tmp_path / "out")  # what test_mixed verified on the same bytes: replayed
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "ok: check rules" in tested.stdout
