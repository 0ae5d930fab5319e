"""Compliance rules of the pipeline, shared by the offline preview and the CrossGuard pack.

Every rule is a plain, importable object (a :class:`Rule`, callable like the function it wraps)
with a kebab-case ``name``, a one-line ``description``, a ``severity`` (mandatory or advisory), a
``message`` that says what to change and the ``sources`` it follows (checkov, cdk-nag, Pulumi
AWSGuard rule ids, or the review failure of DEVELOPERS.md it prevents).

Rules do not see Pulumi or CrossGuard objects. They read a small neutral view:

- :class:`ResourceView`: type, logical name, URN, props (the inputs, camelCase, as the engine
  sees them), the region of the resource's provider, whether it sits on a default provider,
  and outputs where they are known;
- :class:`StackView`: every resource plus the configured regions.

The offline preview builds these views from a :class:`~trade_pipeline.preview.Plan`
(:func:`stack_view_from_plan`); ``policy/__main__.py`` builds them from CrossGuard's
``ResourceValidationArgs`` / ``StackValidationArgs`` (:func:`resource_view_from_crossguard`,
:func:`stack_view_from_crossguard`). A value that is not known yet (a CrossGuard preview before
the first ``up``) never fails a rule: the rule records a note and moves on.

Example
-------
>>> report = evaluate_plan(plan)  # doctest: +SKIP
>>> [r.rule.name for r in report.mandatory_failures]  # doctest: +SKIP
[]
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, cast

from trade_pipeline.config import PolicyWaiver, newest_python_runtime, supported_python_runtimes

if TYPE_CHECKING:
    from rich.table import Table

    from trade_pipeline.preview import Plan

__all__ = [
    "RULES",
    "UNKNOWN",
    "ComplianceReport",
    "Finding",
    "Outcome",
    "ResourceView",
    "Rule",
    "RuleResult",
    "Severity",
    "Skip",
    "StackView",
    "compliance_table",
    "evaluate_plan",
    "evaluate_stack",
    "resource_view_from_crossguard",
    "rule_by_name",
    "stack_view_from_crossguard",
    "stack_view_from_plan",
    "validate_waivers",
]


# ============================================================================ the model ==
class Severity(StrEnum):
    """Mandatory rules stop the preview; advisory rules are shown and may be waived."""

    MANDATORY = "mandatory"
    ADVISORY = "advisory"


class Outcome(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    WAIVED = "waived"


class _Unknown:
    """A value the engine does not know yet (CrossGuard during preview)."""

    _instance: _Unknown | None = None

    def __new__(cls) -> _Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "<unknown>"


UNKNOWN: Final = _Unknown()


def is_unknown(value: object) -> bool:
    return value is UNKNOWN


@dataclass(frozen=True)
class ResourceView:
    """One resource as every rule sees it, whether it comes from a Plan or from CrossGuard."""

    type: str
    name: str  # logical name
    urn: str
    props: Mapping[str, Any]  # inputs (camelCase); in a CrossGuard stack check: the outputs
    region: str | None = None  # region of its provider
    default_provider: bool = False
    custom: bool = True
    outputs: Mapping[str, Any] = field(default_factory=dict)  # {} where not known
    dependencies: tuple[str, ...] = ()  # URNs

    @property
    def is_aws(self) -> bool:
        return self.custom and self.type.startswith("aws:")

    def output(self, key: str) -> Any:
        """An output (``arn``, ``url``...), or :data:`UNKNOWN` when not known yet."""
        value = self.outputs.get(key)
        return UNKNOWN if value is None else value


@dataclass(frozen=True)
class StackView:
    """Every resource of the stack and the regions it is configured for."""

    resources: tuple[ResourceView, ...]
    primary_region: str | None = None
    regions: tuple[str, ...] = ()  # primary first; () when unknown

    def of_type(self, *types: str) -> list[ResourceView]:
        return [r for r in self.resources if r.type in types]

    def aws(self) -> list[ResourceView]:
        return [r for r in self.resources if r.is_aws]

    @property
    def secondary_regions(self) -> tuple[str, ...]:
        return tuple(r for r in self.regions if r != self.primary_region)


@dataclass(frozen=True)
class Finding:
    """One violation (or, with ``skipped``, one check that could not be decided yet)."""

    message: str
    resource: str | None = None  # logical name; None: the stack as a whole
    urn: str | None = None
    skipped: bool = False


@dataclass(frozen=True)
class Skip:
    """Yielded by a check that cannot decide because a value is unknown until deployment."""

    reason: str


ResourceCheck = Callable[[ResourceView], Iterable["str | Skip"]]
StackCheck = Callable[[StackView], Iterable[Finding]]


@dataclass(frozen=True)
class Rule:
    """A compliance rule. Call it like the function it wraps; :meth:`evaluate` runs it."""

    name: str
    description: str
    severity: Severity
    message: str  # what to change
    sources: tuple[str, ...]
    types: frozenset[str] | None  # resource rules: the types checked (None: every AWS resource)
    check_resource: ResourceCheck | None = None
    check_stack: StackCheck | None = None
    doc: str = ""

    @property
    def is_stack_rule(self) -> bool:
        return self.check_stack is not None

    def applies_to(self, resource: ResourceView) -> bool:
        if not resource.is_aws:
            return False
        return self.types is None or resource.type in self.types

    def __call__(self, subject: Any) -> list[Finding]:
        """Run on one resource (resource rule) or a whole stack (stack rule)."""
        if self.check_stack is not None:
            return list(self.check_stack(subject))
        return list(self._resource_findings(subject))

    def _resource_findings(self, resource: ResourceView) -> Iterator[Finding]:
        assert self.check_resource is not None
        for problem in self.check_resource(resource):
            if isinstance(problem, Skip):
                yield Finding(problem.reason, resource.name, resource.urn, skipped=True)
            else:
                yield Finding(problem, resource.name, resource.urn)

    def evaluate(self, stack: StackView) -> tuple[int, list[Finding]]:
        """(number of resources examined, findings) over a whole stack."""
        if self.check_stack is not None:
            examined = len(
                [r for r in stack.resources if self.types is None or r.type in self.types]
            )
            return examined, list(self.check_stack(stack))
        concerned = [r for r in stack.resources if self.applies_to(r)]
        findings = [f for r in concerned for f in self._resource_findings(r)]
        return len(concerned), findings


RULES_BY_NAME: dict[str, Rule] = {}


def _register(
    *,
    name: str,
    severity: Severity,
    message: str,
    sources: Sequence[str],
    types: Iterable[str] | None,
    stack: bool,
) -> Callable[[Callable[..., Any]], Rule]:
    if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", name):
        raise ValueError(f"rule name {name!r} is not kebab-case")

    def wrap(func: Callable[..., Any]) -> Rule:
        doc = (func.__doc__ or "").strip()
        rule = Rule(
            name=name,
            description=doc.splitlines()[0] if doc else name,
            severity=severity,
            message=message,
            sources=tuple(sources),
            types=frozenset(types) if types is not None else None,
            check_resource=None if stack else func,
            check_stack=func if stack else None,
            doc=doc,
        )
        if name in RULES_BY_NAME:
            raise ValueError(f"rule {name!r} defined twice")
        RULES_BY_NAME[name] = rule
        return rule

    return wrap


def resource_rule(
    name: str,
    *,
    types: Iterable[str] | None,
    severity: Severity = Severity.MANDATORY,
    message: str,
    sources: Sequence[str] = (),
) -> Callable[[Callable[..., Any]], Rule]:
    return _register(
        name=name, severity=severity, message=message, sources=sources, types=types, stack=False
    )


def stack_rule(
    name: str,
    *,
    severity: Severity = Severity.MANDATORY,
    message: str,
    sources: Sequence[str] = (),
    types: Iterable[str] | None = None,
) -> Callable[[Callable[..., Any]], Rule]:
    return _register(
        name=name, severity=severity, message=message, sources=sources, types=types, stack=True
    )


# ============================================================================= helpers ==
FUNCTION: Final = "aws:lambda/function:Function"
PERMISSION: Final = "aws:lambda/permission:Permission"
INVOKE_CONFIG: Final = "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig"
LOG_GROUP: Final = "aws:cloudwatch/logGroup:LogGroup"
ROLE: Final = "aws:iam/role:Role"
ROLE_POLICY: Final = "aws:iam/rolePolicy:RolePolicy"
IAM_POLICY: Final = "aws:iam/policy:Policy"
USER_POLICY: Final = "aws:iam/userPolicy:UserPolicy"
GROUP_POLICY: Final = "aws:iam/groupPolicy:GroupPolicy"
POLICY_ATTACHMENTS: Final = (
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    "aws:iam/policyAttachment:PolicyAttachment",
    "aws:iam/userPolicyAttachment:UserPolicyAttachment",
    "aws:iam/groupPolicyAttachment:GroupPolicyAttachment",
)
TABLE: Final = "aws:dynamodb/table:Table"
LEGACY_GLOBAL_TABLE: Final = "aws:dynamodb/globalTable:GlobalTable"
BUS: Final = "aws:cloudwatch/eventBus:EventBus"
BUS_POLICY: Final = "aws:cloudwatch/eventBusPolicy:EventBusPolicy"
EVENT_PERMISSION: Final = "aws:cloudwatch/eventPermission:EventPermission"
ARCHIVE: Final = "aws:cloudwatch/eventArchive:EventArchive"
EVENT_RULE: Final = "aws:cloudwatch/eventRule:EventRule"
TARGET: Final = "aws:cloudwatch/eventTarget:EventTarget"
QUEUE: Final = "aws:sqs/queue:Queue"
QUEUE_POLICY: Final = "aws:sqs/queuePolicy:QueuePolicy"
TOPIC: Final = "aws:sns/topic:Topic"
TOPIC_POLICY: Final = "aws:sns/topicPolicy:TopicPolicy"
ALARM: Final = "aws:cloudwatch/metricAlarm:MetricAlarm"
KMS_KEY: Final = "aws:kms/key:Key"
AWS_PROVIDER: Final = "pulumi:providers:aws"

_REGION: Final = (
    r"(?:us|eu|ap|sa|ca|me|af|il|mx)(?:-gov|-iso[a-z]?)?-"
    r"(?:north|south|east|west|central|northeast|southeast|northwest|southwest)-\d"
)
_ARN_REGION_RE: Final = re.compile(rf"\barn:aws[a-z-]*:[a-z0-9-]+:({_REGION}):")
_ENDPOINT_REGION_RE: Final = re.compile(rf"[./]({_REGION})\.amazonaws\.com")
_NAME_REGION_RE: Final = re.compile(rf"(?<![a-z])({_REGION})(?![0-9])")


def _get(mapping: Any, *path: str | int) -> Any:
    """``mapping[path[0]][path[1]]...``; None when a step is missing, UNKNOWN when unknown."""
    value = mapping
    for step in path:
        if is_unknown(value):
            return UNKNOWN
        if isinstance(step, int):
            if not isinstance(value, list | tuple) or step >= len(value):
                return None
            value = value[step]
        else:
            if not isinstance(value, Mapping):
                return None
            value = value.get(step)
    return value


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return list(value)
    return [value]


def _arn_region(arn: Any) -> str | None:
    if not isinstance(arn, str):
        return None
    match = _ARN_REGION_RE.match(arn)
    return match.group(1) if match else None


def _is_set(value: Any) -> bool:
    return value is not None and value != "" and value != [] and value != {}


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None or is_unknown(value):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _policy_document(value: Any) -> dict[str, Any] | Skip | None:
    """A policy document from a JSON string or a dict; Skip when unknown."""
    if is_unknown(value):
        return Skip("policy document not known until deployment")
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            return None
    return value if isinstance(value, dict) else None


def _statements(doc: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [s for s in _as_list(doc.get("Statement")) if isinstance(s, dict)]


def _permission_policies(resource: ResourceView) -> Iterator[tuple[str, dict[str, Any] | Skip]]:
    """(label, document) of each identity (permission) policy a resource carries."""
    if resource.type in (ROLE_POLICY, IAM_POLICY, USER_POLICY, GROUP_POLICY):
        doc = _policy_document(resource.props.get("policy"))
        if doc is not None:
            yield "policy", doc
    elif resource.type == ROLE:
        for index, inline in enumerate(_as_list(resource.props.get("inlinePolicies"))):
            doc = _policy_document(_get(inline, "policy"))
            if doc is not None:
                yield f"inlinePolicies[{index}]", doc


PERMISSION_POLICY_TYPES: Final = frozenset(
    {ROLE_POLICY, IAM_POLICY, USER_POLICY, GROUP_POLICY, ROLE}
)


def _allow_statements(resource: ResourceView) -> Iterator[tuple[str, dict[str, Any]] | Skip]:
    for label, doc in _permission_policies(resource):
        if isinstance(doc, Skip):
            yield doc
            continue
        for index, statement in enumerate(_statements(doc)):
            if statement.get("Effect") == "Allow":
                sid = statement.get("Sid") or f"Statement[{index}]"
                yield f"{label} {sid}", statement


@functools.cache
def _action_resource_types(action: str) -> tuple[str, ...] | None:
    """Resource types an IAM action can be scoped to (parliament's IAM data); None: unknown."""
    import parliament

    service, _, privilege = action.partition(":")
    for svc in parliament.iam_definition:
        if svc["prefix"] == service.lower():
            for priv in svc["privileges"]:
                if priv["privilege"].lower() == privilege.lower():
                    return tuple(
                        rt["resource_type"] for rt in priv["resource_types"] if rt["resource_type"]
                    )
            return None
    return None


def _condition_keys(statement: Mapping[str, Any]) -> set[str]:
    keys: set[str] = set()
    condition = statement.get("Condition")
    if isinstance(condition, Mapping):
        for block in condition.values():
            if isinstance(block, Mapping):
                keys |= {str(k).lower() for k in block}
    return keys


# ================================================================================ Lambda ==
@resource_rule(
    "lambda-tracing-active",
    types=[FUNCTION],
    message="Set tracing_config=aws.lambda_.FunctionTracingConfigArgs(mode='Active') on the "
    "function.",
    sources=("checkov CKV_AWS_50", "cdk-nag Serverless-LambdaTracing", "review failure 4"),
)
def lambda_tracing_active(fn: ResourceView) -> Iterator[str | Skip]:
    """Every Lambda function traces its invocations with X-Ray (tracing mode Active)."""
    mode = _get(fn.props, "tracingConfig", "mode")
    if is_unknown(mode):
        yield Skip("tracing mode not known until deployment")
    elif mode != "Active":
        yield f"tracingConfig.mode is {mode!r}, not 'Active'"


@resource_rule(
    "lambda-runtime-current",
    types=[FUNCTION],
    message="Use one of the two newest Python runtimes pulumi-aws knows "
    f"({', '.join(supported_python_runtimes())}): set trade-pipeline:lambdaRuntime.",
    sources=("checkov CKV_AWS_363", "cdk-nag AwsSolutions-L1", "review failure 3"),
)
def lambda_runtime_current(fn: ResourceView) -> Iterator[str | Skip]:
    """Lambda functions run a supported Python runtime: one of the two newest known."""
    runtime = fn.props.get("runtime")
    if is_unknown(runtime):
        yield Skip("runtime not known until deployment")
    elif runtime not in supported_python_runtimes():
        yield f"runtime is {runtime!r}; supported: {', '.join(supported_python_runtimes())}"


@resource_rule(
    "lambda-runtime-newest",
    types=[FUNCTION],
    severity=Severity.ADVISORY,
    message=f"Move to {newest_python_runtime()} (trade-pipeline:lambdaRuntime).",
    sources=("cdk-nag Serverless-LambdaLatestVersion", "cdk-nag AwsSolutions-L1"),
)
def lambda_runtime_newest(fn: ResourceView) -> Iterator[str | Skip]:
    """Lambda functions run the newest Python runtime pulumi-aws knows."""
    runtime = fn.props.get("runtime")
    if is_unknown(runtime):
        yield Skip("runtime not known until deployment")
    elif runtime != newest_python_runtime():
        yield f"runtime is {runtime!r}, the newest is {newest_python_runtime()!r}"


@resource_rule(
    "lambda-arm64",
    types=[FUNCTION],
    severity=Severity.ADVISORY,
    message="Set architectures=['arm64'] (trade-pipeline:lambdaArchitecture): cheaper per "
    "GB-second, and the artifact is built for it.",
    sources=("AWS Well-Architected serverless lens (cost)",),
)
def lambda_arm64(fn: ResourceView) -> Iterator[str | Skip]:
    """Lambda functions run on arm64 (Graviton)."""
    archs = fn.props.get("architectures")
    if is_unknown(archs):
        yield Skip("architectures not known until deployment")
    elif _as_list(archs) != ["arm64"]:
        yield f"architectures is {_as_list(archs) or ['x86_64 (default)']}"


@resource_rule(
    "lambda-reserved-concurrency",
    types=[FUNCTION],
    severity=Severity.ADVISORY,
    message="Set trade-pipeline:lambdaReservedConcurrency, or waive this rule in the stack's "
    "policyWaivers with the reason.",
    sources=("checkov CKV_AWS_115", "cdk-nag HIPAA.Security-LambdaConcurrency"),
)
def lambda_reserved_concurrency(fn: ResourceView) -> Iterator[str | Skip]:
    """Lambda functions have a reserved (function-level) concurrency limit."""
    value = fn.props.get("reservedConcurrentExecutions")
    if is_unknown(value):
        yield Skip("reserved concurrency not known until deployment")
        return
    number = _number(value)
    if number is None or number < 0:
        yield "no reserved concurrency: the function shares the account's unreserved pool"
    elif number == 0:
        yield "reserved concurrency 0 throttles every invocation"


_SECRET_NAME_RE: Final = re.compile(
    r"(?i)(secret|passw(or)?d|passwd|token|api[_-]?key|private[_-]?key|access[_-]?key|credential)"
)
_REFERENCE_SUFFIX_RE: Final = re.compile(r"(?i)_(arn|name|id|url|parameter|path)$")
_SECRET_VALUE_RES: Final = (
    re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),  # AWS access key id
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36}\b"),  # GitHub token
    re.compile(r"\bxox[abpr]-[A-Za-z0-9-]{10,}"),  # Slack token
)


