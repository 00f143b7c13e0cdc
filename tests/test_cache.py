"""The rerun cache: cached output is byte-identical to uncached output, every kind of change
invalidates what it must, a broken cache or a changed tree is a miss, and the cache holds no output."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from obsgen import backends, cache, pipeline
from obsgen.output import encode
from obsgen.output.writer import write_tree
from obsgen.render import render_all
from tests import builders
from tests.conftest import EXAMPLES, run_obsgen


@pytest.fixture
def specs(tmp_path):
    return builders.copy_examples(tmp_path / "slos")


@pytest.fixture
def counted(monkeypatch):
    """Count how many services each renderer really renders."""
    calls = {name: 0 for name in backends.REGISTRY}

    def wrap(name, renderer):
        def counting(plan, *rendered):
            if not UNCOUNTED:
                calls[name] += len(plan.services)
            return renderer(plan, *rendered)
        return counting

    for n, b in list(backends.REGISTRY.items()):
        builders.replace_renderer(monkeypatch, n, wrap(n, b.render))
    return calls


UNCOUNTED: list = []  # non-empty while uncached() renders: those renders are not the cache's


def uncached(specs):
    UNCOUNTED.append(True)
    try:
        return encode.texts(render_all(pipeline.run(specs, render=False).plan))
    finally:
        UNCOUNTED.pop()


def build(specs, tmp_path):
    """A cached run over the tree tmp_path/out, then that tree written as `generate` writes it."""
    out = tmp_path / "out"
    files = pipeline.run(specs, out, cache_dir=tmp_path / "cache").files
    write_tree(out, files)
    return files


def edit(path, old, new):
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def test_cached_output_is_byte_identical(specs, tmp_path, counted):
    cold = build(specs, tmp_path)
    assert cold == uncached(specs)
    rendered = dict(counted)
    assert build(specs, tmp_path) == cold
    assert counted == rendered  # the second run rendered nothing


@pytest.mark.parametrize(("what", "file", "old", "new", "services"), [
    ("an SLO objective", "checkout.yaml", "objective: 99.9", "objective: 99.95", 1),
    ("a Platform document", "platform.yaml", "https://grafana.example.com", "https://grafana2.example.com", 4),
    # the routing plan reads Team documents, and every non-service part of the plan keys every service
    ("a Team document", "teams.yaml", "#payments-alerts", "#pay", 4),
])
def test_each_change_invalidates_what_depends_on_it(specs, tmp_path, counted, what, file, old, new, services):
    build(specs, tmp_path)
    before = dict(counted)
    edit(specs / file, old, new)
    assert build(specs, tmp_path) == uncached(specs), what
    rerendered = {n: counted[n] - before[n] for n in backends.per_service()}
    assert rerendered == {n: services for n in backends.per_service()}, what


def test_new_and_removed_spec_files_invalidate(specs, tmp_path):
    build(specs, tmp_path)
    (specs / "search.yaml").unlink()
    assert build(specs, tmp_path) == uncached(specs)
    shutil.copy(EXAMPLES / "search.yaml", specs / "search.yaml")
    assert build(specs, tmp_path) == uncached(specs)


def test_a_new_obsgen_invalidates_everything(specs, tmp_path, counted, monkeypatch):
    build(specs, tmp_path)
    before = dict(counted)
    monkeypatch.setattr(cache, "code_digest", lambda: "another obsgen")
    assert build(specs, tmp_path) == uncached(specs)
    assert all(counted[n] - before[n] == 4 for n in backends.per_service() if n in counted)


@pytest.mark.parametrize("damage", ["garbage", "wrong shape", "unreadable"])
def test_a_corrupted_cache_is_ignored(specs, tmp_path, damage):
    expected = build(specs, tmp_path)
    for entry in (tmp_path / "cache").iterdir():
        if damage == "garbage":
            entry.write_bytes(b"\xff{not json")
        elif damage == "wrong shape":
            entry.write_text('{"alerts/rules/x.yaml": 3}')
        else:
            entry.unlink()
            entry.mkdir()
    assert build(specs, tmp_path) == expected


def test_errors_are_never_cached(specs, tmp_path):
    build(specs, tmp_path)
    edit(specs / "checkout.yaml", "objective: 99.9", "objective: 100.5")
    with pytest.raises(pipeline.SpecErrors):
        build(specs, tmp_path)


def test_the_cache_stays_out_of_the_output_tree_and_the_check(specs, tmp_path, monkeypatch):
    """The commands in this process (builders.obsgen_cli: the cache is on disk, read again by each
    command; starting Python is not what is tested); the last one in its own process, as a user runs it."""
    out, where = tmp_path / "out", tmp_path / "cache-home"
    env = {"OBSGEN_CACHE_DIR": str(where), "OBSGEN_NO_CACHE": ""}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    for _ in range(2):
        assert builders.obsgen_cli("generate", str(specs), "--out", str(out)).returncode == 0
    assert any(where.rglob("*.json"))  # the cache is used, and lives outside the output tree
    assert not any(p.name.startswith(".obsgen-cache") for p in out.rglob("*"))
    assert builders.obsgen_cli("check", str(specs), "--out", str(out)).returncode == 0
    edit(specs / "checkout.yaml", "objective: 99.9", "objective: 99.95")
    assert run_obsgen("check", str(specs), "--out", str(out), env=env).returncode == 1


def test_a_cached_run_still_prints_its_warnings_and_fails_with_strict(tmp_path, monkeypatch):
    from tests.spec.importers import test_sloth

    spec, out = tmp_path / "slos", tmp_path / "out"
    spec.mkdir()
    (spec / "getting-started.yml").write_text(test_sloth.GETTING_STARTED)
    env = {"OBSGEN_CACHE_DIR": str(tmp_path / "cache-home"), "OBSGEN_NO_CACHE": ""}
    for name, value in env.items():  # the two generate runs in this process, the cache on disk between them
        monkeypatch.setenv(name, value)
    first = builders.obsgen_cli("generate", str(spec), "--out", str(out))
    again = builders.obsgen_cli("generate", str(spec), "--out", str(out))
    assert first.returncode == again.returncode == 0
    assert "(cache)" in again.stderr

    def warnings(result):
        return [line for line in result.stderr.splitlines() if line.startswith("warning: ")]

    assert warnings(first) and warnings(again) == warnings(first)
    strict = run_obsgen("check", str(spec), "--out", str(out), "--strict", env=env)
    assert strict.returncode == 1 and warnings(strict) == warnings(first)


def test_a_hand_edited_file_is_a_miss_for_its_service_only(specs, tmp_path, counted):
    expected = build(specs, tmp_path)
    before = dict(counted)
    rules = tmp_path / "out/alerts/rules/checkout.rules.yaml"
    rules.write_text(rules.read_text() + "# edited\n")
    again = pipeline.run(specs, tmp_path / "out", cache_dir=tmp_path / "cache").files
    assert again == expected  # what obsgen generates, never the edited file
    assert counted["prometheus"] - before["prometheus"] == 1  # only checkout's rules rendered again
    assert counted["promtool-tests"] - before["promtool-tests"] == 0


def test_a_lost_tree_is_a_miss(specs, tmp_path, counted):
    expected = build(specs, tmp_path)
    before = dict(counted)
    shutil.rmtree(tmp_path / "out")
    assert build(specs, tmp_path) == expected
    assert all(counted[n] - before[n] == 4 for n in backends.per_service())


def test_the_cache_holds_digests_not_output(specs, tmp_path):
    files = build(specs, tmp_path)
    entries = list((tmp_path / "cache").glob("*.json"))
    held = sum(e.stat().st_size for e in entries)
    assert entries and held < sum(len(t) for t in files.values()) / 20
    assert not any("groups:" in e.read_text() for e in entries)


@pytest.mark.parametrize("path", ["../escape.yaml", "/etc/hostname", "alerts/../../escape.yaml"])
def test_an_entry_naming_a_path_outside_the_tree_is_a_miss(specs, tmp_path, path):
    (tmp_path / "escape.yaml").write_text("x")
    store = cache.Cache(tmp_path / "cache", tmp_path / "out")
    store._put("k", {"files": {path: cache._sha("x")}})
    assert store.get("k") is None


def test_a_symlink_in_the_tree_is_a_miss(specs, tmp_path):
    build(specs, tmp_path)
    rules = tmp_path / "out/alerts/rules/checkout.rules.yaml"
    elsewhere = tmp_path / "elsewhere.yaml"
    elsewhere.write_bytes(rules.read_bytes())
    rules.unlink()
    rules.symlink_to(elsewhere)
    key = next(e.stem for e in (tmp_path / "cache").glob("*.json") if "checkout.rules.yaml" in e.read_text())
    assert cache.Cache(tmp_path / "cache", tmp_path / "out").get(key) is None


def test_a_hit_hands_the_writer_the_bytes_and_digests_the_manifest_records(specs, tmp_path):
    """What a hit lets the writer reuse is what the writer itself would have computed: the files'
    bytes, and the sha256 the manifest written by generate records for each."""
    from obsgen.output import manifest

    out = tmp_path / "out"
    build(specs, tmp_path)
    hit = pipeline.run(specs, out, cache_dir=tmp_path / "cache")
    assert hit.plan is None and hit.blobs is not None  # a hit: nothing compiled
    assert hit.blobs == {rel: text.encode("utf-8") for rel, text in hit.files.items()}
    assert hit.digests == manifest.parse((out / manifest.MANIFEST).read_text())
    missed = pipeline.run(specs, out)
    assert missed.blobs is None and missed.digests is None and missed.files == hit.files
    reused, computed = write_survey(out, hit), write_survey(out, missed)
    assert reused == computed and reused.in_sync and reused.manifest_new == (out / manifest.MANIFEST).read_bytes()


def write_survey(out, done):
    from obsgen.output.writer import survey

    return survey(out, done.files, **done.known())


# --- the spec memo: unchanged spec files are not parsed, validated, checked or compiled again ------


@pytest.fixture
def loads(monkeypatch):
    """The spec files really read and parsed, and the services really checked and compiled, per run."""
    from obsgen.plan import compile as compile_module
    from obsgen.spec import checks
    from obsgen.spec import load as load_module

    seen = {"files": [], "checked": [], "compiled": []}

    def spy(key, module, name, arg):
        real = getattr(module, name)

        def counting(*args, **kwargs):
            seen[key].append(arg(args))
            return real(*args, **kwargs)
        monkeypatch.setattr(module, name, counting)

    spy("files", load_module, "load_file", lambda a: a[0].name)
    spy("checked", checks, "_check_service", lambda a: a[0].model.metadata.name)
    spy("compiled", compile_module, "_service", lambda a: a[0].metadata.name)

    def clear():
        for key in ("files", "checked", "compiled"):
            seen[key].clear()
    seen["clear"] = clear
    return seen


def test_a_one_service_change_parses_checks_and_compiles_that_service_alone(specs, tmp_path, loads):
    build(specs, tmp_path)
    assert len(loads["files"]) == 6 and len(loads["compiled"]) == 4  # the first run does everything
    loads["clear"]()
    edit(specs / "checkout.yaml", "objective: 99.9", "objective: 99.95")
    cached = build(specs, tmp_path)
    assert (loads["files"], loads["checked"], loads["compiled"]) == (["checkout.yaml"], ["checkout"], ["checkout"])
    loads["clear"]()
    assert cached == uncached(specs)
    assert len(loads["files"]) == 6 and len(loads["compiled"]) == 4  # without the cache: everything


def test_a_service_moving_team_a_team_renamed_and_a_service_removed_match_an_uncached_run(specs, tmp_path):
    """The team and overview dashboards, the routing tree and the route tests read other services
    and documents than the one changed: each such change must reach them."""
    build(specs, tmp_path)
    edit(specs / "search.yaml", "team: discovery", "team: payments")
    assert build(specs, tmp_path) == uncached(specs)
    edit(specs / "teams.yaml", "name: fulfillment}", "name: logistics}")
    edit(specs / "batch-worker.yaml", "team: fulfillment", "team: logistics")
    assert build(specs, tmp_path) == uncached(specs)
    (specs / "payments-api.yaml").unlink()
    assert build(specs, tmp_path) == uncached(specs)


def test_a_platform_change_checks_every_unchanged_service_again(specs, tmp_path):
    """A service's own checks read the Platform's environments: a kept pass must not hide that an
    unchanged service now names an environment the Platform dropped."""
    build(specs, tmp_path)
    edit(specs / "platform.yaml", "environments: [dev, staging, production]", "environments: [dev, production]")
    with pytest.raises(pipeline.SpecErrors, match="unknown environment 'staging'"):
        build(specs, tmp_path)


def test_the_checks_across_documents_still_see_kept_files(specs, tmp_path):
    build(specs, tmp_path)
    shutil.copy(specs / "search.yaml", specs / "search-again.yaml")
    with pytest.raises(pipeline.SpecErrors, match="duplicate service 'search'"):
        build(specs, tmp_path)


def test_kept_route_test_parts_are_read_from_the_tree_and_a_changed_file_is_a_miss(specs, tmp_path):
    """routes.test.yaml's unchanged services' parts are sliced out of the file the tree holds, never
    kept in the cache; if that file is not what the last run wrote, every part is made again."""
    from obsgen import names

    build(specs, tmp_path)
    routes = tmp_path / "out" / names.ALERTMANAGER_ROUTE_TESTS
    assert not any(routes.read_text().split("alerts:\n")[1][:200] in e.read_text(errors="replace")
                   for e in (tmp_path / "cache").iterdir())
    edit(specs / "checkout.yaml", "objective: 99.9", "objective: 99.95")
    routes.write_text(routes.read_text().replace("receivers:", "receivers: # edited\n", 1))
    assert pipeline.run(specs, tmp_path / "out", cache_dir=tmp_path / "cache").files == uncached(specs)


class _Planted:
    """A pickle that, once loaded, leaves a file: what a poisoned cache directory could hold."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (Path.touch, (Path(self.marker),))


