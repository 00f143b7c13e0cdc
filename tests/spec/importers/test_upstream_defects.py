"""The defects issue 20 found by reading the files Sloth, Pyrra and OpenSLO ship (tests/spec/upstream):
each test reads such a file, unchanged or cut down to the part at fault."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from obsgen import names, pipeline
from obsgen.errors import SpecErrors
from tests.builders import obsgen_cli
from tests.conftest import require_tool
from tests.spec.importers.helpers import PLATFORM, write

UPSTREAM = Path(__file__).parents[1] / "upstream"
SLOTH = UPSTREAM / "sloth"
GETTING_STARTED = (SLOTH / "examples/getting-started.yml").read_text(encoding="utf-8")


def spec_dir(tmp_path: Path, *files: str, extra: dict | None = None) -> Path:
    root = tmp_path / "slos"
    root.mkdir()
    for file in files:
        shutil.copyfile(UPSTREAM / file, root / Path(file).name)
    return write(root, extra or {})


def errors_of(root: Path) -> list[str]:
    with pytest.raises(SpecErrors) as exc:
        pipeline.run(root, warnings=[], render=False)
    return [str(e).replace(f"{root}/", "") for e in exc.value.errors]


def rules(out: Path, service: str) -> list[dict]:
    text = (out / "alerts" / "rules" / f"{service}.rules.yaml").read_text(encoding="utf-8")
    return [r for g in yaml.safe_load(text)["groups"] for r in g["rules"]]


def generate(root: Path, out: Path) -> subprocess.CompletedProcess:
    result = obsgen_cli("generate", str(root), "--out", str(out))  # in this process: the output is tested
    assert result.returncode == 0, result.stderr
    return result


# --- OpenSLO -------------------------------------------------------------------------------------

def test_a_top_level_list_of_openslo_objects_is_read(tmp_path):
    root = spec_dir(tmp_path, "openslo-go-sdk/pkg/openslosdk/test_data/decode/sequence_of_objects.yaml",
                    extra={"slo.yaml": "- apiVersion: openslo/v1\n  kind: SLO\n  metadata: {name: Bad Name}\n"})
    errors = errors_of(root)
    # the list's objects are read; an error in the second item points at its own line
    assert any(e.startswith("slo.yaml:3: metadata.name: must be a DNS label") for e in errors), errors
    assert not any("a document must be a mapping" in e for e in errors), errors


def test_openslo_v1alpha_service_documents_are_read(tmp_path):
    root = spec_dir(tmp_path, "openslo-oslo/internal/files/testdata/format/valid-service.yaml",
                    "sloth/examples/openslo-getting-started.yml")
    assert [s.name for s in pipeline.run(root, warnings=[], render=False).plan.services] == ["my-service"]


def test_a_list_valued_team_label_names_the_first_team(tmp_path):
    text = (UPSTREAM / "openslo-oslo/test/inputs/fmt/service.yaml").read_text(encoding="utf-8")
    assert "team: [team-a, team-b]" not in text
    root = write(tmp_path / "slos", {"svc.yaml": (
        "apiVersion: openslo/v1\nkind: Service\nmetadata:\n  name: web\n  labels:\n    team: [team-a, team-b]\n"),
        "slo.yaml": (UPSTREAM / "sloth/examples/openslo-getting-started.yml").read_text(encoding="utf-8")
        .replace("service: my-service", "service: web")})
    warnings: list = []
    svc = pipeline.run(root, warnings=warnings, render=False).plan.services[0]
    assert svc.team == "team-a"
    assert any("obsgen routes a service to one team: 'team-a', the first of 'team-a', 'team-b'" in str(w)
               for w in warnings), warnings


def test_unknown_fields_and_bad_names_in_unreferenced_objects_are_refused(tmp_path):
    root = spec_dir(tmp_path, "openslo-oslo/test/inputs/validate/unknown-field.yaml")
    assert errors_of(root) == [
        "unknown-field.yaml:4: metadata.name: must be a DNS label (lowercase letters, digits and '-', at most 63), "
        "as OpenSLO requires; got 'my-rad service'",
        "unknown-field.yaml:6: markdown: unknown field in an OpenSLO Service"]


def test_import_of_services_only_says_no_slo_was_found(tmp_path):
    file = UPSTREAM / "openslo-oslo/internal/files/testdata/format/list-of-services.yaml"
    result = obsgen_cli("import", "openslo", str(file))  # the message and exit code, in this process
    assert result.returncode == 1
    assert "no OpenSLO SLO documents found (Service documents only name services)" in result.stderr, result.stderr


# --- Sloth ---------------------------------------------------------------------------------------

def test_the_other_spelling_of_page_alert_is_ignored_with_a_warning(tmp_path):
    root = spec_dir(tmp_path, "sloth/test/integration/prometheus/testdata/validate/good/good-aa.yaml")
    warnings: list = []
    slo = pipeline.run(root, warnings=warnings, render=False).plan.services[0].slos[0]
    ignored = [str(w).replace(f"{root}/", "") for w in warnings if "ignored, as Sloth ignores it" in str(w)]
    assert ignored == [
        "good-aa.yaml:21: slos[0].alerting.pageAlert: ignored, as Sloth ignores it: this form of the spec spells "
        "it 'page_alert'",
        "good-aa.yaml:24: slos[0].alerting.ticketAlert: ignored, as Sloth ignores it: this form of the spec spells "
        "it 'ticket_alert'"]
    # as for Sloth, the ignored keys' labels are on no alert
    assert all(dict(a.labels).get("alert03k1") is None for a in slo.alerts)


def test_a_boolean_label_is_written_as_sloth_writes_it(tmp_path):
    text = (SLOTH / "examples/victoria-metrics.yml").read_text(encoding="utf-8")
    head = text[:text.index("slo_plugins:")]
    root = write(tmp_path / "slos", {"vm.yaml": head + GETTING_STARTED[GETTING_STARTED.index("slos:"):]})
    slo = pipeline.run(root, warnings=[], render=False).plan.services[0].slos[0]
    assert dict(slo.labels)["generated"] == "true"


def test_all_problems_are_reported_in_one_run(tmp_path):
    text = GETTING_STARTED.replace("objective: 99.9", "objective: 101").replace(
        "      page_alert:", "      pageAlert: {}\n      page_alerts:")
    root = write(tmp_path / "slos", {"s.yml": text})
    errors = errors_of(root)
    assert any("slos[0].alerting.page_alerts: unknown field" in e for e in errors), errors
    assert any(e.startswith("s.yml:10: slos[0].objective:") for e in errors), errors


@pytest.mark.parametrize("text, expected", [
    ((SLOTH / "examples/windows/7d.yaml").read_text(encoding="utf-8"),
     "w.yaml:2: kind: a Sloth AlertWindows document is not an SLO spec (Sloth reads it with "
     "--slo-period-windows-path): write its windows as a catalog in the Platform's alert_windows"),
    ((SLOTH / "test/integration/prometheus/testdata/in-invalid-version.yaml").read_text(encoding="utf-8"),
     "w.yaml:1: version: the Sloth spec version obsgen reads (as Sloth does) is prometheus/v1, got 'prometheus/v999'"),
], ids=["alert-windows", "version-v999"])
def test_foreign_documents_obsgen_does_not_read_say_what_they_are(tmp_path, text, expected):
    errors = errors_of(write(tmp_path / "slos", {"w.yaml": text}))
    assert errors[0].startswith(expected), errors


# --- ownership -------------------------------------------------------------------------------------

UNOWNED = ("sloth/examples/home-wifi.yml", "pyrra/examples/nginx.yaml", "sloth/examples/openslo-getting-started.yml")


def test_an_unowned_import_generates_warns_once_and_reaches_the_root_receiver(tmp_path):
    amtool = require_tool("amtool")
    root = spec_dir(tmp_path, *UNOWNED)
    warnings: list = []
    plan = pipeline.run(root, warnings=warnings, render=False).plan
    assert {s.team for s in plan.services} == {names.UNOWNED_TEAM}
    owner = [str(w) for w in warnings if "no owner" in str(w) or "Team document" in str(w)]
    assert len(owner) == 1 and "(and 3 more: " in owner[0], owner
    out = tmp_path / "out"
    generate(root, out)
    config = out / "alerts" / "alertmanager" / "alertmanager.yaml"
    root_receiver = yaml.safe_load(config.read_text(encoding="utf-8"))["route"]["receiver"]
    alert = next(r for r in rules(out, "home-wifi") if "alert" in r)
    labels = [f"{k}={v}" for k, v in alert["labels"].items() if "{{" not in v]
    routed = subprocess.run([amtool, "config", "routes", "test", f"--config.file={config}", *labels],
                            capture_output=True, text=True)
    assert routed.returncode == 0, routed.stderr
    assert routed.stdout.split() == [root_receiver]


def test_an_unowned_import_belongs_to_the_platforms_default_team(tmp_path):
    root = spec_dir(tmp_path, *UNOWNED, extra={"platform.yaml": PLATFORM % "sre"})
    warnings: list = []
    assert {s.team for s in pipeline.run(root, warnings=warnings, render=False).plan.services} == {"sre"}
    assert not [w for w in warnings if "no owner" in str(w)]


# --- sloth_slo_info and Sloth's labels ---------------------------------------------------------------

@pytest.mark.parametrize("file, spec, mode", [
    ("sloth/examples/getting-started.yml", "prometheus/v1", "cli-gen-prom"),
    ("sloth/examples/k8s-getting-started.yml", "sloth.slok.dev/v1", "cli-gen-k8s"),
    ("sloth/examples/openslo-getting-started.yml", "openslo/v1alpha", "cli-gen-openslo"),
])
def test_sloth_slo_info_says_the_inputs_spec_and_mode(tmp_path, file, spec, mode):
    out = tmp_path / "out"
    root = spec_dir(tmp_path, file)
    generate(root, out)
    service = pipeline.run(root, warnings=[], render=False).plan.services[0].name
    info = next(r for r in rules(out, service) if r.get("record") == names.SLO_INFO)
    assert (info["labels"]["sloth_spec"], info["labels"]["sloth_mode"]) == (spec, mode)
