"""`obsgen k8s` prints the objects `kubectl kustomize` prints for the same tree, and nothing else."""

import copy

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from obsgen import backends, render
from obsgen import yamlio as yamlout
from obsgen.artifacts import K8sObject
from obsgen.output import committed, encode, k8s_stream
from obsgen.output.writer import write_tree
from tests import builders
from tests.conftest import EXAMPLES, kustomize, object_key, run_obsgen
from tests.k8s_specs import build, write_specs

LABELS = {"app.kubernetes.io/managed-by": "obsgen", "app.kubernetes.io/part-of": "obsgen"}


def by_key(objs):
    keyed = {object_key(o): o for o in objs}
    assert len(keyed) == len(objs), "duplicate objects"
    return keyed


def test_obsgen_k8s_prints_what_kustomize_renders(generated, kubectl):
    envs = [None, "dev", "staging", "production"]
    # the real process for the whole tree (what a pipe into `kubectl apply -f -` reads); each overlay
    # in this process (the same command, its stdout and stderr apart): three processes fewer
    results = [run_obsgen("k8s", str(EXAMPLES))]
    results += [builders.obsgen_cli("k8s", str(EXAMPLES), "--env", env) for env in envs[1:]]
    for env, result in zip(envs, results, strict=True):
        assert result.returncode == 0 and result.stderr == "", result.stderr
        printed = list(yaml.safe_load_all(result.stdout))  # one YAML stream, nothing else
        expected = kustomize(kubectl, generated / "k8s" / ("overlays/" + env if env else ""))
        assert by_key(printed) == by_key(expected), env
        assert sum(o["kind"] == "PrometheusRule" for o in printed) == 4


def test_errors_go_to_stderr_and_stdout_stays_empty(tmp_path):
    result = run_obsgen("k8s", str(EXAMPLES), "--env", "qa")
    assert result.returncode == 1 and result.stdout == ""
    assert "unknown environment 'qa'" in result.stderr and "production" in result.stderr
    broken = write_specs(tmp_path / "slos", ["checkout"], kubernetes="{namespace: Bad}")
    result = builders.obsgen_cli("k8s", str(broken))  # in this process: the streams apart all the same
    assert result.returncode == 1 and result.stdout == ""
    assert "kubernetes.namespace" in result.stderr and "Traceback" not in result.stderr


# Objects whose namespace handling kustomize special-cases: cluster-scoped kinds, a Namespace
# object, role binding subjects (named "default", or service accounts of the tree itself).
RBAC = [
    {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "collector"}},
    {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "obsgen-collector"},
     "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list", "watch"]}]},
    {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
     "metadata": {"name": "obsgen-collector"},
     "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "obsgen-collector"},
     "subjects": [{"kind": "ServiceAccount", "name": "collector"},
                  {"kind": "ServiceAccount", "name": "other", "namespace": "elsewhere"},
                  {"kind": "ServiceAccount", "name": "unlisted"},
                  {"kind": "ServiceAccount", "name": "default", "namespace": "kube-system"},
                  {"kind": "Group", "name": "readers"}]},
    {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": {"name": "local"},
     "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "r"},
     "subjects": [{"kind": "ServiceAccount", "name": "collector", "namespace": "default"}]},
    {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
     "metadata": {"name": "things.example.com"}},
    {"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": {"name": "obsgen-high"}, "value": 10},
    {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "whatever"}},
    {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm", "namespace": "preset"}, "data": {"a": "1"}},
]


def fake_renderer(plan):
    files = {f"k8s/overlays/production/otel/{i}.yaml": copy.deepcopy(o) for i, o in enumerate(RBAC)}
    files["k8s/base/grafana/dashboards.yaml"] = {
        "apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "dash", "labels": {"grafana_dashboard": "1"}},
        "data": {"x.json": '{"title": "x: y"}'}}
    return {path: K8sObject(path, body) for path, body in files.items()}


def objects(files: dict[str, str], environment: str | None = None) -> list[dict]:
    """The stream `obsgen k8s` and `obsgen test` print for a tree, parsed."""
    return list(yaml.safe_load_all(k8s_stream.render_committed(files, environment)))


@pytest.mark.parametrize("env", [None, "dev", "production"])
def test_same_objects_as_kustomize_for_any_renderers_objects(monkeypatch, tmp_path, kubectl, env):
    builders.fake_backend(monkeypatch, "fake", fake_renderer)
    files = build(write_specs(tmp_path / "slos", ["checkout", "search"], kubernetes="{namespace: obs}"))
    write_tree(tmp_path / "out", files)
    expected = kustomize(kubectl, tmp_path / "out/k8s" / (f"overlays/{env}" if env else ""))
    assert by_key(objects(files, env)) == by_key(expected)


