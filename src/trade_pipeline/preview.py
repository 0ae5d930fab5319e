"""Offline preview: the real program and the real pulumi-aws SDK under Pulumi's mock engine.

No Pulumi CLI and no AWS account are involved. The stack's config file and the environment
overrides are fed to the program exactly as the CLI would (as ``trade-pipeline:*`` config
strings), so the same validation runs. The mocks (:mod:`trade_pipeline.preview_mocks`) answer
like AWS would: every resource gets the ARNs, URLs and ids of its own region (taken from the
provider it was registered with), and the data sources answer with a fixed account. The
result is a :class:`Plan`: every resource with its type, logical name, region, provider,
inputs, parent and dependencies, in the order the program declares them (the engine registers
them from worker threads, in an order that changes from run to run: the plan does not inherit
it, so two previews of one program are identical).

Example
-------
>>> from trade_pipeline import resource_types as rt
>>> plan = run_preview(load_stack_config("dev"), stack="dev", environ={})
>>> sorted({resource.region for resource in plan.by_type(rt.FUNCTION)})
['eu-west-1', 'us-east-1', 'us-west-2']
"""

from __future__ import annotations

import difflib
import json
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import pulumi.runtime.settings
import yaml
from pulumi.runtime.mocks import MockMonitor

from trade_pipeline.components.pipeline import LambdaArtifactLike
from trade_pipeline.config.errors import CONFIG_NAMESPACE, ConfigError
from trade_pipeline.config.model import PipelineConfig
from trade_pipeline.errors import UserError
from trade_pipeline.placeholders import placeholder_notes
from trade_pipeline.preview_mocks import PROVIDER_TYPE, AwsMocks
from trade_pipeline.secrets import (
    SECRET_CAPABLE,
    mask_config,
    mask_rpc_secrets,
    offline_stand_ins,
    stand_in_keys,
)

__all__ = [
    "Plan",
    "PlannedResource",
    "in_declaration_order",
    "load_stack_config",
    "preview_stack",
    "run_preview",
]

PROJECT = CONFIG_NAMESPACE


@dataclass
class PlannedResource:
    """One registered resource, as the engine would see it."""

    type: str
    name: str
    urn: str
    id: str | None
    custom: bool
    region: str | None  # None: no provider (components) or a default provider (a bug)
    provider: str  # "<provider urn>::<id>", "" for a default provider
    parent: str
    dependencies: list[str]
    inputs: dict[str, Any]  # secrets masked (trade_pipeline.secrets.MASK)
    outputs: dict[str, Any]
    # Resource options that decide what `pulumi destroy` may do (docs/production.md):
    protect: bool = False
    retain_on_delete: bool = False

    @property
    def is_aws(self) -> bool:
        return self.custom and self.type.startswith("aws:")

    @property
    def uses_default_provider(self) -> bool:
        return self.custom and not self.type.startswith("pulumi:providers:") and not self.provider


@dataclass
class Plan:
    """What the program registered, in the order the program declares it (see
    :func:`in_declaration_order`); a reader still selects by type, name or input, never by
    position."""

    stack: str
    config: dict[str, Any]
    resources: list[PlannedResource] = field(default_factory=list)
    stack_outputs: dict[str, Any] = field(default_factory=dict)
    # One line per value an environment variable changed (the preview's banner).
    overrides: list[str] = field(default_factory=list)
    # Config keys Pulumi holds as secrets: their values in ``config`` are masked.
    secret_keys: list[str] = field(default_factory=list)
    # What the offline preview could not know: secrets it used stand-ins for, placeholders.
    notes: list[str] = field(default_factory=list)

    def by_type(self, type_: str) -> list[PlannedResource]:
        return [r for r in self.resources if r.type == type_]

    def aws_resources(self) -> list[PlannedResource]:
        return [r for r in self.resources if r.is_aws]

    def in_region(self, region: str) -> list[PlannedResource]:
        return [r for r in self.aws_resources() if r.region == region]

    def by_urn(self) -> dict[str, PlannedResource]:
        return {r.urn: r for r in self.resources}

    def to_json(self) -> str:
        return json.dumps(_jsonable(asdict(self)), indent=2, sort_keys=False)

    def pipeline_config(self) -> PipelineConfig:
        """The validated config the plan was built from, secret keys at their defaults (their
        values are masked in ``config``)."""
        hidden = {key.removeprefix(f"{CONFIG_NAMESPACE}:") for key in self.secret_keys}
        return PipelineConfig.model_validate(
            {k: v for k, v in self.config.items() if k not in hidden}
        )


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)  # the engine turns every number into a float
    if isinstance(value, pulumi.FileArchive):
        return {"fileArchive": value.path}
    if isinstance(value, pulumi.asset.Archive | pulumi.asset.Asset):
        return {"asset": type(value).__name__}
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return repr(value)


