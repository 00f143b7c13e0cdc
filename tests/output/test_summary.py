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


def test_rule_counts_are_the_rules_the_generated_files_hold(example_files):
    """As promtool reads them (YAML): every rule of every group, whatever else on a line mentions `- record:`."""
    import yaml

    files = {**example_files, "alerts/rules/odd.rules.yaml": (
        "groups:\n- name: g\n  rules:\n  - record: a\n    expr: vector(1)  # - record: b\n"
        "    labels: {note: 'x - alert: y'}\n  - alert: B\n    expr: 1\n")}
    expected = {"record": 0, "alert": 0}
    for rel, text in files.items():
        if rel.startswith("alerts/rules/"):
            for group in yaml.safe_load(text)["groups"]:
                for rule in group["rules"]:
                    expected["record" if "record" in rule else "alert"] += 1
    counts = summary.rule_counts(files)
    assert expected["record"] > 100 and expected["alert"] > 10
    assert {"record": counts["record"], "alert": counts["alert"]} == expected
