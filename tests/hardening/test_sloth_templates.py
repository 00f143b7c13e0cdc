"""Sloth-style alert labels and annotations are Go templates kept as written: obsgen's lexical
check (gotemplate.problem) and promtool agree on which ones Prometheus can load, and a broken one
is an error at its file and line."""

from __future__ import annotations

import subprocess
from concurrent.futures import ThreadPoolExecutor

import pytest

from obsgen import gotemplate, pipeline
from obsgen import yamlio as yamlout
from obsgen.errors import SpecErrors
from tests.hardening import hostile

GOOD = [
    hostile.TEMPLATE, "{{$labels.job}} is {{ $value | printf \"%.2f\" }}", "plain }} text {",
    "{{ if eq $labels.a \"x\" }}a{{ else if $labels.b }}b{{ else }}c{{ end }}", "{{- /* note */ -}}",
    "{{ range $i, $v := .Labels }}{{ $i }}={{ $v }},{{ end }}", "{{ humanizeDuration 1.5e3 | toUpper }}",
    "{{ $x := 1 }}{{ $x }}", '{{ "{{" }}', "{{ .Labels.x }}",
]
BAD = [
    hostile.TEXT, "{{ $labels.job }", "{{ foo }}", "{{ if $labels.a }}x", "x{{ end }}", "{{ .a } }}",
    "{{ $labels.a # }}", "{{ .a ; .b }}", "{{ .a \u00e9 }}",
]


def _promtool_accepts(promtool: str, tmp_path, i: int, template: str) -> bool:
    rule = {"alert": "X", "expr": "vector(1)", "labels": {"l": template}, "annotations": {"a": template}}
    path = tmp_path / f"t{i}.yaml"
    path.write_text(yamlout.dump({"groups": [{"name": "g", "rules": [rule]}]}))
    return subprocess.run([promtool, "check", "rules", str(path)], capture_output=True).returncode == 0


def test_the_check_agrees_with_promtool(promtool, tmp_path):
    cases = GOOD + BAD
    with ThreadPoolExecutor(max_workers=8) as pool:
        accepted = list(pool.map(lambda c: _promtool_accepts(promtool, tmp_path, *c), enumerate(cases)))
    assert accepted == [True] * len(GOOD) + [False] * len(BAD)
    assert [gotemplate.problem(c) is None for c in cases] == accepted


def test_a_broken_sloth_template_is_an_error_at_its_line(tmp_path):
    spec_dir = hostile.write(tmp_path / "slos")
    sloth = spec_dir / "sloth.yaml"
    sloth.write_text(sloth.read_text().replace("{{ $labels.service }}", "{{ $labels.service }"))
    with pytest.raises(SpecErrors) as raised:
        pipeline.run(spec_dir, compile=False)
    shown = [str(e) for e in raised.value.errors]
    assert f"{sloth}:16: slos[0].alerting.labels.category: not a Go template Prometheus can load: unclosed action " \
           "at '{{ $labels.service }'" in shown, shown
