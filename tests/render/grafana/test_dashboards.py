"""Uids, files and ConfigMaps of every dashboard; overview and team dashboards; change isolation."""

from __future__ import annotations

import json
import re

import yaml

from obsgen import names, pipeline
from obsgen.verify import grafana
from tests.conftest import EXAMPLES
from tests.render.grafana.conftest import LONG
from tests.render.grafana.helpers import board, exprs, panel_titles

DNS1123 = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


def _dashboards(files):
    return {p: json.loads(t) for p, t in files.items() if p.startswith("dashboards/") and p.endswith(".json")}


def test_uids_are_unique_short_and_deterministic_even_for_colliding_names(hostile_files):
    boards = _dashboards(hostile_files)
    uids = [d["uid"] for d in boards.values()]
    assert len(set(uids)) == len(uids) == 12  # 7 services, 4 teams, the overview
    assert all(len(u) <= 40 for u in uids)
    assert names.dashboard_uid("overview") != names.overview_dashboard_uid()
    assert names.dashboard_uid("team-payments") != names.team_dashboard_uid("payments")
    assert names.dashboard_uid(LONG) != names.team_dashboard_uid(LONG)
    assert boards["dashboards/overview.json"]["uid"] == "obsgen-overview"
    assert boards["dashboards/_overview.json"]["uid"] == "obsgen_overview"


def test_alerts_dashboard_url_names_the_service_dashboard(example_plan, example_files):
    uids = {d["uid"] for d in _dashboards(example_files).values()}
    for service in example_plan.services:
        for slo in service.slos:
            assert f"/d/{names.dashboard_uid(service.name)}/" in slo.dashboard_url
            assert names.dashboard_uid(service.name) in uids


def test_overview_lists_every_slo_worst_budget_first_and_what_burns(example_plan, example_files):
    overview = board(example_files, names.OVERVIEW_DASHBOARD_FILE)
    budget = next(p for p in overview["panels"] if p["title"].startswith("Error budget remaining"))
    assert budget["type"] == "table"
    assert budget["options"]["sortBy"] == [{"displayName": "budget remaining", "desc": False}]
    assert budget["targets"][0]["expr"].startswith(f"sort({names.PERIOD_BUDGET_REMAINING}")
    assert "Burning now: firing SLO alerts" in panel_titles(overview)
    every = next(p for p in overview["panels"] if p["title"] == "Every SLO")["options"]["content"]
    for service in example_plan.services:
        for slo in service.slos:
            assert f"?var-slo={slo.name})" in every


def test_past_the_list_limit_the_overview_lists_the_teams_their_dashboards_list_the_slos(monkeypatch, example_plan,
                                                                                         tmp_path):
    """At 5,000 services the overview's list of every SLO alone was 2.7 MB, over a ConfigMap's 1 MiB:
    past summary.OVERVIEW_SLO_LIST_MAX SLOs it lists the teams, each linking its team dashboard,
    which lists its own SLOs (the limit lowered to the examples' size, then one under it)."""
    from obsgen.render.grafana import summary

    total = sum(len(s.slos) for s in example_plan.services)
    monkeypatch.setattr(summary, "OVERVIEW_SLO_LIST_MAX", total)
    assert "Every SLO" in panel_titles(board(pipeline.run(EXAMPLES).files, names.OVERVIEW_DASHBOARD_FILE))
    monkeypatch.setattr(summary, "OVERVIEW_SLO_LIST_MAX", total - 1)
    files = pipeline.run(EXAMPLES).files
    overview = board(files, names.OVERVIEW_DASHBOARD_FILE)
    assert "Every SLO" not in panel_titles(overview)
    every = next(p for p in overview["panels"] if p["title"] == "Every team")["options"]["content"]
    assert every.startswith(f"{total} SLOs: ")
    rows = re.findall(r"^\| \[([^\]]+)\]\([^)]*/d/([^)/?]+)\) \| (\d+) \| (\d+) \|$", every, re.M)
    teams = {d["uid"]: d for d in _dashboards(files).values() if "team" in d["tags"]}
    assert sorted(uid for _, uid, _, _ in rows) == sorted(teams) and len(rows) == len(teams) > 1
    for team, uid, services, slos in rows:
        listed = next(p for p in teams[uid]["panels"] if p["title"] == "Every SLO")["options"]["content"]
        assert int(slos) == listed.count("?var-slo=") and teams[uid]["title"] == f"Team {team}"
        assert int(services) == sum(1 for s in example_plan.services if s.team == team)
    assert sum(int(r[3]) for r in rows) == total
    for path, text in files.items():  # the dashboards' schemas, links and uids judged as `obsgen test` does
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text)
    monkeypatch.setenv("OBSGEN_NO_CACHE", "1")
    assert [r.output for r in grafana.verify(tmp_path) if not r.ok] == []


