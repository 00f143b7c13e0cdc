"""The ownership rules (owner team, runbook, a page that reaches a pager) have one home,
spec/checks.ownership: the same finding is an error in an obsgen/v1 file and a warning in an
imported one, chosen by the spec's origin."""

from __future__ import annotations

from obsgen.spec import checks
from obsgen.spec.load import finish, load_dir
from tests.spec.importers.test_sloth import GETTING_STARTED

NATIVE = """\
apiVersion: obsgen/v1
kind: Service
metadata: {name: native, team: myteam, tier: 1}
spec:
  slos:
    - name: avail
      objective: 99.9
      sli: {events: {error_query: 'sum(rate(e[{{window}}]))', total_query: 'sum(rate(t[{{window}}]))'}}
"""


def test_one_rule_an_error_for_obsgen_files_a_warning_for_imported_ones(tmp_path):
    (tmp_path / "native.yaml").write_text(NATIVE)
    (tmp_path / "sloth.yml").write_text(GETTING_STARTED)  # team myteam, no Team document, no runbook
    specs, errors = load_dir(tmp_path, sorted(tmp_path.iterdir()))
    errors += finish(specs)
    assert errors == []
    found = sorted((type(f).__name__, f.location.file.rsplit("/", 1)[-1], f.message.split(":")[0].split(";")[0])
                   for f in checks.ownership(specs))
    assert found == [
        ("SpecError", "native.yaml", "is required"),
        ("SpecError", "native.yaml", "unknown team 'myteam'"),
        ("SpecWarning", "sloth.yml", "SLO 'requests-availability' pages but has no runbook (a runbook or runbook_url "
                                     "alerting annotation holding a URL is read as one)"),
        ("SpecWarning", "sloth.yml", "team 'myteam' has no Team document"),
    ]
