"""`obsgen test` renders the k8s/ tree and every overlay (kubectl kustomize, or in process)."""

import pytest

from obsgen.verify import kustomize as verifier


@pytest.fixture(params=["kubectl", "in-process"])
def mode(request, monkeypatch, kubectl):
    if request.param == "in-process":
        monkeypatch.setattr(verifier, "kubectl", lambda: None)
    return request.param


DIRECTORIES = ("k8s", "k8s/overlays/dev", "k8s/overlays/production", "k8s/overlays/staging")


def test_generated_tree_passes(generated, mode):
    results = verifier.verify(generated)
    assert [r.command[1:] for r in results] == [
        step for d in DIRECTORIES for step in (("kustomize", d), ("object-names", d))]
    assert all(r.ok for r in results), results
    assert results[0].command[0] == ("kubectl" if mode == "kubectl" else "obsgen")


def _rename(out, path: str, old: str, new: str) -> None:
    file = out / path
    text = file.read_text()
    assert text.count(f"name: {old}\n") == 1, text[:300]
    file.write_text(text.replace(f"name: {old}\n", f"name: {new}\n"))


REFUSED = [  # (file, name, a name the API server refuses, the problem reported)
    ("k8s/base/grafana/obsgen-dashboard-service-checkout.yaml", "obsgen-dashboard-service-checkout",
     "obsgen-dashboard-service-checkout-", "ConfigMap/obsgen-dashboard-service-checkout-: metadata.name: "
                                           "must be a DNS-1123 subdomain"),
    ("k8s/base/prometheus/checkout.yaml", "obsgen-checkout", "obsgen-Checkout",
     "PrometheusRule/obsgen-Checkout: metadata.name: must be a DNS-1123 subdomain"),
    ("k8s/base/prometheus/search.yaml", "obsgen-search", "x" * 254,
     f"PrometheusRule/{'x' * 254}: metadata.name: must be a DNS-1123 subdomain"),
    ("k8s/overlays/production/otel/obsgen-agent.yaml", "obsgen-agent", "obsgen_agent",
     "OpenTelemetryCollector/obsgen_agent: metadata.name: must be a DNS-1123 subdomain"),
]


def test_a_name_the_api_server_refuses_fails(generated, mode):
    """kustomize renders the objects anyway (its own result stays ok): the name check catches each,
    in every rendering that prints it (one tree with all four: one rendering of each directory)."""
    for path, old, new, _ in REFUSED:
        _rename(generated, path, old, new)
    results = {r.command[1:]: r for r in verifier.verify(generated)}
    for path, _, _, problem in REFUSED:
        for where in (d for d in DIRECTORIES if "overlays" not in path or d == "k8s/overlays/production"):
            assert results[("kustomize", where)].ok
            names = results[("object-names", where)]
            assert not names.ok and problem in names.output, (where, names.output)
    assert "obsgen_agent" not in results[("object-names", "k8s")].output


def test_labels_and_configmap_keys_are_checked(generated, mode):
    path = generated / "k8s/base/grafana/obsgen-dashboard-overview.yaml"
    text = path.read_text()
    assert "  labels:\n" in text and "\ndata:\n  " in text
    path.write_text(text.replace("  labels:\n", "  labels:\n    team: ops-\n    bad/key/x: y\n", 1)
                    .replace("\ndata:\n  ", "\ndata:\n  bad key.json: '{}'\n  ", 1))
    output = next(r for r in verifier.verify(generated) if r.command[1:] == ("object-names", "k8s")).output
    assert "ConfigMap/obsgen-dashboard-overview: metadata.labels.team: 'ops-' is not a valid label value" in output
    assert "metadata.labels: 'bad/key/x' is not a valid label key" in output
    assert "data: 'bad key.json' is not a valid key" in output