def test_a_team_dashboard_shows_its_services_only(example_files):
    team = board(example_files, names.team_dashboard_file("payments"))
    assert team["uid"] == names.team_dashboard_uid("payments")
    read = " ".join(exprs(team))
    assert 'sloth_service=~"checkout|payments-api"' in read and 'team="payments"' in read
    assert [link["title"] for link in team["links"]] == ["SLO overview", "checkout", "payments-api"]


def test_one_configmap_per_dashboard_for_the_grafana_sidecar(example_files):
    maps = {p: yaml.safe_load(t) for p, t in example_files.items() if p.startswith("k8s/base/grafana/")}
    dashboards = _dashboards(example_files)
    dashboard_maps = [m for m in maps.values() if m["metadata"]["labels"].get("grafana_dashboard") == "1"]
    assert len(dashboard_maps) == len(dashboards)
    contents = sorted(text for m in dashboard_maps for text in m["data"].values())
    assert contents == sorted(example_files[p] for p in dashboards)
    for path, obj in maps.items():
        meta = obj["metadata"]
        assert path == f"k8s/base/grafana/{meta['name']}.yaml" and "namespace" not in meta
        assert DNS1123.match(meta["name"]) and len(meta["name"]) <= 253
        assert meta["labels"]["app.kubernetes.io/managed-by"] == "obsgen"
        assert meta["labels"]["app.kubernetes.io/part-of"] == "obsgen"


def test_configmap_names_stay_unique_with_colliding_service_names(hostile_files):
    maps = [p for p in hostile_files if p.startswith("k8s/base/grafana/")]
    assert "k8s/base/grafana/obsgen-dashboard-service-overview.yaml" in maps
    assert "k8s/base/grafana/obsgen-dashboard-overview.yaml" in maps
    assert len(maps) == len(_dashboards(hostile_files)) + 1


def test_changing_one_slo_changes_only_its_service_team_and_overview(tmp_path, example_files):
    import shutil

    specs = tmp_path / "specs"
    shutil.copytree(EXAMPLES, specs)
    search = specs / "search.yaml"
    search.write_text(search.read_text().replace("objective: 95\n", "objective: 97.5\n"))
    changed = {p for p, t in pipeline.run(specs).files.items() if example_files.get(p) != t}
    grafana_changed = {p for p in changed if p.startswith(("dashboards/", "k8s/base/grafana/"))}
    assert grafana_changed == {
        "dashboards/search.json", names.team_dashboard_file("discovery"), names.OVERVIEW_DASHBOARD_FILE,
        "k8s/base/grafana/obsgen-dashboard-service-search.yaml",
        "k8s/base/grafana/obsgen-dashboard-team-discovery.yaml",
        "k8s/base/grafana/obsgen-dashboard-overview.yaml",
    }


def test_every_example_dashboard_reads_only_defined_variables(example_files):
    for path, dashboard in _dashboards(example_files).items():
        for expr in exprs(dashboard):
            assert not grafana.substitute(expr, dashboard)[1], (path, expr)


def test_configmaps_are_what_the_yaml_writer_would_write(hostile_files):
    from obsgen import yamlio as yamlout

    for path, text in hostile_files.items():
        if path.startswith("k8s/base/grafana/"):
            assert text == yamlout.dump(yaml.safe_load(text)), path


def test_dashboard_json_is_sorted_and_indented_like_the_standard_library(hostile_files):
    for path, data in _dashboards(hostile_files).items():
        assert hostile_files[path] == json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
