"""The GitHub workflows keep the properties a production deploy relies on.

Nothing here runs GitHub Actions: the YAML is parsed and each property checked, so an edit that
drops an approval gate, lets two updates of a stack overlap, silences the drift check or leaves
the Lambda's Python version out of the test matrix fails CI.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from packaging.specifiers import SpecifierSet

from trade_pipeline.config import newest_python_runtime

REPO = Path(__file__).resolve().parents[2]
WORKFLOWS = REPO / ".github" / "workflows"


def load(name: str) -> dict[str, Any]:
    document: dict[Any, Any] = yaml.safe_load((WORKFLOWS / name).read_text())
    # YAML 1.1 reads the key `on` as the boolean True.
    document["on"] = document.pop(True, document.get("on"))
    return document


def steps(job: dict[str, Any]) -> list[dict[str, Any]]:
    return list(job["steps"])


def uses(step: dict[str, Any], action: str) -> bool:
    return str(step.get("uses", "")).split("@")[0] == action


def pulumi_command(job: dict[str, Any], command: str) -> list[dict[str, Any]]:
    """Steps running ``pulumi <command>``: through pulumi/actions or a shell line."""
    by_action = [
        s
        for s in steps(job)
        if uses(s, "pulumi/actions") and s.get("with", {}).get("command") == command
    ]
    by_shell = [s for s in steps(job) if re.search(rf"(^|\s)pulumi {command}\b", s.get("run", ""))]
    return by_action + by_shell


def the_job(workflow: dict[str, Any], command: str) -> dict[str, Any]:
    (job,) = [j for j in workflow["jobs"].values() if pulumi_command(j, command)]
    return job


def python_minor(runtime: str) -> str:
    """``python3.14`` -> ``3.14``."""
    match = re.fullmatch(r"python(\d+\.\d+)", runtime)
    assert match, runtime
    return match[1]


def test_ci_matrix_has_the_lambda_runtime_python_and_the_oldest_supported() -> None:
    matrix = load("ci.yml")["jobs"]["test"]["strategy"]["matrix"]["python"]
    requires = SpecifierSet(
        tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["requires-python"]
    )
    oldest = min((v for v in matrix if v in requires), key=lambda v: tuple(map(int, v.split("."))))

    assert python_minor(newest_python_runtime()) in matrix
    assert all(v in requires for v in matrix)
    assert f">={oldest}" == str(requires)


def test_deploy_runs_up_on_main_through_an_approved_environment() -> None:
    workflow = load("deploy.yml")
    job = the_job(workflow, "up")

    assert "main" in workflow["on"]["push"]["branches"]
    assert job.get("environment"), "the deploy job must wait for the environment's reviewers"
    assert "matrix.stack" in str(job["environment"])


@pytest.mark.parametrize(("name", "command"), [("deploy.yml", "up"), ("drift.yml", "refresh")])
def test_one_never_cancelled_concurrency_group_per_stack(name: str, command: str) -> None:
    job = the_job(load(name), command)
    concurrency = job["concurrency"]

    assert "matrix.stack" in concurrency["group"]
    assert concurrency["cancel-in-progress"] is False
    # The up and the refresh of one stack share the group, so they never overlap.
    assert concurrency["group"] == the_job(load("deploy.yml"), "up")["concurrency"]["group"]


def test_deploy_enforces_the_built_policy_pack_and_assumes_a_role_by_oidc() -> None:
    workflow = load("deploy.yml")
    job = the_job(workflow, "up")
    (up,) = pulumi_command(job, "up")
    builds = [s for s in steps(job) if "make policy-pack" in str(s.get("run", ""))]
    (aws,) = [s for s in steps(job) if uses(s, "aws-actions/configure-aws-credentials")]

    assert up["with"]["policyPacks"] == "build/policy-pack"
    assert builds and steps(job).index(builds[0]) < steps(job).index(up)
    assert workflow["permissions"]["id-token"] == "write"
    assert "role-to-assume" in aws["with"]
    assert not {"aws-access-key-id", "aws-secret-access-key"} & set(aws["with"])


def test_drift_refreshes_then_expects_no_changes_and_fails_loudly() -> None:
    workflow = load("drift.yml")
    job = the_job(workflow, "refresh")
    (refresh,) = pulumi_command(job, "refresh")
    (preview,) = pulumi_command(job, "preview")
    on_failure = [s for s in steps(job) if s.get("if") == "failure()"]

    assert workflow["on"]["schedule"]
    assert steps(job).index(refresh) < steps(job).index(preview)
    assert "--expect-no-changes" in preview["run"]
    assert "continue-on-error" not in preview and "|| true" not in preview["run"]
    assert on_failure and "gh issue" in on_failure[0]["run"]
    assert workflow["permissions"]["issues"] == "write"


def test_caches_for_dependencies_and_plugins() -> None:
    for name, command in (("deploy.yml", "up"), ("drift.yml", "refresh")):
        job = the_job(load(name), command)
        (python,) = [s for s in steps(job) if uses(s, "actions/setup-python")]
        caches = [s["with"]["path"] for s in steps(job) if uses(s, "actions/cache")]
        assert python["with"]["cache"] == "pip", name
        assert "~/.pulumi/plugins" in caches, name


@pytest.mark.parametrize("name", sorted(p.name for p in WORKFLOWS.glob("*.yml")))
def test_actions_are_pinned_to_a_release_commit(name: str) -> None:
    lines = [
        line
        for line in (WORKFLOWS / name).read_text().splitlines()
        if "uses:" in line.split("#")[0]
    ]

    assert lines
    for line in lines:
        assert re.search(r"uses: [\w.-]+/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$", line), line


@pytest.mark.parametrize("name", sorted(p.name for p in WORKFLOWS.glob("*.yml")))
def test_pulumi_cli_is_the_version_file(name: str) -> None:
    # .pulumi.version is generated from the SDK pinned in requirements.txt (make regen)
    for job in load(name)["jobs"].values():
        for step in steps(job):
            if uses(step, "pulumi/actions"):
                assert step["with"].get("pulumi-version-file") == ".pulumi.version", name


def test_ci_runs_make_check_and_make_check_runs_lint_tests_and_every_preview() -> None:
    commands = [
        line.strip()
        for line in (REPO / ".ci" / "run").read_text().splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    assert commands[-1] == "make check"
    makefile = (REPO / "Makefile").read_text()
    recipe = makefile.split("\ncheck:", 1)[1].split("\n\n", 1)[0]
    assert "lint" in recipe and "previews" in recipe
    assert 'test PYTEST_ARGS="-p no:cacheprovider -n 2"' in recipe
    assert "STACKS := $(patsubst Pulumi.%.yaml,%,$(wildcard Pulumi.*.yaml))" in makefile