def test_the_comparison_catches_a_namespace_kustomize_would_not_set(monkeypatch, tmp_path, kubectl):
    """If the stream got a case wrong (here: a ClusterRole given a namespace), the test above fails."""
    builders.fake_backend(monkeypatch, "fake", fake_renderer)
    files = build(write_specs(tmp_path / "slos", ["checkout"]))
    write_tree(tmp_path / "out", files)
    printed = objects(files, "production")
    wrong = copy.deepcopy(printed)
    next(o for o in wrong if o["kind"] == "ClusterRole")["metadata"]["namespace"] = "monitoring"
    expected = by_key(kustomize(kubectl, tmp_path / "out/k8s/overlays/production"))
    assert by_key(printed) == expected and by_key(wrong) != expected


def test_duplicate_objects_are_refused(example_files):
    files = dict(example_files)
    files["k8s/base/prometheus/checkout.yaml"] = files["k8s/base/prometheus/search.yaml"]
    with pytest.raises(k8s_stream.StreamError, match="two objects are PrometheusRule 'obsgen-search'"):
        objects(files)


def test_kustomization_fields_it_cannot_apply_are_refused(example_files):
    files = dict(example_files)
    files["k8s/kustomization.yaml"] += "namePrefix: x-\n"
    with pytest.raises(k8s_stream.StreamError, match="namePrefix"):
        objects(files)


def test_a_file_that_is_not_an_object_is_refused(example_files):
    files = dict(example_files)
    files["k8s/base/prometheus/checkout.yaml"] = "groups: []\n"
    with pytest.raises(k8s_stream.StreamError, match="not a Kubernetes object"):
        objects(files)


# Object bodies as other renderers may write them: any keys and values, several dumpers.
text = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=20) | st.text(
    alphabet=st.sampled_from(list(" \n\t:#-'\"{}[]|>!&*%@`?,.0123456789abxyTtrueFalsNnul~")), max_size=20)
data = st.recursive(st.none() | st.booleans() | st.integers() | text,
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3),
                    max_leaves=12)
DUMPERS = {
    "yamlout": lambda obj: yamlout.dump(obj),
    "pyyaml-block": lambda obj: yaml.safe_dump(obj, sort_keys=True),
    "pyyaml-flow": lambda obj: yaml.safe_dump(obj, default_flow_style=True),
    "pyyaml-narrow": lambda obj: yaml.safe_dump(obj, width=20, explicit_start=True),
}


@settings(max_examples=150, deadline=None)
@given(body=st.dictionaries(text.filter(lambda k: k not in ("apiVersion", "kind", "metadata")), data, max_size=4),
       labels=st.dictionaries(st.sampled_from(["a", "app.kubernetes.io/name", "x-y"]), text, max_size=2),
       dumper=st.sampled_from(sorted(DUMPERS)))
def test_objects_pass_through_unchanged_but_namespace_and_labels(body, labels, dumper):
    obj = {"apiVersion": "example.com/v1", "kind": "Thing", "metadata": {"name": "t", "labels": labels}, **body}
    files = {"k8s/kustomization.yaml": yaml.safe_dump(
        {"namespace": "ns", "labels": [{"pairs": {"p": "q"}, "includeSelectors": False}], "resources": ["t.yaml"]}),
             "k8s/t.yaml": DUMPERS[dumper](obj)}
    expected = copy.deepcopy(obj)
    expected["metadata"] = {"name": "t", "labels": {**labels, "p": "q"}, "namespace": "ns"}
    assert objects(files) == [expected]


@pytest.mark.parametrize(("text", "split"), [
    ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  k: |\n    x\n\n    y\n", True),
    ("# comment\napiVersion: v1\nkind: List\nmetadata: {name: a}\nitems:\n- a\n-\n  - b\n", True),
    ("---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n", False),
    ("{apiVersion: v1, kind: ConfigMap, metadata: {name: a}}\n", False),
    ("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n'data': {}\n", False),
    ("apiVersion: v1\nkind: ConfigMap\nkind: Secret\nmetadata: {name: a}\n", False),
])
def test_only_plain_top_level_keys_are_split(text, split):
    assert (committed._split("k8s/x.yaml", text) is not None) == split


def test_skipped_renderers_write_nothing_under_k8s(example_plan, example_files):
    skipped = encode.texts(render.render_all(example_plan, skip=backends.without_k8s()))
    assert {p: t for p, t in example_files.items() if p.startswith("k8s/")} == {
        p: t for p, t in skipped.items() if p.startswith("k8s/")}
    assert not any(p.startswith(("alerts/rules/", "alerts/tests/")) for p in skipped)