@resource_rule(
    "lambda-no-secrets-in-environment",
    types=[FUNCTION],
    message="Keep secrets out of environment variables: store them in Secrets Manager or SSM "
    "and pass the secret's ARN or name (e.g. DB_PASSWORD_SECRET_ARN).",
    sources=("checkov CKV_AWS_45",),
)
def lambda_no_secrets_in_environment(fn: ResourceView) -> Iterator[str | Skip]:
    """Lambda environment variables hold no secrets (names or values that look like one)."""
    variables = _get(fn.props, "environment", "variables")
    if is_unknown(variables):
        yield Skip("environment not known until deployment")
        return
    if not isinstance(variables, Mapping):
        return
    for key, value in sorted(variables.items()):
        if _SECRET_NAME_RE.search(key) and not _REFERENCE_SUFFIX_RE.search(key):
            yield f"environment variable {key} looks like a secret by its name"
        elif isinstance(value, str) and any(p.search(value) for p in _SECRET_VALUE_RES):
            yield f"environment variable {key} holds what looks like a credential"


def _archive_path(code: Any) -> str | None:
    path = getattr(code, "path", None)
    if isinstance(path, str):
        return path
    if isinstance(code, Mapping) and isinstance(code.get("path"), str):
        return str(code["path"])
    return None


