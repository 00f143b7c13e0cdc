"""Kubernetes' name rules as apimachinery states them (validation.go's own examples and limits)."""

import pytest

from obsgen import k8s_validation as k8s


@pytest.mark.parametrize(("check", "good", "bad"), [
    (k8s.is_dns1123_label, ["a", "0", "a-b", "a--b", "a" * 63], ["", "-a", "a-", "A", "a.b", "a_b", "a" * 64]),
    (k8s.is_dns1123_subdomain, ["a", "a.b", "a-b.c-d", "0.0", "a" * 253],
     ["", "a.", ".a", "a..b", "a-.b", "A", "a_b", "a" * 254]),
    (k8s.is_dns1035_label, ["a", "a-0", "a" * 63], ["0a", "-a", "a-", "A", "a" * 64]),
    (k8s.is_qualified_name, ["a", "A_b.c-D", "example.com/a", "a/b", "x" * 63, "a" * 253 + "/b"],
     ["", "/a", "a/", "a/b/c", "-a", "a_", "Ex.com/a", "x" * 64, "a" * 254 + "/b"]),
    (k8s.is_label_value, ["", "a", "A_b.c-D", "1", "x" * 63], ["-a", "a-", "a b", "a/b", "x" * 64]),
    (k8s.is_config_key, ["a.json", "_overview.json", "-x", ".a", "A_b-c.d", "x" * 253],
     ["", ".", "..", "..a", "a b", "a/b", "x" * 254]),
])
def test_rules(check, good, bad):
    assert [v for v in good if not check(v)] == []
    assert [v for v in bad if check(v)] == []


def test_each_kind_takes_its_own_name_rule():
    assert k8s.object_problems({"kind": "ConfigMap", "metadata": {"name": "a.b"}}) == []
    assert k8s.object_problems({"kind": "Namespace", "metadata": {"name": "a.b"}}) != []
    assert k8s.object_problems({"kind": "Service", "metadata": {"name": "0a"}}) != []
    assert k8s.object_problems({"kind": "PrometheusRule", "metadata": {"name": "0a", "namespace": "m"}}) == []
    assert k8s.object_problems({"kind": "PrometheusRule", "metadata": {"name": "a", "namespace": "m.x"}}) == [
        "PrometheusRule/a: metadata.namespace: must be a DNS-1123 label (lower case letters, digits and '-', a "
        "letter or digit at both ends, at most 63), got 'm.x'"]
