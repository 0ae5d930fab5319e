"""A deployed stack's outputs: from ``pulumi stack output --json`` or Pulumi's Automation API.

The model mirrors what the program exports (``trade_pipeline.stack``): ``tableName``,
``regions``, ``replicaArns``, ``regional`` (per region: ``eventBusArn``, ``ruleArn``,
``functionArn``, ``queueUrls`` by queue kind, ``alarmTopicArn``), ``lambdaArtifactSha256``, and
the optional ``globalEndpoint`` (``id``: the endpoint id ``PutEvents`` takes, ``name``, ``arn``,
``url``, ``regions``, ``healthCheckId``) and
``producerPolicyArn``, and ``consistencyMode`` (``eventual`` or ``strong``; eventual when
absent: stacks deployed before it was exported are eventual), and ``backupRegions`` (with
``backup`` on: the primary region and the copy region; absent means backup is off, as for
stacks deployed before it was exported).
A file that does not fit is refused with one line naming the key.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from trade_pipeline.config.consistency import ConsistencyMode
from trade_pipeline.errors import UserError
from trade_producer import jsonio
from trade_producer.endpoint import check_endpoint_id

__all__ = [
    "GlobalEndpoint",
    "OutputsError",
    "RegionalOutputs",
    "StackOutputs",
    "Workspace",
    "cli_message",
    "load_outputs",
    "outputs_from_file",
    "outputs_from_stack",
]


class OutputsError(UserError):
    """The outputs cannot be read or do not fit the program's shape, or an operator command's
    option does not fit them (one line)."""


class _Model(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="ignore", frozen=True)


class QueueUrls(_Model):
    delivery_dlq: str = Field(alias="delivery-dlq")
    processing_failures: str = Field(alias="processing-failures")
    rejected_events: str = Field(alias="rejected-events")

    def by_kind(self, kind: str) -> str:
        """The URL of the queue named by its kind (``delivery-dlq``, ...)."""
        return {
            "delivery-dlq": self.delivery_dlq,
            "processing-failures": self.processing_failures,
            "rejected-events": self.rejected_events,
        }[kind]


class RegionalOutputs(_Model):
    event_bus_arn: str = Field(alias="eventBusArn")
    rule_arn: str = Field(alias="ruleArn")
    function_arn: str = Field(alias="functionArn")
    queue_urls: QueueUrls = Field(alias="queueUrls")
    alarm_topic_arn: str = Field(alias="alarmTopicArn")

    @property
    def bus_name(self) -> str:
        """``arn:aws:events:r:a:event-bus/NAME`` -> ``NAME``."""
        return self.event_bus_arn.rsplit("/", 1)[-1]

    @property
    def rule_name(self) -> str:
        """``arn:aws:events:r:a:rule/BUS/NAME`` -> ``NAME``."""
        return self.rule_arn.rsplit("/", 1)[-1]


class GlobalEndpoint(_Model):
    id: str  # PutEvents' EndpointId, the URL's subdomain (abcde.veo); checked on reading
    name: str  # what DescribeEndpoint takes
    arn: str
    url: str
    regions: list[str]
    health_check_id: str | None = Field(alias="healthCheckId", default=None)

    @field_validator("id")
    @classmethod
    def _an_endpoint_id(cls, value: str) -> str:
        return check_endpoint_id(value)


class StackOutputs(_Model):
    table_name: str = Field(alias="tableName")
    regions: list[str]
    replica_arns: dict[str, str] = Field(alias="replicaArns", default_factory=dict)
    regional: dict[str, RegionalOutputs]
    lambda_artifact_sha256: str | None = Field(alias="lambdaArtifactSha256", default=None)
    global_endpoint: GlobalEndpoint | None = Field(alias="globalEndpoint", default=None)
    producer_policy_arn: str | None = Field(alias="producerPolicyArn", default=None)
    consistency_mode: ConsistencyMode = Field(
        alias="consistencyMode", default=ConsistencyMode.EVENTUAL
    )
    backup_regions: list[str] = Field(alias="backupRegions", default_factory=list)

    @property
    def primary_region(self) -> str:
        return self.regions[0]

    def region(self, name: str) -> RegionalOutputs:
        """One region's outputs; an unknown region is a user error naming the known ones."""
        if name not in self.regional:
            raise OutputsError(
                f"--region {name}: not a region of this stack ({', '.join(self.regions)})"
            )
        return self.regional[name]

    def selected_regions(self, name: str | None) -> list[str]:
        """``[name]`` (a region of the stack, else :class:`OutputsError`), or every region."""
        if name is None:
            return list(self.regions)
        self.region(name)
        return [name]