@pytest.mark.parametrize(("breakage", "where"), [
    (lambda out: (out / "k8s/base/prometheus/search.yaml").unlink(), "k8s"),
    (lambda out: (out / "k8s/base/prometheus/search.yaml").write_text(
        (out / "k8s/base/prometheus/checkout.yaml").read_text()), "k8s"),
    (lambda out: (out / "k8s/base/prometheus/search.yaml").write_text("spec: [unclosed\n"), "k8s"),
    (lambda out: (out / "k8s/overlays/dev/kustomization.yaml").write_text(
        "resources: [../../base, missing.yaml]\n"), "k8s/overlays/dev"),
])
def test_a_broken_tree_fails(generated, mode, breakage, where):
    breakage(generated)
    failed = [r for r in verifier.verify(generated) if not r.ok]
    assert where in [r.command[2] for r in failed], failed
    assert all(r.output for r in failed)


def test_a_tree_without_k8s_has_nothing_to_render(tmp_path):
    assert verifier.verify(tmp_path) == []


def test_the_names_check_reads_what_a_whole_parse_reads(generated, kubectl):
    """object-names parses only the top-level keys it checks (kind, metadata, the data keys): on
    every rendering, each object's are those of the whole document, and a document laid out
    otherwise (a flow mapping, a top-level value not indented) is parsed whole."""
    import subprocess

    from obsgen import k8s_validation, yamlio

    def read(obj):
        return {k: (sorted(v) if k.endswith("ata") else v) for k, v in obj.items() if k in verifier.READ}

    for directory in DIRECTORIES:
        stream = subprocess.run([kubectl, "kustomize", directory], cwd=generated, capture_output=True,
                                text=True, check=True).stdout
        whole = [o for o in yamlio.load_all(stream) if o is not None]
        cut = [o for o in verifier._objects(stream) if o is not None]
        assert [read(o) for o in cut] == [read(o) for o in whole] and len(whole) > 5
        assert any(set(o) - verifier.READ - {"apiVersion"} for o in whole)  # something was left out
    odd = ("kind: ConfigMap\nmetadata: {name: Bad_Name,\n  labels: {a: b}}\ndata: {k: v}\n---\n"
           "spec:\nkind: x}\nmetadata:\n  name: ok\n---\n- not an object\n")
    odd += ("---\nkind: ConfigMap\r\nmetadata:\r\n  name: a\rdata: {Bad key: 1}\n---  \n"
            "kind: Secret\nmetadata:\n  name: b\u2028data:\n  bad key: x\n---\n---\n#\nkind: Service\n"
            "metadata: {name: c}\n---\nkind: ConfigMap\nspec:\n  x: 1\rmetadata:\n  name: Bad_1\n---\n"
            "kind: ConfigMap\nspec:\n  x: 1\u2028metadata:\n  name: Bad_2\n")  # YAML's other line breaks
    assert [k8s_validation.object_problems(o) for o in verifier._objects(odd)] == \
        [k8s_validation.object_problems(o) for o in yamlio.load_all(odd)]


@pytest.mark.parametrize("stream", ["", "---\n", "a\n---\n---\nb", "a\n--- \t\nb\n", "x---\ny", "a\n----\nb",
                                    "a\n---", "---x\n---\n", "a\n ---\nb", "a\n---\n"])
def test_documents_are_cut_where_a_separator_line_is(stream):
    import re

    assert verifier.documents(stream) == re.split(r"^---[ \t]*\n", stream, flags=re.MULTILINE)


@pytest.fixture
def result_cache(tmp_path, monkeypatch):
    """The result cache on, in a folder of this test's own."""
    from obsgen import cache

    monkeypatch.setenv(cache.ENV_DIR, str(tmp_path / "cache"))
    monkeypatch.setenv("OBSGEN_NO_CACHE", "")


def _one_service_broken(out, how: str) -> str:
    """One service's file in k8s/base broken as a hand edit could; where kustomize renders it."""
    prometheus = out / "k8s/base/prometheus"
    if how == "missing resource":
        (prometheus / "search.yaml").unlink()
    elif how == "two objects with one name":
        (prometheus / "search.yaml").write_text((prometheus / "checkout.yaml").read_text())
    else:  # a name the API server refuses (kustomize renders it)
        _rename(out, "k8s/base/prometheus/search.yaml", "obsgen-search", "obsgen-Search")
    return "k8s"


