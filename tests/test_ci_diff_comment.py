"""The CI example's pull-request comment (docs/ci/github-actions.yaml): its steps run as GitHub runs
them (bash -eo pipefail, `${{ }}` expanded) on a real clone whose origin has the base branch. The diff
step runs the real obsgen and git; GitHub's API is the one thing replaced, by a `gh` that answers
from a list of comments with the real jq and records what it is asked to write."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import yaml

from tests.conftest import ROOT
from tests.preview.diff_cases import CASES, committed, edit

WORKFLOW = ROOT / "docs" / "ci" / "github-actions.yaml"
MARKER = "<!-- obsgen-diff -->"
CONTEXT = {"github.base_ref": "main", "github.repository": "acme/slos", "github.token": "token",
           "github.event.pull_request.number": "7", "github.event_name": "pull_request"}

FAKE_GH = """#!{python}
import json, os, subprocess, sys
args = sys.argv[1:]
if "--method" not in args:  # GET: the comments, filtered by the workflow's own --jq with the real jq
    expr = args[args.index("--jq") + 1]
    sys.stdout.write(subprocess.run(["jq", "-r", expr], input=open(os.environ["FAKE_COMMENTS"]).read(),
                                    capture_output=True, text=True, check=True).stdout)
else:
    method, url = args[args.index("--method") + 1], args[args.index("--method") + 2]
    body = args[args.index("-F") + 1].removeprefix("body=@")
    with open(os.environ["GH_LOG"], "a") as log:
        log.write(json.dumps({{"method": method, "url": url, "body": open(body).read()}}) + "\\n")
"""


def steps() -> dict[str, dict]:
    workflow = yaml.safe_load(WORKFLOW.read_text())
    return {step["name"]: step for job in workflow["jobs"].values() for step in job["steps"] if "name" in step}


def expand(text: str) -> str:
    """`${{ expr }}` as GitHub expands it before the shell sees the script."""
    return re.sub(r"\$\{\{\s*([^}]+?)\s*\}\}", lambda m: CONTEXT[m.group(1)], text)


def run_step(step: dict, cwd: Path, env: dict) -> subprocess.CompletedProcess:
    step_env = {k: expand(str(v)) for k, v in (step.get("env") or {}).items()}
    return subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", expand(step["run"])],
                          cwd=cwd, capture_output=True, text=True, env={**os.environ, **env, **step_env})


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args], cwd=cwd,
                          check=True, capture_output=True, text=True).stdout


def pull_request(tmp_path: Path, change: str | None) -> Path:
    """A clone (as actions/checkout with fetch-depth 0 leaves it) of a repository whose main holds
    the examples, on a branch with one change kind of tests/preview/diff_cases.py (or none)."""
    origin = committed(tmp_path / "origin")
    git(origin, "init", "-q", "-b", "main")
    git(origin, "add", "-A")
    git(origin, "commit", "-qm", "base")
    git(tmp_path, "clone", "-q", str(origin), "work")
    work = tmp_path / "work"
    git(work, "checkout", "-qb", "change")
    for file, old, new in CASES[change][1] if change else ():
        edit(work, file, old, new)
    return work


def fake_gh(tmp_path: Path, comments: list[dict]) -> dict:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "gh").write_text(FAKE_GH.format(python=sys.executable))
    (bin_dir / "gh").chmod(0o755)
    (tmp_path / "comments.json").write_text(json.dumps(comments))
    return {"PATH": f"{bin_dir}:{Path(sys.executable).parent}:{os.environ['PATH']}",
            "FAKE_COMMENTS": str(tmp_path / "comments.json"), "GH_LOG": str(tmp_path / "gh.log")}


def posted(tmp_path: Path) -> list[dict]:
    log = tmp_path / "gh.log"
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def test_the_workflow_fetches_the_base_and_may_write_comments():
    workflow = yaml.safe_load(WORKFLOW.read_text())
    assert workflow["permissions"]["pull-requests"] == "write"
    checkout = next(s for job in workflow["jobs"].values() for s in job["steps"]
                    if str(s.get("uses", "")).startswith("actions/checkout"))
    assert checkout["with"]["fetch-depth"] == 0  # origin/<base> must be there for --against
    diff = steps()["What this change does"]
    assert diff["env"]["BASE_REF"] == "${{ github.base_ref }}"
    assert 'obsgen diff slos --against "origin/$BASE_REF"' in diff["run"]


def test_a_change_is_posted_as_one_new_comment(tmp_path):
    work = pull_request(tmp_path, "page-to-chat")
    env = fake_gh(tmp_path, [{"id": 1, "body": "LGTM"}])
    for name in ("What this change does", "Post or update the pull request comment"):
        ran = run_step(steps()[name], work, env)
        assert ran.returncode == 0, ran.stdout + ran.stderr
    [comment] = posted(tmp_path)
    assert (comment["method"], comment["url"]) == ("POST", "repos/acme/slos/issues/7/comments")
    assert comment["body"].startswith(MARKER + "\n### obsgen: ")
    assert "#### ⚠ Risky changes" in comment["body"]
    by_hand = subprocess.run([sys.executable, "-m", "obsgen", "diff", "slos", "--against", "origin/main"], cwd=work,
                             capture_output=True, text=True)
    assert comment["body"] == MARKER + "\n" + by_hand.stdout


def test_the_next_push_updates_that_comment(tmp_path):
    work = pull_request(tmp_path, "objective")
    env = fake_gh(tmp_path, [{"id": 1, "body": "LGTM"}, {"id": 42, "body": MARKER + "\n### obsgen: old"},
                             {"id": 43, "body": "quoting <!-- obsgen-diff --> later"}])
    for name in ("What this change does", "Post or update the pull request comment"):
        assert run_step(steps()[name], work, env).returncode == 0
    [comment] = posted(tmp_path)
    assert (comment["method"], comment["url"]) == ("PATCH", "repos/acme/slos/issues/comments/42")
    assert "| `checkout/availability` | objective | 99.9% | 99.95% |" in comment["body"]


def test_no_change_still_says_so_and_an_error_fails_the_step(tmp_path):
    work = pull_request(tmp_path, None)
    env = fake_gh(tmp_path, [])
    assert run_step(steps()["What this change does"], work, env).returncode == 0
    no_change = "### obsgen: no change\n\nThe generated output is identical.\n"
    assert (work / "obsgen-diff.md").read_text() == MARKER + "\n" + no_change
    (work / "slos" / "search.yaml").write_text("kind: Service\n")
    failed = run_step(steps()["What this change does"], work, env)
    assert failed.returncode != 0 and "error:" in failed.stderr
