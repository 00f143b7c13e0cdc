"""One PrometheusRule per service, with exactly the groups of alerts/rules/<service>.rules.yaml."""

import re

import yaml

from obsgen import names
from obsgen import yamlio as yamlout
from obsgen.render import k8s_rules
from tests.conftest import kustomize

# The Prometheus Operator CRD's pattern for `interval` and `for` (monitoring.coreos.com/v1).
CRD_DURATION = re.compile(r"^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?"
                          r"(([0-9]+)ms)?)$")


def rule_of(example_files, service):
    return yaml.safe_load(example_files[names.k8s_base_file("prometheus", service)])


def test_one_prometheus_rule_per_service_with_the_rule_files_groups(example_plan, example_files):
    paths = sorted(p for p in example_files if p.startswith("k8s/base/prometheus/"))
    assert paths == sorted(f"k8s/base/prometheus/{s.name}.yaml" for s in example_plan.services)
    for service in example_plan.services:
        obj = rule_of(example_files, service.name)
        assert (obj["apiVersion"], obj["kind"]) == ("monitoring.coreos.com/v1", "PrometheusRule")
        assert obj["metadata"]["name"] == f"obsgen-{service.name}"
        assert "namespace" not in obj["metadata"]  # the kustomizations set it
        assert obj["metadata"]["labels"] == {"app.kubernetes.io/managed-by": "obsgen",
                                             "app.kubernetes.io/part-of": "obsgen"}
        rules_file = yaml.safe_load(example_files[names.rules_file(service.name)])
        assert obj["spec"] == {"groups": rules_file["groups"]}


def test_durations_match_the_operator_crd(example_files):
    for path, text in example_files.items():
        if path.startswith("k8s/base/prometheus/"):
            for group in yaml.safe_load(text)["spec"]["groups"]:
                assert CRD_DURATION.match(group.get("interval", "0"))
                for rule in group["rules"]:
                    assert CRD_DURATION.match(rule.get("for", "0")), rule


def test_the_crd_pattern_rejects_what_the_operator_rejects():
    assert not CRD_DURATION.match("1.5m") and not CRD_DURATION.match("5 m") and CRD_DURATION.match("1h30m")


def test_platform_labels_reach_every_object(tmp_path, kubectl):
    from tests.k8s_specs import build, write_specs

    spec_dir = write_specs(tmp_path / "slos", ["checkout"],
                           kubernetes="{namespace: observability, labels: {release: kube-prometheus-stack}}")
    files = build(spec_dir)
    obj = yaml.safe_load(files["k8s/base/prometheus/checkout.yaml"])
    assert obj["metadata"]["labels"]["release"] == "kube-prometheus-stack"
    from obsgen.output.writer import write_tree

    write_tree(tmp_path / "out", files)
    [rule] = [o for o in kustomize(kubectl, tmp_path / "out/k8s") if o["kind"] == "PrometheusRule"]
    assert rule["metadata"]["namespace"] == "observability"
    assert rule["metadata"]["labels"] == {"app.kubernetes.io/managed-by": "obsgen",
                                          "app.kubernetes.io/part-of": "obsgen",
                                          "release": "kube-prometheus-stack"}


def test_longest_service_names_give_valid_distinct_names(tmp_path, kubectl):
    """Service names may be 63 characters: `obsgen-` would push them past a DNS-1123 label."""
    from obsgen.output.writer import write_tree
    from tests.k8s_specs import build, write_specs

    longest = ["a" * 63, "a" * 62 + "b", "a" + "-b" * 31, "z" * 56]
    files = build(write_specs(tmp_path / "slos", longest))
    write_tree(tmp_path / "out", files)
    objs = kustomize(kubectl, tmp_path / "out/k8s")
    rule_names = [o["metadata"]["name"] for o in objs if o["kind"] == "PrometheusRule"]
    assert len(set(rule_names)) == len(longest)
    for name in rule_names:
        assert names.is_dns1123_label(name), name
    assert names.prometheus_rule_name("z" * 56) == "obsgen-" + "z" * 56  # 63: kept as it is


def test_k8s_name_keeps_short_names_and_hashes_long_ones():
    assert names.k8s_name("obsgen", "checkout") == "obsgen-checkout"
    long = names.k8s_name("obsgen", "a" * 63)
    assert len(long) == 63 and names.is_dns1123_label(long)
    assert names.k8s_name("obsgen", "a" * 62 + "b") != long
    assert not names.is_dns1123_label("a" * 64) and not names.is_dns1123_label("-a") and not names.is_dns1123_label("A")


def test_no_services_no_rules(example_plan):
    from dataclasses import replace

    assert k8s_rules.render(replace(example_plan, services=()), {}) == {}


def test_a_service_too_large_for_one_rule_file_is_split_by_whole_groups(tmp_path, kubectl):
    """The operator refuses a PrometheusRule over 512 KiB; 50 paging SLOs take about 620 KiB."""
    from obsgen.output.writer import write_tree
    from tests.k8s_specs import build, write_specs

    spec_dir = write_specs(tmp_path / "slos", ["checkout"], slos=50)
    files = build(spec_dir)
    write_tree(tmp_path / "out", files)
    parts = sorted(p for p in files if p.startswith("k8s/base/prometheus/"))
    assert parts[0] == "k8s/base/prometheus/checkout.2.yaml" and parts[-1] == "k8s/base/prometheus/checkout.yaml"
    objs = [o for o in kustomize(kubectl, tmp_path / "out/k8s") if o["kind"] == "PrometheusRule"]
    assert {o["metadata"]["name"] for o in objs} == {"obsgen-checkout"} | {
        f"obsgen-checkout.{i}" for i in range(2, len(parts) + 1)}
    groups = []
    for o in sorted(objs, key=lambda o: int(o["metadata"]["name"].partition(".")[2] or 1)):
        assert len(yamlout.dump(o["spec"], header="").encode()) < 512 * 1024
        groups += o["spec"]["groups"]
    assert groups == yaml.load(files[names.rules_file("checkout")], Loader=yaml.CSafeLoader)["groups"]


def test_parts_keep_order_and_never_split_a_group():
    from obsgen.render.k8s_rules import _parts

    groups = [{"name": f"g{i}", "rules": [{"record": "r", "expr": "x" * 100}] * (i + 1)} for i in range(6)]
    parts = _parts(groups, limit=900)
    assert len(parts) > 1 and [g for p in parts for g in p] == groups
    assert _parts(groups, limit=10**6) == [groups]
    assert _parts(groups[:1], limit=1) == [groups[:1]]  # a group larger than the limit stays whole