def _hash_forms(path: Path) -> set[str]:
    digest = hashlib.sha256(path.read_bytes()).digest()
    return {digest.hex(), base64.b64encode(digest).decode()}


@resource_rule(
    "lambda-reproducible-artifact",
    types=[FUNCTION],
    message="Deploy the artifact of trade_pipeline.packaging.build_lambda_artifact(): "
    "code=pulumi.FileArchive(artifact.path) and source_code_hash=artifact.source_code_hash.",
    sources=("review failure 12",),
)
def lambda_reproducible_artifact(fn: ResourceView) -> Iterator[str | Skip]:
    """Lambda code is the reproducible zip artifact, with its content hash recorded."""
    code = fn.props.get("code")
    source_hash = fn.props.get("sourceCodeHash")
    if is_unknown(code):
        yield Skip("code archive not known until deployment")
        return
    path = _archive_path(code)
    if path is None:
        yield f"code is {type(code).__name__}, not a FileArchive of the built zip"
    elif not path.endswith(".zip"):
        yield f"code is the folder or file {path!r}, not the built .zip artifact"
    if is_unknown(source_hash):
        return
    if not isinstance(source_hash, str) or not source_hash:
        yield "no sourceCodeHash: the deployed code would not follow the artifact's content"
        return
    if path is not None and path.endswith(".zip"):
        artifact = Path(path)
        if artifact.is_file() and source_hash not in _hash_forms(artifact):
            yield f"sourceCodeHash {source_hash!r} is not the SHA-256 of {path}"


def _function_keys(fn: ResourceView) -> set[str]:
    """Names by which other resources may refer to a function (name, ARN)."""
    values = (fn.props.get("name"), fn.outputs.get("arn"), fn.outputs.get("name"))
    return {v for v in values if isinstance(v, str) and v}


def _invoke_configs_of(stack: StackView, fn: ResourceView) -> tuple[list[ResourceView], bool]:
    """(invoke configs of the function, whether some config's function name was unknown)."""
    keys = _function_keys(fn)
    found, unknown = [], False
    for config in stack.of_type(INVOKE_CONFIG):
        if config.region != fn.region:
            continue
        ref = config.props.get("functionName")
        if is_unknown(ref):
            unknown = True
        elif isinstance(ref, str) and (ref in keys or ref.split(":")[-1] in keys):
            found.append(config)
    return found, unknown


@stack_rule(
    "lambda-failure-destination",
    types=[FUNCTION],
    message="Give every function an on-failure destination (FunctionEventInvokeConfig "
    "destination_config.on_failure, an SQS queue) or a dead_letter_config.",
    sources=(
        "checkov CKV_AWS_116",
        "cdk-nag Serverless-LambdaDLQ",
        "cdk-nag Serverless-LambdaAsyncFailureDestination",
    ),
)
def lambda_failure_destination(stack: StackView) -> Iterator[Finding]:
    """Events a Lambda function fails on land somewhere: a DLQ or an on-failure destination."""
    for fn in stack.of_type(FUNCTION):
        if _is_set(_get(fn.props, "deadLetterConfig", "targetArn")):
            continue
        configs, unknown = _invoke_configs_of(stack, fn)
        if any(
            _is_set(_get(c.props, "destinationConfig", "onFailure", "destination")) for c in configs
        ):
            continue
        if unknown:
            yield Finding(
                "invoke config's function not known until deployment", fn.name, fn.urn, True
            )
            continue
        yield Finding("no dead-letter queue and no on-failure destination", fn.name, fn.urn)


@stack_rule(
    "lambda-async-invoke-bounded",
    types=[FUNCTION, INVOKE_CONFIG],
    message="Add an aws.lambda_.FunctionEventInvokeConfig per function with "
    "maximum_retry_attempts (0-2) and maximum_event_age_in_seconds (60-21600) set.",
    sources=("cdk-nag Serverless-LambdaAsyncFailureDestination",),
)
def lambda_async_invoke_bounded(stack: StackView) -> Iterator[Finding]:
    """Each function's async invoke config bounds retries and event age explicitly."""
    for fn in stack.of_type(FUNCTION):
        configs, unknown = _invoke_configs_of(stack, fn)
        if not configs:
            if unknown:
                yield Finding("invoke config's function not known yet", fn.name, fn.urn, True)
            else:
                yield Finding(
                    "no FunctionEventInvokeConfig: Lambda's defaults apply", fn.name, fn.urn
                )
            continue
        for config in configs:
            retries = _number(config.props.get("maximumRetryAttempts"))
            age = _number(config.props.get("maximumEventAgeInSeconds"))
            if retries is None or not 0 <= retries <= 2:
                yield Finding(f"maximumRetryAttempts is {retries}", config.name, config.urn)
            if age is None or not 60 <= age <= 21600:
                yield Finding(f"maximumEventAgeInSeconds is {age}", config.name, config.urn)


@stack_rule(
    "lambda-log-group-retention",
    types=[FUNCTION, LOG_GROUP],
    message="Create each function's log group explicitly (aws.cloudwatch.LogGroup named as "
    "the function's logging_config.log_group) with retention_in_days set.",
    sources=(
        "checkov CKV_AWS_66",
        "cdk-nag Serverless-CloudWatchLogGroupRetentionPeriod",
        "cdk-nag HIPAA.Security-CloudWatchLogGroupRetentionPeriod",
    ),
)
def lambda_log_group_retention(stack: StackView) -> Iterator[Finding]:
    """Every function logs into a log group the stack creates, with a bounded retention."""
    groups = stack.of_type(LOG_GROUP)
    for group in groups:
        days = _number(group.props.get("retentionInDays"))
        if not is_unknown(group.props.get("retentionInDays")) and (days is None or days <= 0):
            yield Finding(
                "log group keeps logs forever (no retentionInDays)", group.name, group.urn
            )
    for fn in stack.of_type(FUNCTION):
        wanted = _get(fn.props, "loggingConfig", "logGroup")
        if not wanted and isinstance(fn.props.get("name"), str):
            wanted = f"/aws/lambda/{fn.props['name']}"
        if is_unknown(wanted) or not wanted:
            yield Finding("log group name not known until deployment", fn.name, fn.urn, True)
            continue
        names = {g.props.get("name") for g in groups if g.region == fn.region}
        if wanted not in names:
            yield Finding(
                f"logs go to {wanted}, which the stack does not create (Lambda would create "
                "it with no retention)",
                fn.name,
                fn.urn,
            )


