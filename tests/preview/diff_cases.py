"""The change kinds `obsgen diff` is shown and tested on: edits of the bundled examples. The tests
(tests/preview/test_semdiff.py) assert what each prints, and docs/diff.md shows that very output
(tests/preview/test_diff_docs.py keeps the page equal to it)."""

from __future__ import annotations

import functools
import shutil
from pathlib import Path

from obsgen import pipeline
from obsgen.output.writer import write_tree
from tests.builders import obsgen_cli
from tests.conftest import EXAMPLES

SEARCH_LATENCY = """    - name: latency
      objective: 95
      period: 7d
      description: Search answers within a second
      sli:
        latency:
          histogram: search_request_duration_seconds
          selector: {handler: /search}
          threshold: 1s
      alerting:
        page: false
"""

# name -> (what the change is, in the docs; [(spec file, text, replacement)])
CASES: dict[str, tuple[str, list[tuple[str, str, str]]]] = {
    "objective": ("`checkout/availability`'s objective is raised from 99.9% to 99.95%: its error budget "
                  "halves, so every alert fires at half the error ratio, and sooner.",
                  [("checkout.yaml", "objective: 99.9\n", "objective: 99.95\n")]),
    "period": ("`search/latency` moves from a 7-day to a 28-day period: the budget grows, the burn "
               "factors follow the 28-day catalog.",
               [("search.yaml", "period: 7d", "period: 28d")]),
    "alert-removed": ("`checkout/availability` stops paging (`page: false`): its two page alerts go.",
                      [("checkout.yaml", "        for: 2m\n", "        for: 2m\n        page: false\n")]),
    "alerts-lost": ("`search/latency` turns off its tickets too: the SLO keeps recording, nobody is told.",
                    [("search.yaml", "      alerting:\n        page: false\n",
                      "      alerting:\n        page: false\n        ticket: false\n")]),
    "slo-removed": ("`search/latency` is deleted.", [("search.yaml", SEARCH_LATENCY, "")]),
    "page-to-chat": ("The discovery team drops its PagerDuty key and opts in to `pages_without_pager`: "
                     "its pages in production now reach Slack alone.",
                     [("teams.yaml",
                       "  pagerduty: {routing_key_file: /etc/alertmanager/secrets/discovery-pagerduty/routing-key}\n",
                       "  pages_without_pager: true\n")]),
    "budget-halved": ("`search/availability` goes from 99.5% to 99.9%: a fifth of the budget it had.",
                      [("search.yaml", "objective: 99.5\n", "objective: 99.9\n")]),
    "receiver-field": ("The payments team's PagerDuty key moves to another secret, and its Slack channel "
                       "changes. The diff shows the paths of secret files, never their content.",
                       [("teams.yaml", "/etc/alertmanager/secrets/payments-pagerduty/routing-key",
                         "/etc/alertmanager/secrets/payments-pagerduty-2026/routing-key"),
                        ("teams.yaml", '"#payments-alerts"', '"#payments-oncall"')]),
}


def committed(root: Path) -> Path:
    """A copy of the examples with their output committed beside them."""
    shutil.copytree(EXAMPLES, root / "slos")
    write_tree(root, pipeline.run(root / "slos").files)
    return root


def edit(repo: Path, name: str, old: str, new: str) -> None:
    path = repo / "slos" / name
    text = path.read_text()
    assert old in text, (name, old)
    path.write_text(text.replace(old, new, 1))


@functools.cache
def output(name: str, root: Path) -> str:
    """What `obsgen diff slos --against .` prints for one change kind (exit 1: something changes)."""
    repo = committed(root / name)
    for file, old, new in CASES[name][1]:
        edit(repo, file, old, new)
    # in this process (the same command and output; eight processes fewer per group that asks):
    # tests/preview/test_semdiff.py runs the real `obsgen diff` for its exit codes and streams
    result = obsgen_cli("diff", "slos", "--against", ".", cwd=repo)
    assert (result.returncode, result.stderr) == (1, ""), result.stderr
    return result.stdout
