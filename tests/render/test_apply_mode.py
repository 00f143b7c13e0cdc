"""Objects the API server accepts at any size (issue 19 point 8): a dashboard that would pass the
1 MiB ConfigMap limit is refused at its service's line; objects too large for client-side apply's
256 KiB annotation are annotated for server-side apply; verify/k8s_sizes.py checks both limits."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from obsgen.output.writer import write_tree
from obsgen.render import apply_mode
from obsgen.verify import VERIFIERS, k8s_sizes
from tests.builders import obsgen_cli
from tests.conftest import kustomize
from tests.k8s_specs import build, write_specs

CHECKOUT_CM = "k8s/base/grafana/obsgen-dashboard-service-checkout.yaml"
CHECKOUT_RULE = "k8s/base/prometheus/checkout.yaml"


@pytest.fixture(scope="module")
def mid_sized(tmp_path_factory):
    """30 SLOs: every object fits the API server, the dashboard and rules not client-side apply."""
    root = tmp_path_factory.mktemp("mid")
    files = build(write_specs(root / "slos", ["checkout"], slos=30))
    write_tree(root / "out", files)
    return root / "out", files


def _load(text: str) -> dict:
    return yaml.safe_load(text)


def test_objects_over_the_client_side_limit_are_annotated_for_server_side_apply(mid_sized, kubectl):
    out, files = mid_sized
    for path in (CHECKOUT_CM, CHECKOUT_RULE):
        obj = _load(files[path])
        assert not apply_mode.client_side_fits(obj), path  # really too large: measured, not assumed
        assert obj["metadata"]["annotations"][apply_mode.SYNC_OPTIONS] == apply_mode.SERVER_SIDE, path
    rendered = {o["metadata"]["name"]: o for o in kustomize(kubectl, out / "k8s")}
    assert rendered["obsgen-dashboard-service-checkout"]["metadata"]["annotations"][apply_mode.SYNC_OPTIONS] \
        == apply_mode.SERVER_SIDE
    # the dashboard in the ConfigMap is still exactly the dashboard file
    assert _load(files[CHECKOUT_CM])["data"]["checkout.json"] == files["dashboards/checkout.json"]


def test_objects_that_fit_client_side_apply_are_left_alone(example_files):
    from obsgen.render.alertmanager import secrets

    for path, text in example_files.items():
        if path.startswith("k8s/") and not path.endswith("kustomization.yaml"):
            obj = _load(text)
            if path == secrets.RESOURCE_FILE:  # a partial object: server-side whatever its size
                assert obj["metadata"]["annotations"][apply_mode.SYNC_OPTIONS] == secrets.PATCH_SYNC_OPTIONS
                continue
            assert apply_mode.client_side_fits(obj) and not apply_mode.server_side(obj), path


def test_the_size_verifier_passes_and_catches_a_missing_annotation(mid_sized, tmp_path):
    out, files = mid_sized
    assert "k8s-sizes" in VERIFIERS
    assert all(r.ok for r in VERIFIERS["k8s-sizes"](out))
    broken = tmp_path / "broken"
    write_tree(broken, files)
    obj = _load(files[CHECKOUT_RULE])
    del obj["metadata"]["annotations"]
    (broken / CHECKOUT_RULE).write_text(yaml.safe_dump(obj))
    results = [r for r in k8s_sizes.verify(broken) if not r.ok]
    assert len(results) == 1 and CHECKOUT_RULE in results[0].output
    assert "needs server-side apply" in results[0].output


def test_the_size_verifier_catches_a_configmap_over_one_mebibyte(mid_sized, tmp_path):
    _, files = mid_sized
    broken = tmp_path / "broken"
    write_tree(broken, files)
    obj = _load(files[CHECKOUT_CM])
    dashboard = json.loads(obj["data"]["checkout.json"])
    dashboard["description"] = "x" * apply_mode.DATA_MAX
    obj["data"]["checkout.json"] = json.dumps(dashboard)
    (broken / CHECKOUT_CM).write_text(yaml.safe_dump(obj))
    output = "\n".join(r.output for r in k8s_sizes.verify(broken) if not r.ok)
    assert f"{CHECKOUT_CM}: ConfigMap obsgen-dashboard-service-checkout holds" in output and "1 MiB" in output


def test_a_dashboard_over_the_configmap_limit_is_refused_at_its_service(tmp_path):
    spec_dir = write_specs(tmp_path / "slos", ["checkout"], slos=100)
    # in this process (builders.obsgen_cli: the exit code and streams, a traceback raised here)
    result = obsgen_cli("generate", str(spec_dir), "--out", str(tmp_path / "out"))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    line = next(i for i, text in enumerate((spec_dir / "checkout.yaml").read_text().splitlines(), 1)
                if text.startswith("  slos:"))
    assert f"error: {spec_dir / 'checkout.yaml'}:{line}: slos: the dashboard of checkout is " in result.stderr
    assert "ConfigMap limit" in result.stderr
    assert not (tmp_path / "out").exists()


def _slos_line(spec: Path) -> int:
    return next(i for i, text in enumerate(spec.read_text().splitlines(), 1) if text.startswith("  slos:"))


def _oversized(path: str):
    """A dashboard whose file is one byte over what a ConfigMap may hold with its name."""
    from obsgen.artifacts import Dashboard, kept_text

    board = Dashboard(path, dict)
    kept_text(board, lambda _: "x" * apply_mode.DATA_MAX)
    return board


@pytest.mark.parametrize(("kind", "name", "shown"), [("team", "payments", "team payments"),
                                                      ("overview", "", "the overview")])
def test_a_team_or_overview_dashboard_over_the_limit_is_refused_at_its_largest_service(tmp_path, kind, name, shown):
    """The team and overview dashboards grow with their services' SLOs: refused at the spec line of
    the service that adds most (with the team's document named), not at a line-less 'platform'. The
    plan is the specs'; only the rendered dashboard's size is forced over the limit."""
    from obsgen import pipeline
    from obsgen.errors import SpecErrors
    from obsgen.render.grafana import descriptor as grafana

    spec_dir = write_specs(tmp_path / "slos", ["checkout", "search"], slos=1)
    search = spec_dir / "search.yaml"
    search.write_text(search.read_text() + "".join(
        f"    - name: extra-{i}\n      objective: 99\n      sli:\n        events:\n"
        f"          error_query: sum(rate(e{{job=\"x\"}}[{{{{window}}}}]))\n"
        f"          total_query: sum(rate(t{{job=\"x\"}}[{{{{window}}}}]))\n" for i in range(3)))
    plan = pipeline.run(spec_dir, render=False).plan
    with pytest.raises(SpecErrors) as caught:
        grafana._refuse_oversized(plan, [(kind, name, _oversized(f"dashboards/{kind}.json"))])
    message = str(caught.value)
    assert message.startswith(f"{search}:{_slos_line(search)}: slos: the dashboard of {shown} is "), message
    assert "search adds the most (4 SLOs)" in message
    if kind == "team":
        assert f"team payments is defined at {spec_dir / 'teams.yaml'}:3"  # its metadata line in message