# =========================================================================== permissions ==
@resource_rule(
    "lambda-permission-source-scoped",
    types=[PERMISSION],
    message="A service principal gets lambda:InvokeFunction only with source_arn (the "
    "invoking resource's ARN output) and source_account.",
    sources=("checkov CKV_AWS_364", "cdk-nag NIST.800.53.R5-LambdaFunctionPublicAccessProhibited"),
)
def lambda_permission_source_scoped(permission: ResourceView) -> Iterator[str | Skip]:
    """A Lambda permission for a service principal names the source ARN and account."""
    principal = permission.props.get("principal")
    if is_unknown(principal):
        yield Skip("principal not known until deployment")
        return
    if principal == "*":
        yield "principal is '*': anyone may invoke the function"
        return
    if isinstance(principal, str) and principal.endswith(".amazonaws.com"):
        if not _is_set(permission.props.get("sourceArn")):
            yield f"principal {principal} without source_arn"
        if not _is_set(permission.props.get("sourceAccount")):
            yield f"principal {principal} without source_account"


@stack_rule(
    "lambda-permission-rule-arn",
    types=[PERMISSION, EVENT_RULE],
    message="Pass the rule's own ARN output (source_arn=rule.arn), never an ARN assembled "
    "from strings.",
    sources=("review failure 8",),
)
def lambda_permission_rule_arn(stack: StackView) -> Iterator[Finding]:
    """EventBridge's Lambda permissions name the ARN of a rule of the stack in their region."""
    for permission in stack.of_type(PERMISSION):
        if permission.props.get("principal") != "events.amazonaws.com":
            continue
        source = permission.props.get("sourceArn")
        rules = [r for r in stack.of_type(EVENT_RULE) if r.region == permission.region]
        arns = [r.output("arn") for r in rules]
        if is_unknown(source) or any(is_unknown(a) for a in arns):
            yield Finding(
                "rule ARNs not known until deployment", permission.name, permission.urn, True
            )
            continue
        if source not in arns:
            yield Finding(
                f"sourceArn {source!r} is not the ARN of any rule in {permission.region} "
                f"({', '.join(map(str, arns)) or 'none'})",
                permission.name,
                permission.urn,
            )


# =================================================================================== IAM ==
@resource_rule(
    "iam-no-wildcard-actions",
    types=PERMISSION_POLICY_TYPES,
    message="List the exact actions (e.g. dynamodb:PutItem), never '*' or 'service:*', and no "
    "NotAction in an Allow.",
    sources=("checkov CKV_AWS_63", "cdk-nag AwsSolutions-IAM5"),
)
def iam_no_wildcard_actions(resource: ResourceView) -> Iterator[str | Skip]:
    """Permission policies allow exact actions only: no '*' in any action."""
    for item in _allow_statements(resource):
        if isinstance(item, Skip):
            yield item
            continue
        where, statement = item
        if "NotAction" in statement:
            yield f"{where}: Allow with NotAction"
        wild = [a for a in _as_list(statement.get("Action")) if "*" in str(a) or "?" in str(a)]
        if wild:
            yield f"{where}: wildcard action(s) {', '.join(map(str, wild))}"


@resource_rule(
    "iam-resource-star-scoped",
    types=PERMISSION_POLICY_TYPES,
    message="Use Resource '*' only for actions without a resource type (xray:PutTraceSegments, "
    "xray:PutTelemetryRecords, cloudwatch:PutMetricData with a cloudwatch:namespace "
    "condition); name exact ARNs for everything else.",
    sources=("checkov CKV_AWS_355", "cdk-nag AwsSolutions-IAM5"),
)
def iam_resource_star_scoped(resource: ResourceView) -> Iterator[str | Skip]:
    """Resource '*' is granted only for actions that have no resource type."""
    for item in _allow_statements(resource):
        if isinstance(item, Skip):
            yield item
            continue
        where, statement = item
        if "NotResource" in statement:
            yield f"{where}: Allow with NotResource"
        if "*" not in _as_list(statement.get("Resource")):
            continue
        for action in map(str, _as_list(statement.get("Action"))):
            types = _action_resource_types(action)
            if types is None:
                yield f"{where}: unknown action {action} on Resource '*'"
            elif types:
                yield f"{where}: {action} can be scoped to {', '.join(types)} but has Resource '*'"
            elif action.lower() == "cloudwatch:putmetricdata" and (
                "cloudwatch:namespace" not in _condition_keys(statement)
            ):
                yield f"{where}: cloudwatch:PutMetricData on '*' without a namespace condition"


_LOG_STREAM_WILDCARD: Final = re.compile(
    r"^arn:aws[a-z-]*:logs:[^:*]+:\d{12}:log-group:[^*]+:log-stream:\*$"
)


@resource_rule(
    "iam-no-wildcard-resource-arns",
    types=PERMISSION_POLICY_TYPES,
    message="Grant exact ARNs: the function's own-region replica (arn:aws:dynamodb:<region>:"
    "<account>:table/<name> and its /index/<gsi>), its queues, its log group; no '*' in ARNs.",
    sources=(
        "cdk-nag AwsSolutions-IAM5",
        "cdk-nag Serverless-IAMNoWildcardPermissions",
        "review failure 5",
    ),
)
def iam_no_wildcard_resource_arns(resource: ResourceView) -> Iterator[str | Skip]:
    """Permission policies name exact ARNs: no wildcard table, queue or region ARNs."""
    for item in _allow_statements(resource):
        if isinstance(item, Skip):
            yield item
            continue
        where, statement = item
        for arn in map(str, _as_list(statement.get("Resource"))):
            if arn == "*" or not ("*" in arn or "?" in arn):
                continue  # '*' alone is iam-resource-star-scoped's business
            if _LOG_STREAM_WILDCARD.match(arn):
                continue  # log streams are named by Lambda at run time
            yield f"{where}: wildcard ARN {arn}"


_AWS_MANAGED_POLICY_RE: Final = re.compile(r"^arn:aws[a-z-]*:iam::aws:policy/")


@resource_rule(
    "iam-no-aws-managed-policies",
    types=[ROLE, *POLICY_ATTACHMENTS],
    message="Replace AWS-managed policies with the one inline least-privilege policy built by "
    "trade_pipeline.iam.",
    sources=("cdk-nag AwsSolutions-IAM4", "checkov CKV_AWS_274"),
)
def iam_no_aws_managed_policies(resource: ResourceView) -> Iterator[str | Skip]:
    """No role, user or group uses an AWS-managed policy."""
    if resource.type == ROLE:
        arns = resource.props.get("managedPolicyArns")
        if is_unknown(arns):
            yield Skip("managed policy ARNs not known until deployment")
            return
        for arn in _as_list(arns):
            if isinstance(arn, str) and _AWS_MANAGED_POLICY_RE.match(arn):
                yield f"managedPolicyArns has AWS-managed {arn}"
    else:
        arn = resource.props.get("policyArn")
        if isinstance(arn, str) and _AWS_MANAGED_POLICY_RE.match(arn):
            yield f"attaches AWS-managed {arn}"


@resource_rule(
    "iam-trust-scoped",
    types=[ROLE],
    message="Trust only the one service that assumes the role (Principal {'Service': "
    "'lambda.amazonaws.com'}) with an aws:SourceAccount (or aws:SourceArn) condition.",
    sources=("checkov CKV_AWS_60", "checkov CKV_AWS_61"),
)
def iam_trust_scoped(role: ResourceView) -> Iterator[str | Skip]:
    """Role trust policies name one service principal and carry a source-account condition."""
    doc = _policy_document(role.props.get("assumeRolePolicy"))
    if isinstance(doc, Skip):
        yield doc
        return
    if doc is None:
        yield "no readable assume-role policy"
        return
    for index, statement in enumerate(_statements(doc)):
        if statement.get("Effect") != "Allow":
            continue
        where = statement.get("Sid") or f"Statement[{index}]"
        principal = statement.get("Principal")
        services = _as_list(_get(principal, "Service")) if isinstance(principal, Mapping) else []
        if not isinstance(principal, Mapping) or set(principal) != {"Service"}:
            yield f"{where}: principal {principal!r} is not a service principal"
        elif len(services) != 1 or not str(services[0]).endswith(".amazonaws.com"):
            yield f"{where}: trusts {services!r}; trust exactly one service"
        keys = _condition_keys(statement)
        if not keys & {"aws:sourceaccount", "aws:sourcearn"}:
            yield f"{where}: no aws:SourceAccount condition (confused deputy)"