def test_a_broken_tree_fails_after_a_cached_run(generated, monkeypatch, result_cache):
    """What passed is cached per document, by its bytes: a tree broken in one service's file after
    a passing run fails, in every rendering that reads it, and nothing of the failure is recorded.
    In process here; kubectl's runs in test_a_broken_file_fails_cold_and_after_a_warm_run."""
    monkeypatch.setattr(verifier, "kubectl", lambda: None)
    _broken_after_a_passing_run(generated, ("missing resource", "two objects with one name",
                                            "a name the API server refuses"))


def _broken_after_a_passing_run(out, hows) -> dict:
    assert all(r.ok for r in verifier.verify(out))
    original = {p: p.read_bytes() for p in (out / "k8s/base/prometheus").iterdir()}
    outputs = {}
    for how in hows:
        search = out / "k8s/base/prometheus/search.yaml"
        if how == "not an object":
            search.write_text("groups: []\n")
        elif how == "not YAML":
            search.write_text("spec: [unclosed\n")
        else:
            _one_service_broken(out, how)
        for _ in range(2):  # and again, after the failing run
            failed = {r.command[2]: r for r in verifier.verify(out) if not r.ok}
            assert set(failed) == set(DIRECTORIES) and all(r.output for r in failed.values()), (how, failed)
            if how.startswith("a name"):
                assert all("PrometheusRule/obsgen-Search: metadata.name" in r.output for r in failed.values())
                assert all(r.command[1] == "object-names" for r in failed.values())
        outputs[how] = failed["k8s"].output
        for path, data in original.items():
            path.write_bytes(data)
        assert all(r.ok for r in verifier.verify(out)), how
    return outputs


def test_each_distinct_document_is_checked_once(generated, mode, result_cache, monkeypatch):
    """The overlays print base's objects with the same bytes: each is name-checked once a run, and
    after one service's file changed only what changed is checked again."""
    checked = []
    real = verifier.document_problems
    monkeypatch.setattr(verifier, "document_problems", lambda doc: checked.append(doc) or real(doc))
    first = verifier.verify(generated)
    streams = [verifier.documents(_rendered(generated, mode, d)) for d in DIRECTORIES]
    assert sorted(checked) == sorted({doc for docs in streams for doc in docs})
    assert sum(map(len, streams)) > 2 * len(checked)  # the overlays repeat the base
    checked.clear()
    assert verifier.verify(generated) == first and checked == []
    _rename(generated, "k8s/base/prometheus/search.yaml", "obsgen-search", "obsgen-search-2")
    assert all(r.ok for r in verifier.verify(generated))
    assert len(checked) == 1 and "name: obsgen-search-2\n" in checked[0]


def _rendered(out, mode, directory: str) -> str:
    if mode == "kubectl":
        return verifier._kubectl(verifier.kubectl(), out, directory)[1]
    return verifier._in_process(out, directory)[1]


# --- chunks: each kustomization's files rendered by kubectl in cached runs, composed as kustomize does ---

from obsgen.verify import kustomize_chunks as chunked  # noqa: E402


@pytest.fixture
def small_chunks(monkeypatch):
    """Two files a bucket: the bundled examples' 14 base files spread over eight runs, so that what
    is composed across runs (order, one id twice) is what the tests below hold to kubectl."""
    monkeypatch.setattr(chunked, "FILES_PER_CHUNK", 2)


