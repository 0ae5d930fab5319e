"""The GitHub workflows keep the properties a production deploy relies on.

Nothing here runs GitHub Actions: the YAML is parsed and each property checked, so an edit that
drops an approval gate, lets two updates of a stack overlap, silences the drift check or leaves
the Lambda's Python version out of the test matrix fails CI.
"""

from __future__ import annotations

import os
import re
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from packaging.specifiers import SpecifierSet

from trade_pipeline.config.types import newest_python_runtime

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
    (preview,) = pulumi_command(job, "preview")
    (build,) = [s for s in steps(job) if "make policy-pack" in str(s.get("run", ""))]
    (aws,) = [s for s in steps(job) if uses(s, "aws-actions/configure-aws-credentials")]

    # built outside the repository's ignored build/ (publishing and --policy-pack read it)
    assert 'POLICY_PACK_DIR="$RUNNER_TEMP/policy-pack"' in build["run"]
    assert up["with"]["policyPacks"] == "${{ runner.temp }}/policy-pack"
    assert '--policy-pack "$RUNNER_TEMP/policy-pack"' in preview["run"]
    order = [steps(job).index(s) for s in (build, aws, preview, up)]
    assert order == sorted(order)
    assert workflow["permissions"]["id-token"] == "write"
    assert "role-to-assume" in aws["with"]
    assert not {"aws-access-key-id", "aws-secret-access-key"} & set(aws["with"])


def test_deploy_previews_before_up_because_the_action_skips_the_preview() -> None:
    # pulumi/actions runs the Automation API's `up --yes --skip-preview`: only a preview of its
    # own refuses a protected delete before anything is applied.
    job = the_job(load("deploy.yml"), "up")
    (preview,) = pulumi_command(job, "preview")

    assert "--expect-no-changes" not in preview["run"] and "|| true" not in preview["run"]
    assert "continue-on-error" not in preview


def _settings_step(job: dict[str, Any]) -> dict[str, Any]:
    first = steps(job)[0]
    assert first.get("id") == "settings", "the settings are checked in the job's first step"
    return first


@pytest.mark.parametrize(
    ("name", "command", "variable"),
    [("deploy.yml", "up", "AWS_DEPLOY_ROLE_ARN"), ("drift.yml", "refresh", "AWS_DRIFT_ROLE_ARN")],
)
def test_settings_are_checked_where_the_environment_is_visible(
    name: str, command: str, variable: str
) -> None:
    # A job-level `if:` is evaluated before the job enters its environment: it cannot see the
    # environment's variables, so the check is the job's first step, every other step after it.
    job = the_job(load(name), command)

    assert job.get("environment")
    assert "vars." not in str(job.get("if", "")) and "secrets." not in str(job.get("if", ""))
    assert job["env"][variable] == f"${{{{ vars.{variable} }}}}"
    assert job["env"]["PULUMI_ACCESS_TOKEN"] == "${{ secrets.PULUMI_ACCESS_TOKEN }}"
    _settings_step(job)
    for step in steps(job)[1:]:
        condition = str(step.get("if", ""))
        assert "steps.settings.outputs.ready == 'true'" in condition or condition.startswith(
            "failure()"
        ), step.get("name", step.get("uses", step.get("run")))