def _parse(document: Any, origin: str) -> StackOutputs:
    try:
        outputs = StackOutputs.model_validate(document)
    except ValidationError as invalid:
        error = invalid.errors()[0]
        where = ".".join(str(part) for part in error["loc"]) or "(top level)"
        reason = error.get("ctx", {}).get("error") or error["msg"]  # a validator's own words
        raise OutputsError(f"{origin}: {where}: {reason}") from None
    missing = [region for region in outputs.regions if region not in outputs.regional]
    if missing or not outputs.regions:
        raise OutputsError(f"{origin}: regional: no outputs for region(s) {missing or '(none)'}")
    strangers = [region for region in outputs.backup_regions if region not in outputs.regions]
    if strangers:
        raise OutputsError(
            f"{origin}: backupRegions: {', '.join(strangers)} not a region of the stack "
            f"({', '.join(outputs.regions)})"
        )
    return outputs


def outputs_from_file(path: Path) -> StackOutputs:
    """Outputs from the JSON that ``pulumi stack output --json`` prints."""
    try:
        document = jsonio.loads(path.read_text())
    except OSError as error:
        raise OutputsError(f"--outputs {path}: {error.strerror or error}") from None
    except json.JSONDecodeError as error:
        raise OutputsError(
            f"--outputs {path}: not JSON ({error.msg}, line {error.lineno})"
        ) from None
    return _parse(document, f"--outputs {path}")


class Workspace(Protocol):
    """What :func:`outputs_from_stack` needs of Pulumi's ``LocalWorkspace``."""

    def stack_outputs(self, stack_name: str) -> Mapping[str, Any]: ...


def _local_workspace(project_dir: Path) -> Workspace:
    """Pulumi's ``LocalWorkspace`` on the project folder (it runs ``pulumi version`` first)."""
    from pulumi import automation

    return automation.LocalWorkspace(work_dir=str(project_dir))


def cli_message(error: Exception) -> str:
    """The Pulumi CLI's own first line of an Automation API error.

    A ``CommandError`` keeps only the text of the command's result (``code: 255``, then
    ``stdout:``, then ``stderr:``; ``CommandResult.__str__``, pulumi/automation/_cmd.py): the
    first line of its stderr is what the CLI said, e.g. ``no stack named 'nope' found``.
    """
    text = str(error)
    sections = re.split(r"^\s*(code|stdout|stderr):", text, flags=re.M)
    if len(sections) > 1:  # ["", "code", " 255...", "stdout", "...", "stderr", "..."]
        said = dict(zip(sections[1::2], sections[2::2], strict=True))
        for part in ("stderr", "stdout"):
            lines = [line.strip() for line in said.get(part, "").splitlines() if line.strip()]
            if lines:
                return lines[0].removeprefix("error: ")
        return type(error).__name__
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[0] if lines else type(error).__name__


def _cli_errors() -> tuple[type[Exception], ...]:
    """What the Automation API raises when the CLI, not our code, failed: anything else is a
    bug and must surface as one."""
    from pulumi import automation

    return (
        automation.CommandError,  # the CLI refused (StackNotFoundError is one)
        automation.InvalidVersionError,  # a CLI older than the SDK needs
        subprocess.CalledProcessError,  # `pulumi version` itself failed
        OSError,  # no Pulumi.yaml in --project-dir, or the folder does not exist
    )


def outputs_from_stack(
    stack: str, project_dir: Path, workspace: Workspace | None = None
) -> StackOutputs:
    """Outputs of a deployed stack through Pulumi's Automation API (needs the Pulumi CLI).

    ``LocalWorkspace.stack_outputs(name)`` runs ``pulumi stack output --json --stack <name>``
    (twice: masked and with ``--show-secrets``; pulumi/automation/_local_workspace.py), which
    reads the outputs without selecting the stack. ``automation.select_stack`` would run
    ``pulumi stack select``: afterwards a bare ``pulumi up`` would target that stack.
    """
    if workspace is None:
        if shutil.which("pulumi") is None:
            raise OutputsError(
                f"--stack {stack}: the Pulumi CLI is not installed (no `pulumi` on PATH); "
                "install it, or pass --outputs FILE written by `pulumi stack output --json`"
            )
        try:
            workspace = _local_workspace(project_dir)
        except _cli_errors() as error:  # `pulumi version` failing, too old...
            raise OutputsError(f"--stack {stack}: {cli_message(error)}") from None
    try:
        outputs = workspace.stack_outputs(stack)
        values = {name: getattr(output, "value", output) for name, output in outputs.items()}
    except _cli_errors() as error:  # the CLI refused: no such stack, not logged in...
        raise OutputsError(f"--stack {stack}: {cli_message(error)}") from None
    return _parse(values, f"--stack {stack}")


def load_outputs(outputs: Path | None, stack: str | None, project_dir: Path) -> StackOutputs:
    """Exactly one of ``--outputs`` and ``--stack``."""
    if (outputs is None) == (stack is None):
        raise OutputsError("pass exactly one of --outputs FILE and --stack NAME")
    if outputs is not None:
        return outputs_from_file(outputs)
    assert stack is not None
    return outputs_from_stack(stack, project_dir)
