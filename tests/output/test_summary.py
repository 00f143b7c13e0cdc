from obsgen.output import summary


def test_kinds_are_derived_from_the_paths():
    paths = ["alerts/rules/a.yaml", "alerts/rules/b.yaml", "alerts/tests/a.yaml",
             "alerts/alertmanager/alertmanager.yaml", "dashboards/a.json", "dashboards/provisioning/x.yaml",
             "otel/production/agent.yaml", "k8s/base/prometheus/a.yaml", "newthing/x/y.z", "TOP.md"]
    assert summary.kinds(paths) == {".": 1, "alerts/alertmanager": 1, "alerts/rules": 2, "alerts/tests": 1,
                                    "dashboards": 2, "k8s": 1, "newthing": 1, "otel": 1}


def test_rules_are_counted_in_rule_files_only():
    rules = "groups:\n- name: g\n  rules:\n  - record: a\n    expr: 1\n  - alert: B\n    expr: 1\n"
    counts = summary.rule_counts({"alerts/rules/x.rules.yaml": rules, "k8s/base/prometheus/x.yaml": "  " + rules})
    assert (counts["record"], counts["alert"]) == (1, 1)