# --------------------------------------------------------------------------- recording --
class _RecordingMonitor(MockMonitor):
    """Keeps what the mock engine drops: URNs, parents, dependencies."""

    def __init__(self, mocks: AwsMocks, plan: Plan) -> None:
        super().__init__(mocks)
        self._aws = mocks
        self._plan = plan

    def RegisterResource(self, request: Any) -> Any:
        response = super().RegisterResource(request)  # type: ignore[no-untyped-call]
        if request.type == "pulumi:pulumi:Stack":
            return response
        args, id_, state = self._aws.pending.pop((request.type, request.name))
        self._plan.resources.append(
            PlannedResource(
                type=request.type,
                name=request.name,
                urn=response.urn,
                id=id_,
                custom=bool(request.custom),
                region=(
                    str(args.inputs.get("region"))
                    if request.type == PROVIDER_TYPE
                    else self._aws.region_of(request.provider)
                ),
                provider=request.provider,
                parent=request.parent,
                dependencies=sorted(set(request.dependencies)),
                inputs=mask_rpc_secrets(args.inputs),
                outputs=mask_rpc_secrets(state),
                # the SDK has already applied the parent's protect (resource.py); both options
                # are optional fields of RegisterResourceRequest: unset means false
                protect=bool(request.protect),
                retain_on_delete=bool(request.retainOnDelete),
            )
        )
        return response


# ---------------------------------------------------------------------------- running --
class _DeclarationOrder:
    """Numbers each resource as its constructor runs, on the program's own thread.

    The mock engine completes registrations from a thread pool, so the order they reach the
    monitor varies between runs; the order of constructor calls does not. A stack
    transformation sees every constructor call (providers and components included) and
    changes nothing (it returns ``None``).
    """

    def __init__(self) -> None:
        self.index: dict[tuple[str, str], int] = {}

    def record(self, args: pulumi.ResourceTransformationArgs) -> None:
        self.index.setdefault((args.type_, args.name), len(self.index))


def in_declaration_order(
    resources: list[PlannedResource], index: Mapping[tuple[str, str], int]
) -> list[PlannedResource]:
    """``resources`` sorted by declaration (the engine's ``(type, name)`` is unique)."""
    return sorted(resources, key=lambda r: index[(r.type, r.name)])


def load_stack_config(stack: str, project_dir: Path | None = None) -> dict[str, Any]:
    """All config of ``Pulumi.<stack>.yaml`` (namespaced keys, values as written)."""
    path = (project_dir or Path.cwd()) / f"Pulumi.{stack}.yaml"
    if not path.is_file():
        raise UserError(_no_stack_file_line(path, stack))
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as exc:
        raise ConfigError([_yaml_error_line(path, exc)]) from None
    if not isinstance(data, dict):
        raise ConfigError(
            [
                f"config error: {path.name}: the file is a YAML {_yaml_kind(data)}; a stack "
                "file is a mapping whose 'config:' key holds trade-pipeline:<key>: <value> entries"
            ]
        )
    config = data.get("config")
    if not isinstance(config or {}, dict):
        raise ConfigError(
            [
                f"config error: {path.name}: 'config' is a YAML {_yaml_kind(config)}; it must "
                "be a mapping of keys (trade-pipeline:<key>: <value>)"
            ]
        )
    return config or {}


def _yaml_kind(value: Any) -> str:
    return "list" if isinstance(value, list) else f"{type(value).__name__} value"