def _tree(kind: str, tmp_path, monkeypatch, generated_examples) -> object:
    from obsgen.output.writer import write_tree

    if kind == "examples":
        return generated_examples
    if kind == "synthesized":
        from bench import bench_generate
        from tests.k8s_specs import build

        bench_generate.synthesize(tmp_path / "slos", 50)
        files = build(tmp_path / "slos")
    elif kind == "hostile":
        from tests.hardening import hostile
        from tests.k8s_specs import build

        files = build(hostile.write(tmp_path / "slos"))
    else:  # RBAC, a Namespace, cluster-scoped kinds: kustomize's name references and legacy order
        from tests import builders
        from tests.k8s_specs import build, write_specs
        from tests.output.test_k8s_stream import fake_renderer

        builders.fake_backend(monkeypatch, "fake", fake_renderer)
        files = build(write_specs(tmp_path / "slos", ["checkout", "search"], kubernetes="{namespace: obs}"))
    write_tree(tmp_path / "out", files)
    return tmp_path / "out"


def _nest_apart(out) -> None:
    """dev lists base under base's own namespace (k8s/ under none): the skeletons print alike, so
    base's buckets render once for both; staging's other namespace and production's annotation
    print otherwise, so theirs render apart."""
    for env, extra in (("dev", "namespace: monitoring\n"), ("staging", "namespace: other\n"),
                       ("production", "commonAnnotations:\n  team: sre\n")):
        path = out / "k8s/overlays" / env / "kustomization.yaml"
        path.write_text(path.read_text().replace("resources:\n", extra + "resources:\n", 1))


@pytest.mark.parametrize("kind", ["examples", "synthesized", "hostile", "rbac"])
def test_composed_streams_are_kubectls_byte_for_byte(kind, tmp_path, monkeypatch, kubectl, generated, small_chunks):
    """Every directory's stream composed from the runs equals `kubectl kustomize DIRECTORY`'s whole
    output, byte for byte; the runs did split the files (more runs than directories); and a bucket
    is rendered once for the nestings that print its skeletons alike (the examples' overlays made
    to nest base in three ways, _nest_apart: 4 nestings, 3 runs; the synthesized tree's k8s/ and
    overlays as generated: 2 nestings, 1 run)."""
    import subprocess

    out = _tree(kind, tmp_path, monkeypatch, generated)
    if kind == "examples":
        _nest_apart(out)
    elif kind == "synthesized":
        monkeypatch.setattr(chunked, "FILES_PER_CHUNK", 8)  # 100 files of base: 16 runs a nesting
    directories = verifier._directories(out)
    nodes = chunked.plan(out, directories)
    assert nodes is not None
    runs = {spec for d in directories for spec in chunked.chunks(out, nodes, d)}
    assert len(runs) > len(directories) + 2, runs
    rendered = []
    real = chunked._kubectl
    monkeypatch.setattr(chunked, "_kubectl",
                        lambda tool, out, spec, *a: rendered.append(spec) or real(tool, out, spec, *a))
    composed = chunked.render(kubectl, out, nodes, directories)
    for directory, (result, stream) in zip(directories, composed, strict=True):
        whole = subprocess.run([kubectl, "kustomize", directory], cwd=out, capture_output=True, text=True,
                               check=True).stdout
        assert result.ok and stream == whole, (kind, directory)
    full = [chunked._leaf(spec) for spec in rendered if chunked._leaf(spec) and not chunked._leaf(spec).skeleton]
    base = {leaf for leaf in full if leaf.files[0].startswith("k8s/base/")}
    if kind in ("examples", "synthesized"):
        assert len(base) > 4 and all(full.count(leaf) == (3 if kind == "examples" else 1) for leaf in base)
        assert any(chunked._leaf(spec).skeleton for spec in rendered if chunked._leaf(spec))


