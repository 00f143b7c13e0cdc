"""The repository as a GitOps citizen: ArgoCD (both ways), pre-commit hooks, the CI example, the
committed spec schema, and `make test` (what .ci/run runs) failing on stale output."""

import json
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import jsonschema
import pytest
import yaml

from tests.builders import obsgen_cli
from tests.conftest import EXAMPLES, ROOT, kustomize, object_key, run_obsgen

DOCS = ROOT / "docs"
BIN = Path(sys.executable).parent  # obsgen, as the sidecar image and the hooks install it


def load(path: Path) -> dict:
    return yaml.safe_load(path.read_text())


def by_key(objs):
    return {object_key(o): o for o in objs}


# --- ArgoCD, way 1: committed output --------------------------------------------------------


def test_application_points_at_a_committed_overlay(kubectl):
    app = load(DOCS / "argocd/application.yaml")
    assert (app["apiVersion"], app["kind"]) == ("argoproj.io/v1alpha1", "Application")
    path = ROOT / app["spec"]["source"]["path"]
    assert (path / "kustomization.yaml").is_file()
    objs = kustomize(kubectl, path)
    namespaced = [o for o in objs if not o["kind"].startswith("Cluster")]  # ClusterRole(Binding): none
    assert namespaced and {o["metadata"]["namespace"] for o in namespaced} == {app["spec"]["destination"]["namespace"]}
    assert "ServerSideApply=true" in app["spec"]["syncPolicy"]["syncOptions"]


# --- ArgoCD, way 2: the config management plugin --------------------------------------------


def plugin() -> dict:
    return load(DOCS / "argocd/plugin.yaml")


def run_plugin_command(step: dict, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    """As the CMP server runs it: the command and its args, in the source directory."""
    return subprocess.run([*step["command"], *step.get("args", [])], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", **env},
                          check=False)


def test_plugin_is_a_config_management_plugin():
    cmp = plugin()
    assert (cmp["apiVersion"], cmp["kind"]) == ("argoproj.io/v1alpha1", "ConfigManagementPlugin")
    assert {"init", "generate", "discover"} <= set(cmp["spec"])
    app = load(DOCS / "argocd/application-plugin.yaml")
    assert app["spec"]["source"]["plugin"]["name"] == cmp["metadata"]["name"]  # no spec.version: no suffix


def test_plugin_generate_prints_the_committed_objects(kubectl):
    def run(env):
        argocd_env = {"ARGOCD_ENV_OBSGEN_ENV": env} if env else {}
        return [run_plugin_command(plugin()["spec"][step], ROOT, argocd_env) for step in ("init", "generate")]

    envs = [None, "production"]
    with ThreadPoolExecutor() as pool:
        results = list(pool.map(run, envs))
    for env, (init, generate) in zip(envs, results, strict=True):
        assert init.returncode == 0, init.stderr
        assert generate.returncode == 0, generate.stderr
        expected = kustomize(kubectl, ROOT / "k8s" / (f"overlays/{env}" if env else ""))
        assert by_key(yaml.safe_load_all(generate.stdout)) == by_key(expected)


def test_plugin_fails_on_invalid_specs_with_located_errors(tmp_path):
    spec_dir = tmp_path / "slos"
    shutil.copytree(EXAMPLES, spec_dir)
    path = spec_dir / "checkout.yaml"
    path.write_text(path.read_text().replace("objective: 99.9\n", "objective: 100\n", 1))
    for step in ("init", "generate"):
        result = run_plugin_command(plugin()["spec"][step], tmp_path, {})
        assert result.returncode == 1 and result.stdout == ""
        assert "slos/checkout.yaml:" in result.stderr and "objective" in result.stderr


def test_plugin_discovers_spec_directories_only(tmp_path):
    discover = plugin()["spec"]["discover"]["find"]
    found = run_plugin_command(discover, ROOT, {})
    assert found.returncode == 0 and found.stdout.strip()
    (tmp_path / "app.yaml").write_text("apiVersion: v1\nkind: ConfigMap\n")
    assert run_plugin_command(discover, tmp_path, {}).stdout == ""


def test_sidecar_patch_applies_to_the_repo_server(tmp_path, kubectl):
    """The patch and the ConfigMap generator, applied by the real kustomize to a repo-server stub."""
    for name in ("repo-server-patch.yaml", "plugin.yaml"):
        shutil.copy(DOCS / "argocd" / name, tmp_path / name)
    stub = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "argocd-repo-server"},
            "spec": {"template": {"spec": {
                "containers": [{"name": "argocd-repo-server", "image": "quay.io/argoproj/argocd"}],
                "volumes": [{"name": "var-files", "emptyDir": {}}, {"name": "plugins", "emptyDir": {}}]}}}}
    (tmp_path / "install.yaml").write_text(yaml.safe_dump(stub))
    kustomization = load(DOCS / "argocd/kustomization.yaml")
    kustomization["resources"] = ["install.yaml"]  # instead of ArgoCD's install manifest
    (tmp_path / "kustomization.yaml").write_text(yaml.safe_dump(kustomization))
    objs = {o["kind"]: o for o in kustomize(kubectl, tmp_path)}
    assert yaml.safe_load(objs["ConfigMap"]["data"]["plugin.yaml"]) == plugin()
    pod = objs["Deployment"]["spec"]["template"]["spec"]
    sidecar = next(c for c in pod["containers"] if c["name"] == "obsgen")
    assert sidecar["command"] == ["/var/run/argocd/argocd-cmp-server"]
    assert sidecar["securityContext"]["runAsUser"] == 999
    mounts = {m["mountPath"]: m for m in sidecar["volumeMounts"]}
    assert mounts["/home/argocd/cmp-server/config/plugin.yaml"]["subPath"] == "plugin.yaml"
    assert {"/var/run/argocd", "/home/argocd/cmp-server/plugins", "/tmp"} <= set(mounts)
    volumes = {v["name"] for v in pod["volumes"]}
    assert {m["name"] for m in sidecar["volumeMounts"]} <= volumes
    assert {c["name"] for c in pod["containers"]} == {"argocd-repo-server", "obsgen"}  # merged, not replaced