def _no_stack_file_line(path: Path, stack: str) -> str:
    """The missing file, the stacks that do exist there, the closest one."""
    stacks = sorted(
        p.name[len("Pulumi.") : -len(".yaml")] for p in path.parent.glob("Pulumi.*.yaml")
    )
    close = difflib.get_close_matches(stack, stacks, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    here = f"stacks here: {', '.join(stacks)}" if stacks else "no Pulumi.<stack>.yaml here"
    where = f"{path.name} in {path.parent.resolve()}"
    return f"no stack config file {where} (stack {stack!r}; {here}{hint})"


def _yaml_error_line(path: Path, exc: yaml.YAMLError) -> str:
    """One line: the file, where (line, column, 1-based) and what YAML found wrong there."""
    mark = getattr(exc, "problem_mark", None)
    where = f" line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    return f"config error: {path.name}:{where}: not valid YAML: {problem}"


def _as_engine_string(value: Any) -> str:
    # What the CLI hands a program: strings, with lists/maps as JSON; an empty key is "".
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return json.dumps(value)
    return str(value)


def run_preview(
    stack_config: Mapping[str, Any],
    *,
    stack: str = "dev",
    environ: Mapping[str, str] | None = None,
    artifact: LambdaArtifactLike | None = None,
    program: Callable[[PipelineConfig], object] | None = None,
    secret_keys: Sequence[str] = (),
) -> Plan:
    """Run the program under the mock engine and return what it registered.

    ``program`` defaults to :func:`trade_pipeline.stack.build_stack` (with ``artifact``); tests
    pass a variant to show that a reintroduced mistake is caught. ``secret_keys`` are the keys
    Pulumi holds as secrets, as the CLI passes them (decrypted values in ``stack_config``);
    ``secure:`` values of a stack file get stand-ins (:func:`~trade_pipeline.secrets.
    offline_stand_ins`). Raises :class:`~trade_pipeline.config.errors.ConfigError` before
    anything is registered when the config is invalid.
    """
    from trade_pipeline.stack import build_stack, config_from_pulumi

    stack_config, encrypted = offline_stand_ins(stack_config)
    secret_keys = sorted({*secret_keys, *encrypted})

    plan = Plan(stack=stack, config={})
    mocks = AwsMocks()
    pulumi.runtime.settings.ROOT.set(None)  # a fresh root stack for every run
    pulumi.runtime.set_mocks(
        mocks,
        project=PROJECT,
        stack=stack,
        preview=False,  # so .apply callbacks (policy documents, checks) really run
        monitor=_RecordingMonitor(mocks, plan),
    )
    pulumi.runtime.set_all_config(
        {key: _as_engine_string(value) for key, value in stack_config.items()}, secret_keys
    )
    config, announcements = config_from_pulumi(environ if environ is not None else {})
    plan.config = mask_config(config.model_dump(mode="json", by_alias=True), config)
    plan.secret_keys = secret_keys
    plan.overrides = list(announcements)
    plan.notes = _offline_notes(config, encrypted)
    declared = _DeclarationOrder()

    def run() -> None:
        pulumi.runtime.register_stack_transformation(declared.record)
        if program is not None:
            program(config)
        else:
            build_stack(config, artifact)

    pulumi.runtime.test(run)()  # type: ignore[no-untyped-call]
    plan.resources = in_declaration_order(plan.resources, declared.index)
    plan.stack_outputs = _resolve_exports()
    return plan


def _offline_notes(config: PipelineConfig, encrypted: Sequence[str]) -> list[str]:
    """Secrets the preview used stand-ins for; alarm endpoints that are placeholders."""
    notes = [
        f"{key}: a Pulumi secret; secrets cannot be read offline (only the Pulumi CLI decrypts "
        "them): the preview used a stand-in"
        for key in encrypted
        if key in stand_in_keys()
    ]
    secret = [f for f in SECRET_CAPABLE if config.is_secret(f)]
    return notes + placeholder_notes(config, secret)


def preview_stack(
    stack: str, project_dir: Path = Path("."), environ: Mapping[str, str] | None = None
) -> Plan:
    """:func:`run_preview` of ``Pulumi.<stack>.yaml`` in ``project_dir``: what the ``preview``,
    ``cost`` and ``diagram`` commands plan (``environ`` defaults to ``os.environ``)."""
    return run_preview(
        load_stack_config(stack, project_dir),
        stack=stack,
        environ=os.environ if environ is None else environ,
    )


def _resolve_exports() -> dict[str, Any]:
    # Under the mock engine the root stack keeps its exports as Outputs: resolve them here.
    from pulumi.runtime.sync_await import _sync_await

    root = pulumi.runtime.settings.get_root_resource()
    exports = dict(getattr(root, "outputs", {}) or {})
    resolved = _sync_await(pulumi.Output.from_input(exports).future())
    result: dict[str, Any] = _jsonable(resolved or {})
    return result
