"""The names the docs give an operator are the ones the code makes: they cannot drift.

- every physical name the runbook spells with its shell variables (`$P-processor-$S`,
  `/trade-pipeline/$S/$P-processor-$S`, ARNs...) is, with those variables set, a name some
  resource of the dev plan carries (failover on, so the failover alarm exists);
- every `trade-pipeline <command> --option` in a shell block of the docs is a command and an
  option the CLI has; every `make <target>` a target of the Makefile;
- every `build/lambda/...` file the docs name is one `make package` writes;
- no user-facing file refers to the project's tracker ("issue 11"): users do not have it.
"""

from __future__ import annotations

import re
import shlex
import tokenize
from collections.abc import Iterator
from typing import Any

import click
import pytest
import typer

from tests.support.plans import build
from tests.support.repository import REPO, repository_files
from trade_pipeline import packaging
from trade_pipeline.cli import app
from trade_pipeline.preview import Plan
from trade_pipeline.preview_mocks import MOCK_ACCOUNT_ID

DOCS = [*sorted((REPO / "docs").glob("*.md")), REPO / "README.md"]
RUNBOOK = REPO / "docs" / "operations.md"
_SHELL_NAME = re.compile(r"[\w$/:.<>-]*\$P\b[\w$/:.<>-]*")


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


@pytest.fixture(scope="module")
def failover_plan(dev_stack_config: dict[str, Any], lambda_artifact: Any) -> Plan:
    # backup on too: the runbook's backup entries name the vault
    env = {"TRADE_PIPELINE_FAILOVER_ENABLED": "true", "TRADE_PIPELINE_BACKUP": "true"}
    return build(dev_stack_config, lambda_artifact, env)


def _runbook_names(plan: Plan) -> dict[str, str]:
    """Spelled name -> the name with the runbook's variables set to the plan's values."""
    cfg = plan.pipeline_config()
    values = {
        "$PRIMARY": cfg.primary_region,
        "$ACCOUNT": MOCK_ACCOUNT_ID,
        "$P": cfg.name_prefix,
        "$S": cfg.environment_suffix,
        "$R": cfg.primary_region,
    }
    names = {}
    for spelled in set(_SHELL_NAME.findall(RUNBOOK.read_text())):
        if "<" in spelled or "$1" in spelled:
            continue  # a placeholder, or the Q() helper's argument
        name = spelled.rstrip(".:")
        for variable, value in values.items():  # $PRIMARY before $P
            name = name.replace(variable, value)
        names[spelled] = name
    return names


def _parts_to_check(name: str) -> list[str]:
    """A name as a whole; an ARN by its resource parts (those the plan's inputs carry)."""
    if not name.startswith("arn:"):
        return [name]
    resource = name.split(":", 5)[5]
    return [part for part in re.split(r"[:/]", resource) if part]


def test_runbook_names_are_names_of_the_plan(failover_plan: Plan) -> None:
    carried = {s for r in failover_plan.resources for s in _strings(r.inputs)}
    names = _runbook_names(failover_plan)
    missing = {
        spelled: part
        for spelled, name in names.items()
        for part in _parts_to_check(name)
        if part not in carried and part not in {"archive", "event-bus", "rule"}
    }

    assert len(names) >= 10  # the runbook does spell its names this way
    assert not missing, f"docs/operations.md names resources the stack does not create: {missing}"


def test_the_runbook_reads_logs_from_the_groups_the_functions_log_to(failover_plan: Plan) -> None:
    names = set(_runbook_names(failover_plan).values())
    logged_to = {
        r.inputs["loggingConfig"]["logGroup"]
        for r in failover_plan.by_type("aws:lambda/function:Function")
        if r.region == failover_plan.pipeline_config().primary_region
    }

    assert logged_to <= names
    assert not any(n.startswith("/aws/lambda/") for n in names)


def _shell_lines(text: str) -> Iterator[str]:
    for block in re.findall(r"^```(?:sh|bash|console)\n(.*?)^```", text, re.M | re.S):
        joined = re.sub(r"\\\n\s*", " ", block)
        for line in joined.splitlines():
            yield line.split(" # ")[0].strip()


def _cli_calls() -> Iterator[tuple[str, list[str]]]:
    for doc in DOCS:
        for line in _shell_lines(doc.read_text()):
            if line.startswith("trade-pipeline "):
                yield doc.name, shlex.split(line.replace("$(", "").replace(")", ""))[1:]