@resource_rule(
    "iam-parliament-clean",
    types=PERMISSION_POLICY_TYPES,
    message="Fix the policy until parliament reports no findings (see the finding's issue "
    "code: RESOURCE_MISMATCH, RESOURCE_STAR, UNKNOWN_ACTION...).",
    sources=("parliament (duo-labs) 1.6",),
)
def iam_parliament_clean(resource: ResourceView) -> Iterator[str | Skip]:
    """Every permission policy passes parliament's linter with no findings."""
    import parliament

    for label, doc in _permission_policies(resource):
        if isinstance(doc, Skip):
            yield doc
            continue
        for finding in parliament.analyze_policy_string(json.dumps(doc)).findings:
            detail = finding.detail if finding.detail else ""
            yield f"{label}: {finding.issue} {detail}".strip()


# ============================================================================== DynamoDB ==
@resource_rule(
    "dynamodb-sse-enabled",
    types=[TABLE],
    message="Set server_side_encryption=TableServerSideEncryptionArgs(enabled=True) (AWS-"
    "managed key) or with each region's customer-managed key.",
    sources=(
        "Pulumi AWSGuard dynamodb-table-encryption-enabled",
        "checkov CKV_AWS_119",
        "review failure 6",
    ),
)
def dynamodb_sse_enabled(table: ResourceView) -> Iterator[str | Skip]:
    """DynamoDB tables have server-side encryption explicitly enabled."""
    enabled = _get(table.props, "serverSideEncryption", "enabled")
    if is_unknown(enabled):
        yield Skip("encryption setting not known until deployment")
    elif enabled is not True:
        yield "serverSideEncryption is not enabled explicitly"


@resource_rule(
    "dynamodb-pitr-table-and-replicas",
    types=[TABLE],
    message="Enable point_in_time_recovery on the table AND point_in_time_recovery=True on "
    "every TableReplicaArgs (replicas do not inherit it).",
    sources=("checkov CKV_AWS_28", "checkov CKV_AWS_165", "cdk-nag AwsSolutions-DDB3"),
)
def dynamodb_pitr_table_and_replicas(table: ResourceView) -> Iterator[str | Skip]:
    """Point-in-time recovery is on for the table and for every replica."""
    if _get(table.props, "pointInTimeRecovery", "enabled") is not True:
        yield "point-in-time recovery is off on the table"
    for replica in _as_list(table.props.get("replicas")):
        if _get(replica, "pointInTimeRecovery") is not True:
            yield f"point-in-time recovery is off on the replica in {_get(replica, 'regionName')}"


@resource_rule(
    "dynamodb-streams-for-replicas",
    types=[TABLE],
    message="With replicas, set stream_enabled=True and stream_view_type='NEW_AND_OLD_IMAGES'.",
    sources=("AWS global tables 2019.11.21 requirement",),
)
def dynamodb_streams_for_replicas(table: ResourceView) -> Iterator[str | Skip]:
    """A table with replicas streams NEW_AND_OLD_IMAGES (global tables replicate through it)."""
    if not _as_list(table.props.get("replicas")):
        return
    if table.props.get("streamEnabled") is not True:
        yield "streams are off on a table with replicas"
    view = table.props.get("streamViewType")
    if view != "NEW_AND_OLD_IMAGES":
        yield f"streamViewType is {view!r}, not 'NEW_AND_OLD_IMAGES'"


@resource_rule(
    "dynamodb-replica-keys-regional",
    types=[TABLE],
    message="With customer-managed encryption, give every replica kms_key_arn = the key of "
    "the replica's own region (and the table the key of its region).",
    sources=("AWS global tables CMK requirement",),
)
def dynamodb_replica_keys_regional(table: ResourceView) -> Iterator[str | Skip]:
    """With customer-managed keys, the table and each replica use a key of their own region."""
    table_key = _get(table.props, "serverSideEncryption", "kmsKeyArn")
    replicas = _as_list(table.props.get("replicas"))
    if is_unknown(table_key):
        yield Skip("table key not known until deployment")
        return
    if not table_key:
        for replica in replicas:
            if _is_set(_get(replica, "kmsKeyArn")):
                yield (
                    f"replica in {_get(replica, 'regionName')} has a customer-managed key but the "
                    "table uses the AWS-managed key (keys cannot be mixed)"
                )
        return
    if table.region and _arn_region(table_key) not in (None, table.region):
        yield f"table key {table_key} is not in the table's region {table.region}"
    for replica in replicas:
        region, key = _get(replica, "regionName"), _get(replica, "kmsKeyArn")
        if is_unknown(key):
            yield Skip(f"key of the replica in {region} not known until deployment")
        elif not key:
            yield f"replica in {region} has no kms_key_arn (AWS rejects a CMK table like this)"
        elif _arn_region(key) != region:
            yield f"replica in {region} uses key {key} of {_arn_region(key)}"


@resource_rule(
    "dynamodb-no-legacy-global-table",
    types=[LEGACY_GLOBAL_TABLE],
    message="Use aws.dynamodb.Table(replicas=[...]) (global tables 2019.11.21); "
    "aws.dynamodb.GlobalTable is the legacy 2017.11.29 API AWS rejects for new tables.",
    sources=("AWS global tables version 2019.11.21",),
)
def dynamodb_no_legacy_global_table(resource: ResourceView) -> Iterator[str | Skip]:
    """The legacy aws.dynamodb.GlobalTable (2017.11.29) is not used."""
    yield "legacy GlobalTable resource"


@stack_rule(
    "dynamodb-replicas-match-regions",
    types=[TABLE],
    message="Create the table in the primary region with one replica per configured secondary "
    "region, each exactly once (TradeTable does this).",
    sources=("review failure 9",),
)
def dynamodb_replicas_match_regions(stack: StackView) -> Iterator[Finding]:
    """The table lives in the primary region with a replica in exactly each secondary region."""
    tables = stack.of_type(TABLE)
    if not tables:
        yield Finding("the stack has no DynamoDB table")
        return
    for table in tables:
        replicas = table.props.get("replicas")
        if is_unknown(replicas):
            yield Finding("replicas not known until deployment", table.name, table.urn, True)
            continue
        regions = [str(_get(r, "regionName")) for r in _as_list(replicas)]
        primary = stack.primary_region or table.region
        if stack.primary_region and table.region != stack.primary_region:
            yield Finding(
                f"table in {table.region}, not the primary region {stack.primary_region}",
                table.name,
                table.urn,
            )
        expected = [r for r in stack.regions if r != primary] if stack.regions else None
        if expected is None:
            continue
        problems = []
        if missing := sorted(set(expected) - set(regions)):
            problems.append(f"no replica in {', '.join(missing)}")
        if extra := sorted(set(regions) - set(expected)):
            problems.append(f"replica in unconfigured region(s) {', '.join(extra)}")
        if twice := sorted({r for r in regions if regions.count(r) > 1}):
            problems.append(f"more than one replica in {', '.join(twice)}")
        if problems:
            yield Finding(
                f"replicas {regions} vs configured secondary regions {expected}: "
                + "; ".join(problems),
                table.name,
                table.urn,
            )


# ============================================================================ EventBridge ==
@resource_rule(
    "eventbridge-target-dlq",
    types=[TARGET],
    message="Give every rule target dead_letter_config=EventTargetDeadLetterConfigArgs(arn="
    "<standard SQS queue of the same region>.arn).",
    sources=("cdk-nag Serverless-EventBusDLQ", "review failure 7"),
)
def eventbridge_target_dlq(target: ResourceView) -> Iterator[str | Skip]:
    """Every EventBridge target has a dead-letter queue: a standard SQS queue."""
    arn = _get(target.props, "deadLetterConfig", "arn")
    if is_unknown(arn):
        yield Skip("dead-letter queue ARN not known until deployment")
    elif not arn:
        yield "no dead-letter queue: events EventBridge cannot deliver are dropped"
    elif not str(arn).startswith("arn:") or ":sqs:" not in str(arn):
        yield f"dead-letter target {arn} is not an SQS queue"
    elif str(arn).endswith(".fifo"):
        yield f"dead-letter queue {arn} is FIFO; EventBridge needs a standard queue"