def test_only_the_runs_holding_a_changed_file_render_again(generated, kubectl, result_cache, small_chunks,
                                                          monkeypatch):
    rendered = []
    real = chunked._kubectl
    monkeypatch.setattr(chunked, "_kubectl",
                        lambda tool, out, spec, *a: rendered.append(spec) or real(tool, out, spec, *a))
    first = verifier.verify(generated)
    assert all(r.ok for r in first) and len(rendered) > 8
    rendered.clear()
    assert verifier.verify(generated) == first and rendered == []
    _rename(generated, "k8s/base/prometheus/search.yaml", "obsgen-search", "obsgen-search-2")
    assert all(r.ok for r in verifier.verify(generated))

    def files(spec):
        return {*spec.files, *(f for child in spec.children for f in files(child))}

    # one run: k8s/ and the overlays nest base in kustomizations of the same text, so they share it
    assert len(rendered) == 1 and "k8s/base/prometheus/search.yaml" in files(rendered[0])
    assert len(files(rendered[0])) <= 4


def test_a_skeleton_is_the_first_lines_of_each_object_or_none():
    """apiVersion, kind and metadata as written, cut before the first other key; None when the cut
    could read otherwise than the whole (metadata after another key, a quote or a brace left open)."""
    from obsgen import yamlio

    head = "# made by hand\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  labels:\n    x: 'y'\n"
    assert chunked._facts((head + "data:\n  k: v\n---\n" + head + "data: {}\n").encode()) == \
        (True, head + "---\n" + head)
    for text in ("kind: ConfigMap\ndata: {}\nmetadata:\n  name: a\n",
                 'kind: ConfigMap\nmetadata:\n  name: "a\ndata: b"\n',
                 "kind: ConfigMap\nmetadata: {name: a,\nlabels: {}}\n"):
        assert chunked._skeleton(text, [o for o in yamlio.load_all(text) if o]) is None, text
    assert chunked._facts(b"kind: Service\nmetadata:\n  name: a\n") == (False, None)


def test_a_broken_file_fails_cold_and_after_a_warm_run(generated, kubectl, result_cache, small_chunks):
    """One service's file broken after a passing (cached) run fails every rendering that reads it,
    and again on the next run; two objects with one name in files of different runs included. One
    tree and one cache for every breakage: each is undone, and the tree passes again, before the next."""
    nodes = chunked.plan(generated, list(DIRECTORIES))
    runs = {spec.children[0].files if spec.children else spec.files for spec in chunked.chunks(generated, nodes, "k8s")}
    assert not any({"k8s/base/prometheus/search.yaml", "k8s/base/prometheus/checkout.yaml"} <= set(r) for r in runs)
    outputs = _broken_after_a_passing_run(generated, ("two objects with one name", "a name the API server refuses",
                                                      "not an object", "not YAML", "missing resource"))
    assert "already registered id: PrometheusRule 'obsgen-checkout'" in outputs["two objects with one name"]


def test_a_kustomization_with_patches_is_rendered_whole(generated, kubectl, monkeypatch):
    overlay = generated / "k8s/overlays/dev/kustomization.yaml"
    overlay.write_text(overlay.read_text() + "patches:\n- target: {kind: PrometheusRule}\n  patch: |-\n"
                       "    - op: add\n      path: /metadata/annotations\n      value: {patched: 'yes'}\n")
    assert chunked.plan(generated, list(DIRECTORIES)) is None
    monkeypatch.setattr(chunked, "render", lambda *a: pytest.fail("composed a tree with patches"))
    results = {r.command[1:]: r for r in verifier.verify(generated)}
    assert all(r.ok for r in results.values()) and results[("kustomize", "k8s/overlays/dev")].command[0] == "kubectl"


@pytest.mark.parametrize("text", [
    "resources: [../../base]\nnamePrefix: x-\n", "resources: [https://example.com/base]\n",
    "resources: [../../base/prometheus/search.yaml]\n", "resources: [../../base]\nconfigMapGenerator: []\n",
    "resources: [../../base, ../../base]\n", "resources: [.]\n", "---\nresources: [../../base]\n---\n",
    "resources: [../../base]\nresources: [../../base]\n", "kind: Component\nresources: [../../base]\n",
])
def test_what_chunks_do_not_compose_is_rendered_whole(generated, text):
    (generated / "k8s/overlays/dev/kustomization.yaml").write_text(text)
    assert chunked.plan(generated, list(DIRECTORIES)) is None