def test_a_pickle_planted_in_the_cache_is_never_loaded(specs, tmp_path, monkeypatch):
    """The spec memo's pickles carry an HMAC of this user's key, kept outside the cache directory: a
    pickle written there by anyone else (a shared or restored CI cache) is a miss, never loaded."""
    import pickle

    monkeypatch.setenv(cache.KEY_ENV, str(tmp_path / "state" / "cache.key"))
    cache._signing_key.cache_clear()
    try:
        build(specs, tmp_path)
        pickles = sorted((tmp_path / "cache").rglob("*.pickle"))
        assert pickles, "the spec memo wrote no pickle: nothing to attack"
        assert (tmp_path / "state" / "cache.key").stat().st_mode & 0o777 == 0o600
        marker = tmp_path / "loaded"
        for found in pickles:  # unsigned, then signed with another key
            found.write_bytes(pickle.dumps(_Planted(marker)))
        edit(specs / "checkout.yaml", "objective: 99.9", "objective: 99.95")
        assert pipeline.run(specs, tmp_path / "out", cache_dir=tmp_path / "cache").files == uncached(specs)
        for found in pickles:
            found.write_bytes(b"\0" * 32 + pickle.dumps(_Planted(marker)))
        assert pipeline.run(specs, tmp_path / "out", cache_dir=tmp_path / "cache").files == uncached(specs)
        assert not marker.exists()
    finally:
        cache._signing_key.cache_clear()