@resource_rule(
    "eventbridge-target-retry-policy",
    types=[TARGET],
    message="Set retry_policy=EventTargetRetryPolicyArgs(maximum_retry_attempts=..., "
    "maximum_event_age_in_seconds=...) from config (defaults: 185 attempts, 24 h).",
    sources=("cdk-nag Serverless-EventBusDLQ",),
)
def eventbridge_target_retry_policy(target: ResourceView) -> Iterator[str | Skip]:
    """Every EventBridge target sets its retry policy explicitly."""
    policy = target.props.get("retryPolicy")
    if is_unknown(policy):
        yield Skip("retry policy not known until deployment")
        return
    for key in ("maximumRetryAttempts", "maximumEventAgeInSeconds"):
        if _number(_get(policy, key)) is None:
            yield f"retryPolicy.{key} not set"


def _open_without_condition(statement: Mapping[str, Any]) -> bool:
    principal = statement.get("Principal")
    open_ = principal == "*" or (
        isinstance(principal, Mapping) and "*" in _as_list(principal.get("AWS"))
    )
    return bool(open_ and statement.get("Effect") == "Allow" and not statement.get("Condition"))


@resource_rule(
    "eventbridge-bus-policy-not-open",
    types=[BUS_POLICY, EVENT_PERMISSION],
    message="Name the accounts or organization allowed to put events, or add a condition "
    "(aws:PrincipalOrgID); never Principal '*' alone.",
    sources=("cdk-nag AwsSolutions-EVB1",),
)
def eventbridge_bus_policy_not_open(resource: ResourceView) -> Iterator[str | Skip]:
    """No event bus policy is open to every principal without a condition."""
    if resource.type == EVENT_PERMISSION:
        if resource.props.get("principal") == "*" and not resource.props.get("condition"):
            yield "event permission for principal '*' without a condition"
        return
    doc = _policy_document(resource.props.get("policy"))
    if isinstance(doc, Skip):
        yield doc
        return
    for index, statement in enumerate(_statements(doc or {})):
        if _open_without_condition(statement):
            sid = statement.get("Sid") or f"Statement[{index}]"
            yield f"{sid}: open to '*' without a condition"


@resource_rule(
    "eventbridge-archive-retention",
    types=[ARCHIVE],
    message="Set retention_days (trade-pipeline:archiveRetentionDays) on the archive.",
    sources=("data minimisation; replay window",),
)
def eventbridge_archive_retention(archive: ResourceView) -> Iterator[str | Skip]:
    """EventBridge archives keep events for a bounded number of days."""
    days = archive.props.get("retentionDays")
    if is_unknown(days):
        yield Skip("retention not known until deployment")
    elif (_number(days) or 0) <= 0:
        yield "archive keeps events forever (retentionDays unset or 0)"


# ============================================================================== SQS / SNS ==
@resource_rule(
    "sqs-encrypted",
    types=[QUEUE],
    message="Set sqs_managed_sse_enabled=True (or kms_master_key_id) on the queue.",
    sources=("checkov CKV_AWS_27", "cdk-nag AwsSolutions-SQS2"),
)
def sqs_encrypted(queue: ResourceView) -> Iterator[str | Skip]:
    """SQS queues are encrypted at rest."""
    if queue.props.get("sqsManagedSseEnabled") is True or _is_set(
        queue.props.get("kmsMasterKeyId")
    ):
        return
    yield "no server-side encryption (sqsManagedSseEnabled or kmsMasterKeyId)"


@resource_rule(
    "sns-encrypted",
    types=[TOPIC],
    message="Set kms_master_key_id on the topic (a customer-managed key CloudWatch may use).",
    sources=("checkov CKV_AWS_26", "cdk-nag AwsSolutions-SNS2"),
)
def sns_encrypted(topic: ResourceView) -> Iterator[str | Skip]:
    """SNS topics are encrypted at rest."""
    if not _is_set(topic.props.get("kmsMasterKeyId")):
        yield "no kmsMasterKeyId"


def _denies_insecure_transport(doc: Mapping[str, Any]) -> bool:
    for statement in _statements(doc):
        if statement.get("Effect") != "Deny":
            continue
        condition = statement.get("Condition")
        bool_block = _get(condition, "Bool") if isinstance(condition, Mapping) else None
        if (
            isinstance(bool_block, Mapping)
            and str(bool_block.get("aws:SecureTransport")).lower() == "false"
        ):
            return True
    return False


def _policy_subject(
    policy: ResourceView, key: str, candidates: list[ResourceView], output_key: str
) -> ResourceView | Skip | None:
    """The queue/topic a policy resource applies to: by URL/ARN, else by dependency."""
    ref = policy.props.get(key)
    if not is_unknown(ref):
        for candidate in candidates:
            if ref is not None and candidate.output(output_key) == ref:
                return candidate
    depended = [c for c in candidates if c.urn in policy.dependencies]
    if len(depended) == 1:
        return depended[0]
    if is_unknown(ref) or any(is_unknown(c.output(output_key)) for c in candidates):
        return Skip(f"{policy.name}: target not known until deployment")
    return None


@stack_rule(
    "tls-only-policies",
    types=[QUEUE, TOPIC],
    message="Attach a QueuePolicy/TopicPolicy to every queue and topic with a Deny on "
    "aws:SecureTransport = false (trade_pipeline.iam builds it).",
    sources=("cdk-nag AwsSolutions-SQS4", "cdk-nag AwsSolutions-SNS3"),
)
def tls_only_policies(stack: StackView) -> Iterator[Finding]:
    """Every SQS queue and SNS topic has a resource policy refusing requests without TLS."""
    for subject_type, policy_type, key, output_key in (
        (QUEUE, QUEUE_POLICY, "queueUrl", "url"),
        (TOPIC, TOPIC_POLICY, "arn", "arn"),
    ):
        subjects = stack.of_type(subject_type)
        protected: set[str] = set()
        undecided = False
        for policy in stack.of_type(policy_type):
            subject = _policy_subject(policy, key, subjects, output_key)
            if isinstance(subject, Skip):
                undecided = True
                continue
            doc = _policy_document(policy.props.get("policy"))
            if isinstance(doc, Skip):
                undecided = True
                continue
            if subject is not None and doc is not None and _denies_insecure_transport(doc):
                protected.add(subject.urn)
        for subject in subjects:
            if subject.urn in protected:
                continue
            if undecided:
                yield Finding(
                    "policies not known until deployment", subject.name, subject.urn, True
                )
            else:
                yield Finding(
                    "no policy denying aws:SecureTransport=false", subject.name, subject.urn
                )


# =================================================================================== KMS ==
@resource_rule(
    "kms-key-rotation",
    types=[KMS_KEY],
    message="Set enable_key_rotation=True on every customer-managed key.",
    sources=("Pulumi AWSGuard cmk-backing-key-rotation-enabled", "checkov CKV_AWS_7"),
)
def kms_key_rotation(key: ResourceView) -> Iterator[str | Skip]:
    """Customer-managed KMS keys rotate their key material."""
    if key.props.get("enableKeyRotation") is not True:
        yield "key rotation is off"


# ============================================================================ CloudWatch ==
@resource_rule(
    "alarm-actions-to-regional-topic",
    types=[ALARM],
    message="Give every alarm alarm_actions AND ok_actions = [the SNS topic of the alarm's own "
    "region] (RegionalMonitoring does this).",
    sources=("cdk-nag HIPAA.Security-CloudWatchAlarmAction", "review failure 10"),
)
def alarm_actions_to_regional_topic(alarm: ResourceView) -> Iterator[str | Skip]:
    """Every alarm notifies an SNS topic of its own region on ALARM and on OK."""
    for key in ("alarmActions", "okActions"):
        actions = alarm.props.get(key)
        if is_unknown(actions):
            yield Skip(f"{key} not known until deployment")
            continue
        if not _as_list(actions):
            yield f"no {key}"
        for action in _as_list(actions):
            if is_unknown(action):
                yield Skip(f"{key} not known until deployment")
            elif not str(action).startswith("arn:") or ":sns:" not in str(action):
                yield f"{key} {action} is not an SNS topic"
            elif alarm.region and _arn_region(action) != alarm.region:
                yield f"{key} {action} is not in the alarm's region {alarm.region}"


