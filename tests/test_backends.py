"""The backend registry (obsgen/backends.py): every backend's declaration holds for what it renders,
and adding one is one package and one registry line, with nothing else to change."""

from __future__ import annotations

import shutil

import pytest
from click.testing import CliRunner

from obsgen import backends, verify
from obsgen.artifacts import K8sObject
from obsgen.cli import main
from obsgen.output import manifest
from obsgen.render import _call, render_all
from obsgen.spec.models import PlatformSpec
from tests import example_backend
from tests.conftest import EXAMPLES


def test_every_declaration_holds_for_what_its_backend_renders(example_plan):
    """Kinds, directories and settings as declared; the registry's lists are the declarations'."""
    seen: dict[str, set] = {}
    rendered: dict = {}
    for backend in backends.registered():
        produced = _call(backend, example_plan, rendered)
        rendered.update(produced)
        for path, artifact in produced.items():
            assert path.split("/", 1)[0] in backend.output_dirs, (backend.name, path)
            if isinstance(artifact, K8sObject):
                seen.setdefault(backend.name, set()).add(artifact.kind)
                assert artifact.kind in backend.k8s_kinds, (backend.name, path, artifact.kind)
        assert set(backend.settings) <= set(PlatformSpec.model_fields), backend.name
    assert {name for name, kinds in seen.items() if kinds} == {b.name for b in backends.registered() if b.k8s_kinds}
    assert set(backends.without_k8s()) == {"prometheus", "promtool-tests", "promtool-health-tests", "rulers"}
    assert backends.output_dirs() == ("alerts", "dashboards", "k8s", "otel")
    assert list(verify.VERIFIERS) == ["promtool", "otelcol", "amtool", "grafana", "rulers", "kustomize", "seams",
                                      "k8s-sizes"]


def _generate(spec_dir, out, cache_dir):
    result = CliRunner().invoke(main, ["generate", str(spec_dir), "--out", str(out)],
                                env={"OBSGEN_CACHE_DIR": str(cache_dir), "OBSGEN_NO_CACHE": ""}, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return manifest.parse((out / manifest.MANIFEST).read_text())


def test_a_backend_is_one_package_and_one_registry_line(tmp_path, monkeypatch, example_plan):
    spec_dir, out, cache_dir = tmp_path / "slos", tmp_path / "out", tmp_path / "cache"
    shutil.copytree(EXAMPLES, spec_dir)
    monkeypatch.setattr(example_backend, "RENDERED", [])
    with monkeypatch.context() as registered:
        registered.setitem(backends.REGISTRY, "example", example_backend.BACKEND)  # the registry line
        # rendered, written, listed in the manifest
        owned = _generate(spec_dir, out, cache_dir)
        services = sorted(s.name for s in example_plan.services)
        expected = {f"example/{s.name}.txt": f"{s.name}: {', '.join(o.name for o in s.slos)}\n"
                    for s in example_plan.services}
        assert {p: (out / p).read_text() for p in owned if p.startswith("example/")} == expected
        assert sorted(example_backend.RENDERED) == services
        # cached per service: an unchanged rerun renders nothing, one changed service only itself
        (spec_dir / "search.yaml").write_text((spec_dir / "search.yaml").read_text() + "\n# edited\n")
        _generate(spec_dir, out, cache_dir)
        assert sorted(example_backend.RENDERED) == services
        text = (spec_dir / "checkout.yaml").read_text()
        (spec_dir / "checkout.yaml").write_text(text.replace("objective: 99.9", "objective: 99.8", 1))
        assert text != (spec_dir / "checkout.yaml").read_text()
        _generate(spec_dir, out, cache_dir)
        assert sorted(example_backend.RENDERED) == sorted([*services, "checkout"])
        # its directory is output (never read as specs, part of the tree `obsgen test` digests);
        # it writes no Kubernetes object, so `obsgen k8s` does not run it
        assert "example" in backends.output_dirs() and "example" in backends.without_k8s()
        assert any(p.startswith("example/") for p in render_all(example_plan))
    # unregistered: its files are removed, and the manifest no longer lists them
    owned = _generate(spec_dir, out, cache_dir)
    assert not [p for p in owned if p.startswith("example/")]
    assert not (out / "example").exists() or not any((out / "example").iterdir())
    assert "example" not in backends.output_dirs()


def test_a_backend_cannot_be_registered_twice():
    with pytest.raises(ValueError, match="already registered"):
        backends.register(backends.REGISTRY["prometheus"])
