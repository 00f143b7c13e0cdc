"""The backend registry (obsgen/backends.py): every backend's declaration holds for what it renders,
and adding one is one folder and one registry line, with nothing else to change."""

from __future__ import annotations

import dataclasses
import shutil

import pytest
from click.testing import CliRunner

from obsgen import backends, pipeline, verify
from obsgen.artifacts import K8sObject
from obsgen.cli import main
from obsgen.errors import SpecErrors
from obsgen.output import manifest
from obsgen.render import _call, render_all
from obsgen.spec import schema
from obsgen.spec.models import PlatformSpec
from obsgen.spec.settings import Settings
from tests.conftest import EXAMPLES
from tests.example_backend import descriptor as example_backend
from tests.example_backend import settings as example_settings


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
        assert set(backend.uses) <= set(PlatformSpec.model_fields), backend.name
        assert backend.settings is None or backend.settings.field in PlatformSpec.model_fields, backend.name
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


def test_a_backend_is_one_folder_and_one_registry_line(tmp_path, monkeypatch, example_plan):
    spec_dir, out, cache_dir = tmp_path / "slos", tmp_path / "out", tmp_path / "cache"
    shutil.copytree(EXAMPLES, spec_dir)
    monkeypatch.setattr(example_backend, "RENDERED", [])
    backends.register("tests.example_backend")  # the registry line: its folder
    try:
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
        assert any(p.startswith("example/") for p in render_all(pipeline.run(EXAMPLES, render=False).plan))
    finally:
        backends.unregister("example")
    # unregistered: its files are removed, and the manifest no longer lists them
    owned = _generate(spec_dir, out, cache_dir)
    assert not [p for p in owned if p.startswith("example/")]
    assert not (out / "example").exists() or not any((out / "example").iterdir())
    assert "example" not in backends.output_dirs()


def test_a_backend_cannot_be_registered_twice():
    with pytest.raises(ValueError, match="already registered"):
        backends.register(backends.REGISTRY["prometheus"])


def test_a_backend_cannot_take_a_platform_field_that_is_taken():
    """Settings named like a field of the Platform (the core's, a built-in backend's) are refused,
    and the backend is not registered."""
    for field in ("grafana", "environments"):
        clash = dataclasses.replace(example_backend.BACKEND, settings=Settings(field, example_settings.ExampleSettings))
        with pytest.raises(ValueError, match=f"Platform field '{field}' is already taken"):
            backends.register(clash)
        assert "example" not in backends.REGISTRY


def test_a_folders_settings_are_its_settings_module(monkeypatch):
    """The spec layer finds a backend's settings in its folder's settings.py only: a descriptor
    pointing elsewhere is refused, and nothing is registered."""
    elsewhere = Settings("example", example_settings.ExampleSettings, example_settings.check)
    monkeypatch.setattr(example_backend, "BACKEND", dataclasses.replace(example_backend.BACKEND, settings=elsewhere))
    with pytest.raises(ValueError, match=r"declare settings that are not tests\.example_backend\.settings\.SETTINGS"):
        backends.register("tests.example_backend")
    assert "example" not in backends.REGISTRY


PLATFORM_WITH_EXAMPLE = """\
  example:
    heading: "bad heading!"
    skip: [checkout, nowhere]
"""


def _with_platform_settings(spec_dir, body: str):
    platform = spec_dir / "platform.yaml"
    text = platform.read_text()
    assert "\nspec:\n" in text
    platform.write_text(text.replace("\nspec:\n", "\nspec:\n" + body, 1))
    return text.count("\n", 0, text.index("\nspec:\n")) + 2  # the line of `spec:`


def _edit(path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_a_backend_brings_its_platform_settings(tmp_path, monkeypatch):
    """Registered, the example backend's settings are a Platform field: validated by their model
    and their check, each error at its file, line and field; given, they reach its renderer; in
    the schema. Unregistered, the field is unknown again."""
    spec_dir = tmp_path / "slos"
    shutil.copytree(EXAMPLES, spec_dir)
    spec_line = _with_platform_settings(spec_dir, PLATFORM_WITH_EXAMPLE)
    monkeypatch.setattr(example_backend, "RENDERED", [])
    backends.register("tests.example_backend")
    try:
        with pytest.raises(SpecErrors) as raised:
            pipeline.run(spec_dir, render=False)
        assert [str(e) for e in raised.value.errors] == [
            f"{spec_dir.as_posix()}/platform.yaml:{spec_line + 2}: example.heading: String should match "
            "pattern '^[A-Za-z0-9 ]*$', got 'bad heading!'",
        ]
        _edit(spec_dir / "platform.yaml", "bad heading!", "SLOs")
        with pytest.raises(SpecErrors) as raised:
            pipeline.run(spec_dir, render=False)
        assert [str(e) for e in raised.value.errors] == [
            f"{spec_dir.as_posix()}/platform.yaml:{spec_line + 3}: example.skip[1]: unknown service 'nowhere'"]
        _edit(spec_dir / "platform.yaml", ", nowhere", "")
        plan = pipeline.run(spec_dir, render=False).plan
        files = example_backend.render(plan)
        assert "example/checkout.txt" not in files and files, files
        assert all(f.text.startswith("SLOs\n") for f in files.values())
        assert "example" in schema.json_schema()["$defs"]["PlatformSpec"]["properties"]
    finally:
        backends.unregister("example")
    with pytest.raises(SpecErrors) as raised:
        pipeline.run(spec_dir, render=False)
    assert [str(e) for e in raised.value.errors] == [
        f"{spec_dir.as_posix()}/platform.yaml:{spec_line + 1}: example: unknown field"]
    assert schema.text() == (EXAMPLES.parent / "obsgen.schema.json").read_text()