@resource_rule(
    "alarm-actions-enabled",
    types=[ALARM],
    message="Leave actions_enabled=True on every alarm.",
    sources=("checkov CKV_AWS_319",),
)
def alarm_actions_enabled(alarm: ResourceView) -> Iterator[str | Skip]:
    """Alarm actions are enabled."""
    if alarm.props.get("actionsEnabled") is False:
        yield "actionsEnabled is false: the alarm notifies nobody"


@resource_rule(
    "lambda-errors-alarm-threshold",
    types=[ALARM],
    message="Alarm on Lambda Errors above a threshold of at least 2 "
    "(trade-pipeline:lambdaErrorsThreshold): async retries make single errors expected.",
    sources=("review failure 10",),
)
def lambda_errors_alarm_threshold(alarm: ResourceView) -> Iterator[str | Skip]:
    """Lambda Errors alarms do not page on a single error (threshold above 1).

    Queue-depth and FailedInvocations alarms legitimately fire on any message
    (GreaterThanThreshold 0): each message there is an event that needs an operator. Lambda
    Errors differ: an async invocation is retried, so one error is not yet a lost event.
    """
    if alarm.props.get("namespace") != "AWS/Lambda" or alarm.props.get("metricName") != "Errors":
        return
    threshold = _number(alarm.props.get("threshold"))
    if threshold is None:
        if not is_unknown(alarm.props.get("threshold")):
            yield "no threshold"
    elif threshold <= 1:
        yield f"threshold {threshold:g}: one error pages someone"


# ================================================================================= stack ==
@resource_rule(
    "no-default-provider",
    types=None,
    message="Pass opts=ResourceOptions(provider=<the region's aws.Provider>) on every AWS "
    "resource (AWSProviderManager.get(region)); never fall back to the default provider.",
    sources=("review failure 1", "review failure 2"),
)
def no_default_provider(resource: ResourceView) -> Iterator[str | Skip]:
    """Every AWS resource names an explicit provider (no default provider)."""
    if resource.default_provider:
        yield "on the default aws provider"