# --- pre-commit ------------------------------------------------------------------------------


def test_pre_commit_hooks_manifest_is_valid_and_its_hooks_pass_here():
    from pre_commit.clientlib import load_manifest

    hooks = {hook["id"]: hook for hook in load_manifest(str(ROOT / ".pre-commit-hooks.yaml"))}
    assert set(hooks) == {"obsgen-validate", "obsgen-check"}
    for hook in hooks.values():
        assert hook["language"] == "python" and hook["pass_filenames"] is False
        entry = hook["entry"].split()
        assert entry[0] == "obsgen"
        result = obsgen_cli(*entry[1:], *hook["args"], cwd=ROOT)  # the hook's command, in this process
        assert result.returncode == 0, result.stdout + result.stderr


def test_pre_commit_manifest_checker_catches_a_broken_manifest(tmp_path):
    from pre_commit.clientlib import InvalidManifestError, load_manifest

    broken = tmp_path / ".pre-commit-hooks.yaml"
    broken.write_text("- id: obsgen-check\n  entry: obsgen check\n  language: python\n")  # no name
    with pytest.raises(InvalidManifestError):
        load_manifest(str(broken))


# --- CI ----------------------------------------------------------------------------------------


def workflow_runs() -> list[str]:
    workflow = load(DOCS / "ci/github-actions.yaml")
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true
    assert "pull_request" in triggers
    return [step["run"] for job in workflow["jobs"].values() for step in job["steps"] if "run" in step]


def test_ci_example_runs_validate_check_and_test():
    commands = [line.split("#")[0].split() for run in workflow_runs() for line in run.splitlines()]
    obsgen = [c[1:] for c in commands if c and c[0] == "obsgen"]
    assert [c[0] for c in obsgen] == ["validate", "check", "test"]
    for args in obsgen:
        if args[0] != "test":  # test needs promtool; tests/test_examples.py runs it
            result = obsgen_cli(*args, cwd=ROOT)  # the workflow's command, in this process
            assert result.returncode == 0, result.stdout + result.stderr


def test_make_test_checks_the_committed_output_first():
    """.ci/run runs `make test`; its `check` prerequisite fails on stale output before any test."""
    assert "make test" in (ROOT / ".ci/run").read_text()
    dry = subprocess.run(["make", "-n", "test"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    check = dry.index("obsgen check slos --out .")
    assert check < dry.index("pytest") and "obsgen schema | diff -u obsgen.schema.json -" in dry


# --- the spec schema, for editors ------------------------------------------------------------


def committed_schema() -> dict:
    return json.loads((ROOT / "obsgen.schema.json").read_text())


def test_committed_schema_is_what_obsgen_schema_prints():
    result = run_obsgen("schema")
    assert result.returncode == 0
    assert result.stdout == (ROOT / "obsgen.schema.json").read_text(), "run `make generate`"


def test_every_example_spec_points_its_editor_at_the_schema():
    for path in sorted(EXAMPLES.glob("*.yaml")):
        first = path.read_text().splitlines()[0]
        assert first.startswith("# yaml-language-server: $schema="), path
        assert (path.parent / first.split("=", 1)[1]).resolve() == ROOT / "obsgen.schema.json"


def test_every_example_document_validates_against_the_schema():
    schema = committed_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    docs = [d for p in sorted(EXAMPLES.glob("*.yaml")) for d in yaml.safe_load_all(p.read_text())]
    assert {d["kind"] for d in docs} == {"Service", "Team", "Platform"}
    for doc in docs:
        assert not list(validator.iter_errors(doc)), doc["metadata"]


@pytest.mark.parametrize(("where", "key", "value"), [
    (("spec", "slos", 0), "objectve", 99.9),
    (("spec", "slos", 0, "sli", "events"), "error_querry", "x"),
    (("metadata",), "tier", 4),
])
def test_the_schema_catches_what_an_editor_should_underline(where, key, value):
    doc = yaml.safe_load((EXAMPLES / "checkout.yaml").read_text())
    node = doc
    for step in where:
        node = node[step]
    node[key] = value
    assert list(jsonschema.Draft202012Validator(committed_schema()).iter_errors(doc))