def _make_calls() -> Iterator[tuple[str, str]]:
    for doc in DOCS:
        text = doc.read_text()
        for target in re.findall(r"`make ([a-z][a-z-]*)", text):
            yield doc.name, target
        for line in _shell_lines(text):
            for target in re.findall(r"(?:^|&& )make ([a-z][a-z-]*)", line):
                yield doc.name, target


def test_every_documented_command_and_option_exists() -> None:
    group = typer.main.get_command(app)
    assert isinstance(group, click.Group | typer.core.TyperGroup)
    calls = list(_cli_calls())
    problems = []
    for doc, argv in calls:
        command = group.commands.get(argv[0])
        if command is None:
            problems.append(f"{doc}: trade-pipeline {argv[0]}: no such command")
            continue
        options = {opt for param in command.params for opt in param.opts + param.secondary_opts}
        problems += [
            f"{doc}: trade-pipeline {argv[0]} {arg}: no such option"
            for arg in argv[1:]
            if arg.startswith("--") and arg.split("=")[0] not in options
        ]

    assert len(calls) >= 5
    assert not problems


def test_every_documented_make_target_exists() -> None:
    makefile = (REPO / "Makefile").read_text()
    targets = set(re.findall(r"^([a-z][a-z-]*):", makefile, re.M))
    calls = list(_make_calls())

    assert {"preview", "test"} <= {target for _, target in calls}
    assert not [f"{doc}: make {target}" for doc, target in calls if target not in targets]


def test_artifact_files_named_in_the_docs_are_the_ones_make_package_writes() -> None:
    written = {
        path.name
        for arch in packaging.ARCHITECTURES
        for path in packaging.artifact_paths(runtime="python3.14", architecture=arch)
    }
    named = {
        (doc.name, name)
        for doc in DOCS
        for name in re.findall(r"build/lambda/([\w.<>-]+)", doc.read_text())
    }
    resolved = {
        (doc, re.sub(r"<arch(?:itecture)?>", "arm64", name.replace("<runtime>", "python3.14")))
        for doc, name in named
    }

    assert resolved
    assert not {(doc, name) for doc, name in resolved if name not in written}


# User-facing: what a user reads (docs, stack files, the policy pack) and what the code prints
# (CLI help, rule descriptions and remedies, errors, docstrings: the string literals of src/).
# Another project's tracker, named with it ("cdk-nag issue 676"), is a source, not a leak.
_TRACKER = re.compile(
    r"(?<!cdk-nag )(?<!aws-cdk )(?<!, fixed by )\b(?:issues?|ticket|PR) ?#?\d+\b|\B#\d{2,}\b",
    re.I,
)
_READ = re.compile(r"^(README\.md|docs/.*\.md|Pulumi.*\.yaml|policy/.*\.(?:py|yaml|md))$")


def _string_lines(path: str) -> Iterator[tuple[int, str]]:
    """(line, text) of the string literals of a Python file (comments are for developers)."""
    with (REPO / path).open() as source:
        for token in tokenize.generate_tokens(source.readline):
            if token.type == tokenize.STRING or token.type == getattr(
                tokenize, "FSTRING_MIDDLE", -1
            ):
                for offset, line in enumerate(token.string.splitlines()):
                    yield token.start[0] + offset, line


def _user_facing_lines() -> Iterator[tuple[str, int, str]]:
    for path in repository_files():
        if _READ.match(path):
            for number, line in enumerate((REPO / path).read_text().splitlines(), 1):
                yield path, number, line
        elif path.startswith("src/") and path.endswith(".py"):
            for number, line in _string_lines(path):
                yield path, number, line


def test_no_user_facing_file_refers_to_the_tracker() -> None:
    found = [
        f"{path}:{number}: {line.strip()}"
        for path, number, line in _user_facing_lines()
        if _TRACKER.search(line)
    ]

    assert not found, "tracker references in user-facing files:\n" + "\n".join(found)


def test_the_tracker_pattern_catches_what_it_is_for() -> None:
    for text in ("(issue 11, docs/cost.md)", "Issue 13", "issue #22", "see #123"):
        assert _TRACKER.search(text), text
    assert not _TRACKER.search("issue: a missing key; ISO 4217; `#` comments; cdk-nag issue 676")


def test_the_config_reference_speaks_no_python_type() -> None:
    from trade_pipeline.commands.config_reference import config_reference_markdown

    text = config_reference_markdown()
    assert not re.findall(r"Annotated|NoneType|tuple\[|Optional|Union", text)