def _region_claims(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """(where, region) of every region that ARNs and endpoints inside ``value`` claim."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield from _region_claims(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _region_claims(item, f"{path}[{index}]")
    elif isinstance(value, str):
        for match in _ARN_REGION_RE.finditer(value):
            yield path, match.group(1)
        for match in _ENDPOINT_REGION_RE.finditer(value):
            yield path, match.group(1)


# Keys whose values legitimately name other regions: a table's replicas live elsewhere.
_CROSS_REGION_KEYS: Final[dict[str, frozenset[str]]] = {TABLE: frozenset({"replicas"})}


@resource_rule(
    "region-consistency",
    types=None,
    message="Derive ARNs, endpoints and names from the resource's own region (its provider's): "
    "take ARNs from resource outputs, names from Naming, never a hard-coded region.",
    sources=("review failure 11",),
)
def region_consistency(resource: ResourceView) -> Iterator[str | Skip]:
    """Every ARN, endpoint and name of a resource claims the region of its provider."""
    if not resource.region:
        return  # no-default-provider reports these
    skip = _CROSS_REGION_KEYS.get(resource.type, frozenset())
    seen: set[tuple[str, str]] = set()
    for source in (resource.props, resource.outputs):
        values = {k: v for k, v in source.items() if k not in skip}
        for where, region in _region_claims(values):
            if region != resource.region and (where, region) not in seen:
                seen.add((where, region))
                yield f"{where} names {region}, but the resource is in {resource.region}"
    name = resource.props.get("name")
    if isinstance(name, str):
        named = _NAME_REGION_RE.findall(name)
        if named and resource.region not in named:
            yield f"name {name!r} claims {named[0]}, but the resource is in {resource.region}"


# What every region must have, with the minimum count (DESIGN.md "Per region").
REGIONAL_RESOURCES: Final[dict[str, int]] = {
    BUS: 1,
    ARCHIVE: 1,
    EVENT_RULE: 1,
    TARGET: 1,
    FUNCTION: 1,
    PERMISSION: 1,
    INVOKE_CONFIG: 1,
    LOG_GROUP: 1,
    ROLE: 1,
    ROLE_POLICY: 1,
    QUEUE: 3,  # delivery DLQ, processing failures, rejected events
    QUEUE_POLICY: 3,
    TOPIC: 1,
    TOPIC_POLICY: 1,
    ALARM: 1,
}


def _short(type_: str) -> str:
    return type_.rsplit(":", 1)[-1]


@stack_rule(
    "regional-completeness",
    message="Build every region from the same RegionalPipeline and RegionalMonitoring "
    "components, in a loop over config.regions; no per-region hand-written code.",
    sources=("review failure 7",),
)
def regional_completeness(stack: StackView) -> Iterator[Finding]:
    """Every configured region has the full, identical set of regional resources."""
    counts: dict[str | None, Counter[str]] = defaultdict(Counter)
    for resource in stack.aws():
        counts[resource.region][resource.type] += 1
    regions = list(stack.regions) or sorted(r for r in counts if r)
    for region in regions:
        have = counts.get(region, Counter())
        missing = [
            f"{_short(t)} ({have[t]}/{n})" for t, n in REGIONAL_RESOURCES.items() if have[t] < n
        ]
        if missing:
            yield Finding(f"{region} lacks {', '.join(missing)}", f"region {region}")
    for type_ in REGIONAL_RESOURCES:
        most = max((counts.get(r, Counter())[type_] for r in regions), default=0)
        fewer = [r for r in regions if 0 < counts.get(r, Counter())[type_] < most]
        for region in fewer:
            yield Finding(
                f"{region} has {counts[region][type_]} {_short(type_)}, other regions {most}",
                f"region {region}",
            )
    if stack.regions:
        extra = sorted(r for r in counts if r and r not in stack.regions)
        for region in extra:
            yield Finding(f"resources in unconfigured region {region}", f"region {region}")


RULES: Final[tuple[Rule, ...]] = tuple(RULES_BY_NAME.values())


def rule_by_name(name: str) -> Rule:
    try:
        return RULES_BY_NAME[name]
    except KeyError:
        raise ValueError(f"unknown compliance rule {name!r}") from None


# =============================================================================== views ==
def stack_view_from_plan(plan: Plan) -> StackView:
    """The neutral view of an offline-preview plan (inputs as props, mock outputs)."""
    primary = plan.config.get("primaryRegion")
    secondary = tuple(plan.config.get("secondaryRegions") or ())
    return StackView(
        resources=tuple(
            ResourceView(
                type=r.type,
                name=r.name,
                urn=r.urn,
                props=r.inputs,
                region=r.region,
                default_provider=r.uses_default_provider,
                custom=r.custom,
                outputs=r.outputs or {},
                dependencies=tuple(r.dependencies),
            )
            for r in plan.resources
        ),
        primary_region=primary,
        regions=(primary, *secondary) if primary else (),
    )


def _plain(value: Any) -> Any:
    """CrossGuard props -> plain values; its unknown sentinels -> :data:`UNKNOWN`."""
    from pulumi_policy import proxy

    target: Any = value
    if type(value).__name__ in ("_DictProxy", "_ListProxy"):
        target = cast(Any, value)["__target"]  # the unknown-checking proxies keep the raw value
    if isinstance(target, Mapping):
        return {str(k): _plain(v) for k, v in target.items()}
    if isinstance(target, list | tuple):
        return [_plain(v) for v in target]
    if isinstance(target, str) and proxy._is_unknown(target):
        return UNKNOWN
    return target


def _provider_info(provider: Any) -> tuple[str | None, bool]:
    """(region, is a default provider) of a CrossGuard PolicyProviderResource."""
    if provider is None:
        return None, True
    props = _plain(getattr(provider, "props", {}) or {})
    region = props.get("region") if isinstance(props, Mapping) else None
    name = str(getattr(provider, "name", ""))
    return (region if isinstance(region, str) else None), name.startswith("default")


def resource_view_from_crossguard(args: Any) -> ResourceView:
    """The neutral view of a CrossGuard ``ResourceValidationArgs`` (props are inputs)."""
    region, default = _provider_info(getattr(args, "provider", None))
    return ResourceView(
        type=args.resource_type,
        name=args.name,
        urn=args.urn,
        props=_plain(args.props),
        region=region,
        default_provider=default and args.resource_type.startswith("aws:"),
        custom=True,
    )


def stack_view_from_crossguard(args: Any) -> StackView:
    """The neutral view of a CrossGuard ``StackValidationArgs``.

    Its props are the resources' outputs (all known after ``up``, partly unknown during a
    preview). The configured regions are those of the stack's explicit aws providers; the
    primary is the region of the table's provider.
    """
    resources = []
    for r in args.resources:
        region, default = _provider_info(getattr(r, "provider", None))
        is_provider = r.resource_type.startswith("pulumi:providers:")
        props = _plain(r.props)
        if r.resource_type == AWS_PROVIDER:
            region = props.get("region") if isinstance(props, Mapping) else None
        resources.append(
            ResourceView(
                type=r.resource_type,
                name=r.name,
                urn=r.urn,
                props=props,
                region=region,
                default_provider=default and r.resource_type.startswith("aws:"),
                custom=not is_provider or r.resource_type == AWS_PROVIDER,
                outputs=props,
                dependencies=tuple(d.urn for d in (getattr(r, "dependencies", None) or [])),
            )
        )
    regions = sorted(
        {
            r.region
            for r in resources
            if r.region and not r.default_provider and (r.is_aws or r.type == AWS_PROVIDER)
        }
    )
    tables = [r for r in resources if r.type == TABLE and r.region]
    primary = tables[0].region if tables else None
    if primary in regions:
        regions.remove(primary)
        regions.insert(0, primary)
    return StackView(tuple(resources), primary_region=primary, regions=tuple(regions))


# ========================================================================== evaluation ==
@dataclass
class RuleResult:
    """What one rule found over the whole stack."""

    rule: Rule
    outcome: Outcome
    examined: int
    violations: list[Finding] = field(default_factory=list)  # not waived
    waived: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # checks that could not be decided
    waiver_reasons: list[str] = field(default_factory=list)

    @property
    def resources(self) -> list[str]:
        """Logical names concerned by a violation (waived ones included)."""
        names = {f.resource or "(stack)" for f in (*self.violations, *self.waived)}
        return sorted(names)

    @property
    def messages(self) -> list[str]:
        return [f"{f.resource or 'stack'}: {f.message}" for f in self.violations]

    @property
    def waiver_reason(self) -> str | None:
        return "; ".join(dict.fromkeys(self.waiver_reasons)) or None


@dataclass
class ComplianceReport:
    results: list[RuleResult]

    @property
    def mandatory_failures(self) -> list[RuleResult]:
        return [
            r
            for r in self.results
            if r.outcome is Outcome.FAILED and r.rule.severity is Severity.MANDATORY
        ]

    @property
    def advisory_failures(self) -> list[RuleResult]:
        return [
            r
            for r in self.results
            if r.outcome is Outcome.FAILED and r.rule.severity is Severity.ADVISORY
        ]

    @property
    def passed(self) -> bool:
        """True when no mandatory rule fails (what decides the preview's exit code)."""
        return not self.mandatory_failures

    def result(self, rule_name: str) -> RuleResult:
        for result in self.results:
            if result.rule.name == rule_name:
                return result
        raise KeyError(rule_name)

    def failure_lines(self) -> list[str]:
        """One line per failing rule (mandatory first): the rule, what to change, where."""
        lines = []
        for result in [*self.mandatory_failures, *self.advisory_failures]:
            rule = result.rule
            lines.append(f"{rule.severity.value} rule {rule.name} failed: {rule.message}")
            lines.extend(f"  - {m}" for m in result.messages)
        return lines

    def to_dict(self) -> list[dict[str, Any]]:
        return [
            {
                "rule": r.rule.name,
                "severity": r.rule.severity.value,
                "outcome": r.outcome.value,
                "examined": r.examined,
                "resources": r.resources,
                "messages": r.messages,
                "message": r.rule.message if r.outcome is Outcome.FAILED else None,
                "waiverReason": r.waiver_reason,
                "notes": r.notes,
                "sources": list(r.rule.sources),
            }
            for r in self.results
        ]


def validate_waivers(waivers: Iterable[PolicyWaiver]) -> list[PolicyWaiver]:
    """Refuse waivers of unknown or mandatory rules (ValueError naming the rule)."""
    checked = []
    for waiver in waivers:
        rule = RULES_BY_NAME.get(waiver.rule)
        if rule is None:
            raise ValueError(
                f"policy waiver names unknown rule {waiver.rule!r} "
                f"(known: {', '.join(sorted(RULES_BY_NAME))})"
            )
        if rule.severity is Severity.MANDATORY:
            raise ValueError(
                f"policy waiver for {waiver.rule!r}: mandatory rules cannot be waived; "
                "fix the resource instead"
            )
        checked.append(waiver)
    return checked


def _waiver_for(finding: Finding, waivers: Sequence[PolicyWaiver]) -> PolicyWaiver | None:
    for waiver in waivers:
        for pattern in waiver.resources:
            if pattern == "*" or pattern == finding.resource:
                return waiver
            if finding.urn and finding.urn.endswith(f"::{pattern}"):
                return waiver
    return None


def evaluate_stack(stack: StackView, waivers: Iterable[PolicyWaiver] = ()) -> ComplianceReport:
    """Run every rule over a stack view; waivers apply to advisory rules only."""
    by_rule: dict[str, list[PolicyWaiver]] = defaultdict(list)
    for waiver in validate_waivers(waivers):
        by_rule[waiver.rule].append(waiver)
    results = []
    for rule in RULES:
        examined, findings = rule.evaluate(stack)
        result = RuleResult(rule, Outcome.PASSED, examined)
        for finding in findings:
            if finding.skipped:
                result.notes.append(f"{finding.resource or 'stack'}: {finding.message}")
                continue
            matched = _waiver_for(finding, by_rule.get(rule.name, []))
            if matched is None:
                result.violations.append(finding)
            else:
                result.waived.append(finding)
                result.waiver_reasons.append(matched.reason)
        if result.violations:
            result.outcome = Outcome.FAILED
        elif result.waived:
            result.outcome = Outcome.WAIVED
        results.append(result)
    return ComplianceReport(results)


def evaluate_plan(plan: Plan, waivers: Sequence[PolicyWaiver] | None = None) -> ComplianceReport:
    """Run every rule over an offline-preview plan.

    ``waivers`` defaults to the stack's own ``trade-pipeline:policyWaivers`` (``plan.config``).
    Raises ValueError when a waiver names an unknown or a mandatory rule.
    """
    if waivers is None:
        waivers = [PolicyWaiver.model_validate(w) for w in plan.config.get("policyWaivers") or ()]
    return evaluate_stack(stack_view_from_plan(plan), waivers)


# ================================================================================ table ==
_OUTCOME_STYLE: Final = {
    (Outcome.PASSED, Severity.MANDATORY): ("PASS", "green"),
    (Outcome.PASSED, Severity.ADVISORY): ("PASS", "green"),
    (Outcome.FAILED, Severity.MANDATORY): ("FAIL", "bold red"),
    (Outcome.FAILED, Severity.ADVISORY): ("WARN", "yellow"),
    (Outcome.WAIVED, Severity.MANDATORY): ("WAIVED", "cyan"),
    (Outcome.WAIVED, Severity.ADVISORY): ("WAIVED", "cyan"),
}


def _list_short(names: Sequence[str], limit: int = 3) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" +{len(names) - limit} more" if len(names) > limit else "")


def compliance_table(report: ComplianceReport) -> Table:
    """The compliance table the preview prints: rule, severity, result, resources, details."""
    from rich.table import Table
    from rich.text import Text

    passed = sum(r.outcome is Outcome.PASSED for r in report.results)
    table = Table(
        title=f"Compliance: {passed}/{len(report.results)} rules pass, "
        f"{len(report.mandatory_failures)} mandatory failure(s)",
        show_lines=False,
    )
    table.add_column("Rule", no_wrap=True)
    table.add_column("Severity")
    table.add_column("Result")
    table.add_column("Resources")
    table.add_column("Details", overflow="fold")
    for result in report.results:
        label, style = _OUTCOME_STYLE[(result.outcome, result.rule.severity)]
        if result.outcome is Outcome.PASSED:
            resources = f"{result.examined} checked" if result.examined else "none in stack"
            details = "; ".join(result.notes[:2]) if result.notes else result.rule.description
        elif result.outcome is Outcome.WAIVED:
            resources = _list_short(result.resources)
            details = f"waived: {result.waiver_reason}"
        else:
            resources = _list_short(result.resources)
            details = result.rule.message + "\n" + "\n".join(result.messages[:3])
            if len(result.messages) > 3:
                details += f"\n(+{len(result.messages) - 3} more)"
            if result.waived:
                details += f"\nwaived for some: {result.waiver_reason}"
        table.add_row(
            result.rule.name,
            result.rule.severity.value,
            Text(label, style=style),
            resources,
            details,
        )
    return table
