"""Per-unit result caching (verify/result_cache.Units): after a warm run of the seams, Grafana and
k8s-sizes verifiers, only the units that read a changed file run again, and a unit broken by hand
(one service's dashboard query, log label, collector enrichment, object size) fails `obsgen test`'s
verifier naming it. Each verifier is run as `obsgen test` runs it (verify.cached, the whole-tree
replay first), on the bundled examples with the cache on in a folder of the test's own."""

from __future__ import annotations

import pytest

from obsgen import cache, signal_path
from obsgen.verify import cached, tree_digest
from obsgen.verify.result_cache import ResultCache, Units

CHECKOUT = "dashboards/checkout.json"
CHECKOUT_RULES = "alerts/rules/checkout.rules.yaml"
CHECKOUT_CM = "k8s/base/grafana/obsgen-dashboard-service-checkout.yaml"
VERIFIERS = ("seams", "grafana", "k8s-sizes")


@pytest.fixture
def warm(generated, tmp_path_factory, monkeypatch):
    """The examples' tree after one passing run of each verifier, the cache on."""
    monkeypatch.setenv(cache.ENV_DIR, str(tmp_path_factory.mktemp("verify-cache")))
    monkeypatch.delenv("OBSGEN_NO_CACHE", raising=False)
    results = _run(generated)
    assert all(r.ok for rs in results.values() for r in rs), [r.output for rs in results.values() for r in rs]
    return generated


def _run(out) -> dict[str, list]:
    tree = tree_digest(out)
    Units.RAN.clear()
    return {name: cached(name, out, tree) for name in VERIFIERS}


def _failed(results: dict[str, list]) -> dict[tuple[str, str], str]:
    return {(name, r.command[1]): r.output for name, rs in results.items() for r in rs if not r.ok}


def _edit(out, rel: str, old: str, new: str, count: int = 1) -> None:
    text = (out / rel).read_text()
    assert old in text, (rel, old)
    (out / rel).write_text(text.replace(old, new, count))


def test_an_unchanged_unit_is_replayed_and_a_changed_one_runs(warm):
    """A second run after a change to one service's dashboard runs that dashboard's units alone (and
    the checks across files, on facts: its ConfigMap no longer holds it)."""
    _edit(warm, CHECKOUT, '"title": "', '"title": "Checkout: ')
    failed = _failed(_run(warm))
    assert list(failed) == [("grafana", "configmaps")] and CHECKOUT in failed[("grafana", "configmaps")]
    # the tree changed, so each verifier ran (no whole-tree replay), but only the changed file's units
    assert Units.RAN == {"grafana": [CHECKOUT], "seams": [CHECKOUT], "k8s-sizes": []}


def test_a_dashboard_query_broken_after_a_warm_run_fails_naming_it(warm):
    _edit(warm, CHECKOUT, "slo:sli_error:ratio_rate5m", "slo:sli_eror:ratio_rate5m")
    failed = _failed(_run(warm))
    assert f"{CHECKOUT}: panel" in failed[("grafana", "series")]
    assert "reads slo:sli_eror:ratio_rate5m, which no generated rule records" in failed[("grafana", "series")]
    assert f"{CHECKOUT}: panel" in failed[("seams", "metrics")]
    assert Units.RAN["grafana"] == [CHECKOUT]


def test_a_log_label_broken_after_a_warm_run_fails_naming_it(warm):
    _edit(warm, CHECKOUT, f"| {signal_path.LOKI_ENVIRONMENT}=~", "| environment=~")
    failed = _failed(_run(warm))
    assert f"{CHECKOUT}: panel 'Logs (trace_id links to Tempo)': filters logs on 'environment'" \
        in failed[("seams", "log-labels")]
    assert Units.RAN["seams"] == [CHECKOUT]


def test_a_collector_enrichment_removed_reruns_every_dashboard_that_read_it(warm):
    """The dashboards' bytes are unchanged; what they read of the collectors (the attributes on the
    log path) is not: every dashboard runs again and the ones filtering on it fail."""
    attribute = f"- key: {signal_path.ENVIRONMENT}\n"
    agents = sorted(p.relative_to(warm).as_posix() for p in warm.glob("otel/*/agent.yaml"))
    for rel in agents:
        _edit(warm, rel, attribute, "- key: deployment.tier\n")
    for path in sorted(warm.glob("k8s/overlays/*/otel/obsgen-[jp]*.yaml")):
        rel = path.relative_to(warm).as_posix()
        if f"value: {signal_path.ENVIRONMENT}=" in path.read_text():
            _edit(warm, rel, f"value: {signal_path.ENVIRONMENT}=", "value: deployment.tier=", -1)
    failed = _failed(_run(warm))
    assert f"{CHECKOUT}: panel 'Logs (trace_id links to Tempo)': filters logs on " \
           f"{signal_path.LOKI_ENVIRONMENT!r}" in failed[("seams", "log-labels")]
    dashboards = sorted(p.relative_to(warm).as_posix() for p in warm.glob("dashboards/**/*.json"))
    assert set(dashboards) <= set(Units.RAN["seams"])


def test_a_rules_file_another_unit_read_reruns_that_unit(warm):
    """A dashboard's label check reads the rules recording the series it selects (LabelSets): its
    unit records those files, so a byte changed in one reruns it, and a label taken from them fails it."""
    store = ResultCache.of(warm)
    entry = store.get(Units(warm, "seams")._key(CHECKOUT))
    assert CHECKOUT_RULES in entry["reads"]
    _edit(warm, CHECKOUT_RULES, "groups:", "# touched\ngroups:")
    assert all(r.ok for rs in _run(warm).values() for r in rs)
    assert CHECKOUT in Units.RAN["seams"] and "dashboards/search.json" not in Units.RAN["seams"]
    _edit(warm, CHECKOUT_RULES, "sloth_slo:", "sloth_slx:", -1)
    failed = _failed(_run(warm))
    assert f"{CHECKOUT}: panel" in failed[("seams", "labels")]
    assert "'sloth_slo', a label it does not carry" in failed[("seams", "labels")]


def test_an_object_grown_past_the_api_servers_limit_after_a_warm_run_fails_naming_it(warm):
    _edit(warm, CHECKOUT_CM, "data:\n", "data:\n  padding.txt: " + "x" * (1 << 20) + "\n")
    failed = _failed(_run(warm))
    assert f"{CHECKOUT_CM}: ConfigMap obsgen-dashboard-service-checkout needs server-side apply" \
        in failed[("k8s-sizes", "k8s-sizes")]
    assert Units.RAN["k8s-sizes"] == [CHECKOUT_CM]


def test_a_failure_is_never_recorded(warm):
    _edit(warm, CHECKOUT, "slo:sli_error:ratio_rate5m", "slo:sli_eror:ratio_rate5m")
    assert _failed(_run(warm))
    assert _failed(_run(warm))  # run again: still fails, the unit ran again
    assert CHECKOUT in Units.RAN["grafana"]