def _run_script(
    script: str, env: dict[str, str], tmp_path: Path, fake_pulumi_exit: int | None = None
) -> tuple[int, dict[str, str], str]:
    """Run a workflow step's script as GitHub does (bash -e -o pipefail); its outputs."""
    output = tmp_path / "github-output"
    output.write_text("")
    path = os.environ["PATH"]
    if fake_pulumi_exit is not None:
        bin_dir = tmp_path / "bin"
        bin_dir.mkdir(exist_ok=True)
        fake = bin_dir / "pulumi"
        fake.write_text(f'#!/bin/sh\necho "pulumi $*"\nexit {fake_pulumi_exit}\n')
        fake.chmod(0o755)
        path = f"{bin_dir}{os.pathsep}{path}"
    result = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
        env={"PATH": path, "GITHUB_OUTPUT": str(output), "STACK": "prod", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    outputs = dict(line.split("=", 1) for line in output.read_text().splitlines() if line)
    return result.returncode, outputs, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("name", "command", "variable"),
    [("deploy.yml", "up", "AWS_DEPLOY_ROLE_ARN"), ("drift.yml", "refresh", "AWS_DRIFT_ROLE_ARN")],
)
@pytest.mark.parametrize(
    ("role", "token", "code", "ready"),
    [
        ("", "", 0, "false"),
        ("arn:aws:iam::1:role/r", "", 1, None),
        ("", "t", 1, None),
        ("arn:aws:iam::1:role/r", "t", 0, "true"),
    ],
)
def test_the_settings_check_skips_unconfigured_and_fails_half_configured(
    name: str,
    command: str,
    variable: str,
    role: str,
    token: str,
    code: int,
    ready: str | None,
    tmp_path: Path,
) -> None:
    script = _settings_step(the_job(load(name), command))["run"]

    returned, outputs, said = _run_script(
        script, {variable: role, "PULUMI_ACCESS_TOKEN": token}, tmp_path
    )

    assert returned == code, said
    assert outputs.get("ready") == ready
    if code:
        assert "::error::" in said and "one is missing" in said


def test_drift_refreshes_then_expects_no_changes_and_fails_loudly() -> None:
    workflow = load("drift.yml")
    job = the_job(workflow, "refresh")
    (refresh,) = pulumi_command(job, "refresh")
    (preview,) = pulumi_command(job, "preview")

    assert workflow["on"]["schedule"]
    assert steps(job).index(refresh) < steps(job).index(preview)
    assert "--expect-no-changes" in preview["run"]
    assert "continue-on-error" not in preview and "|| true" not in preview["run"]
    assert workflow["permissions"]["issues"] == "write"


@pytest.mark.parametrize(
    ("exit_code", "drift"), [(0, None), (7, "true"), (1, None), (2, None), (255, None)]
)
def test_only_exit_code_7_of_the_preview_is_drift(
    exit_code: int, drift: str | None, tmp_path: Path
) -> None:
    # `pulumi preview --expect-no-changes` exits 7 (ExitNoChanges) when changes were proposed;
    # 1 (an error), 2 (bad flags or config), 255... are a broken run, not drift.
    job = the_job(load("drift.yml"), "refresh")
    (preview,) = pulumi_command(job, "preview")

    returned, outputs, said = _run_script(preview["run"], {}, tmp_path, exit_code)

    assert returned == exit_code  # the step fails exactly when the preview did
    assert outputs.get("drift") == drift
    assert outputs["exit-code"] == str(exit_code)
    assert "pulumi preview --stack prod --expect-no-changes" in said


def test_only_drift_files_the_drift_issue() -> None:
    job = the_job(load("drift.yml"), "refresh")
    (preview,) = pulumi_command(job, "preview")
    issue = [s for s in steps(job) if "gh issue" in str(s.get("run", ""))]
    broken = [s for s in steps(job) if "not drift" in str(s.get("run", ""))]

    assert len(issue) == 1 and len(broken) == 1
    assert issue[0]["if"] == f"failure() && steps.{preview['id']}.outputs.drift == 'true'"
    assert broken[0]["if"] == f"failure() && steps.{preview['id']}.outputs.drift != 'true'"


def test_drift_runs_in_an_environment_without_the_deploy_gate() -> None:
    # The deploy environment has required reviewers: a scheduled job there would wait daily.
    drift = the_job(load("drift.yml"), "refresh")["environment"]
    deploy = the_job(load("deploy.yml"), "up")["environment"]

    assert "matrix.stack" in drift and drift != deploy


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
