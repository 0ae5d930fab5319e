"""Lambda functions: tracing, runtime, architecture, concurrency, secrets, artifact, code
signing (when on)."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Final

from trade_pipeline.config.types import newest_python_runtime, supported_python_runtimes
from trade_pipeline.policies.model import (
    Finding,
    ResourceView,
    Severity,
    StackView,
    run_per_resource,
)
from trade_pipeline.policies.registry import resource_rule, stack_rule, value_rule
from trade_pipeline.policies.rules.sources import review_failure
from trade_pipeline.policies.values import as_list, get, known, number, read
from trade_pipeline.resource_types import CODE_SIGNING_CONFIG, FUNCTION, SIGNING_PROFILE

__all__ = [
    "lambda_arm64",
    "lambda_code_signing",
    "lambda_no_secrets_in_environment",
    "lambda_reproducible_artifact",
    "lambda_reserved_concurrency",
    "lambda_runtime_current",
    "lambda_runtime_newest",
    "lambda_tracing_active",
]

lambda_tracing_active = value_rule(
    "lambda-tracing-active",
    types=[FUNCTION],
    path=("tracingConfig", "mode"),
    expected="Active",
    description="Every Lambda function traces its invocations with X-Ray (tracing mode Active).",
    failure="tracingConfig.mode is {value!r}, not 'Active'",
    message="Set tracing_config=aws.lambda_.FunctionTracingConfigArgs(mode='Active') on the "
    "function.",
    sources=("checkov CKV_AWS_50", "cdk-nag Serverless-LambdaTracing", review_failure(4)),
)

_RUNTIMES: Final = ", ".join(supported_python_runtimes())

lambda_runtime_current = value_rule(
    "lambda-runtime-current",
    types=[FUNCTION],
    path=("runtime",),
    allowed=supported_python_runtimes(),
    description="Lambda functions run a supported Python runtime: one of the two newest known.",
    failure="runtime is {value!r}; supported: " + _RUNTIMES,
    message="Use one of the two newest Python runtimes pulumi-aws knows "
    f"({_RUNTIMES}): set trade-pipeline:lambdaRuntime.",
    sources=("checkov CKV_AWS_363", "cdk-nag AwsSolutions-L1", review_failure(3)),
)

lambda_runtime_newest = value_rule(
    "lambda-runtime-newest",
    types=[FUNCTION],
    path=("runtime",),
    expected=newest_python_runtime(),
    severity=Severity.ADVISORY,
    description="Lambda functions run the newest Python runtime pulumi-aws knows.",
    failure="runtime is {value!r}, the newest is " + repr(newest_python_runtime()),
    message=f"Move to {newest_python_runtime()} (trade-pipeline:lambdaRuntime).",
    sources=("cdk-nag Serverless-LambdaLatestVersion", "cdk-nag AwsSolutions-L1"),
)

lambda_arm64 = value_rule(
    "lambda-arm64",
    types=[FUNCTION],
    path=("architectures",),
    ok=lambda archs: as_list(archs) == ["arm64"],
    severity=Severity.ADVISORY,
    description="Lambda functions run on arm64 (Graviton).",
    failure=lambda archs: f"architectures is {as_list(archs) or ['x86_64 (default)']}",
    message="Set architectures=['arm64'] (trade-pipeline:lambdaArchitecture): cheaper per "
    "GB-second, and the artifact is built for it.",
    sources=("AWS Well-Architected serverless lens (cost)",),
)


@resource_rule(
    "lambda-reserved-concurrency",
    types=[FUNCTION],
    severity=Severity.ADVISORY,
    message="Set trade-pipeline:lambdaReservedConcurrency (the processor) or "
    "conflictDetectorReservedConcurrency (the detector), or waive this rule in the stack's "
    "policyWaivers with the reason.",
    sources=("checkov CKV_AWS_115", "cdk-nag HIPAA.Security-LambdaConcurrency"),
)
def lambda_reserved_concurrency(fn: ResourceView) -> Iterator[str]:
    """Lambda functions have a reserved (function-level) concurrency limit."""
    reserved = number(read(fn.props, "reservedConcurrentExecutions"))
    if reserved is None or reserved < 0:
        yield "no reserved concurrency: the function shares the account's unreserved pool"
    elif reserved == 0:
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
def lambda_no_secrets_in_environment(fn: ResourceView) -> Iterator[str]:
    """Lambda environment variables hold no secrets (names or values that look like one)."""
    variables = read(fn.props, "environment", "variables")
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
    sources=(review_failure(12),),
)
def lambda_reproducible_artifact(fn: ResourceView) -> Iterator[str]:
    """Lambda code is the reproducible zip artifact, with its content hash recorded."""
    code = read(fn.props, "code")
    path = _archive_path(code)
    if path is None:
        yield f"code is {type(code).__name__}, not a FileArchive of the built zip"
    elif not path.endswith(".zip"):
        yield f"code is the folder or file {path!r}, not the built .zip artifact"
    source_hash = known(fn.props.get("sourceCodeHash"), "sourceCodeHash")
    if not isinstance(source_hash, str) or not source_hash:
        yield "no sourceCodeHash: the deployed code would not follow the artifact's content"
        return
    if path is not None and path.endswith(".zip"):
        artifact = Path(path)
        if artifact.is_file() and source_hash not in _hash_forms(artifact):
            yield f"sourceCodeHash {source_hash!r} is not the SHA-256 of {path}"


def _code_signing_configs(stack: StackView) -> dict[Any, ResourceView]:
    """ARN -> code signing config, for the configs whose only publishers are Signer profiles
    of their region."""
    profiles = {
        (p.region, p.output("versionArn")) for p in stack.of_type(SIGNING_PROFILE) if p.region
    }
    configs = {}
    for csc in stack.of_type(CODE_SIGNING_CONFIG):
        publishers = as_list(get(csc.props, "allowedPublishers", "signingProfileVersionArns"))
        if publishers and all((csc.region, arn) in profiles for arn in publishers):
            configs[csc.output("arn")] = csc
    return configs


@stack_rule(
    "lambda-code-signing",
    types=[FUNCTION, CODE_SIGNING_CONFIG, SIGNING_PROFILE],
    message="With trade-pipeline:codeSigning on, give every function the code signing config "
    "of its region (RegionalCodeSigning): allowed publisher = the region's Signer profile; "
    "Enforce only for code deployed from a signed S3 object (a direct upload is unsigned).",
    sources=(
        "checkov CKV_AWS_272",
        "AWS Security Hub Lambda controls (code signing)",
        "https://docs.aws.amazon.com/lambda/latest/dg/configuration-codesigning.html",
        "https://docs.aws.amazon.com/signer/latest/developerguide/lambda-workflow.html",
    ),
)
def lambda_code_signing(stack: StackView) -> Iterator[Finding]:
    """When code signing is on (a code signing config or signing profile exists), every
    function names a config of its own region that trusts that region's Signer profile only;
    a config that enforces is named only by functions whose code comes from S3 (Lambda
    refuses an unsigned direct upload with CodeVerificationFailedException)."""
    if not stack.of_type(CODE_SIGNING_CONFIG, SIGNING_PROFILE):
        return  # code signing is off (trade-pipeline:codeSigning)
    configs = _code_signing_configs(stack)

    def check(fn: ResourceView) -> Iterator[str]:
        arn = read(fn.props, "codeSigningConfigArn")
        csc = configs.get(arn)
        if csc is None:
            yield f"code signing is on but {fn.name} has no code signing config of this stack"
        elif csc.region != fn.region:
            yield f"code signing config {arn} is in {csc.region}, the function in {fn.region}"
        elif (
            get(csc.props, "policies", "untrustedArtifactOnDeployment") == "Enforce"
            and read(fn.props, "s3Bucket") is None
        ):
            yield (
                f"{fn.name} deploys a direct upload under an Enforce code signing config: "
                "Lambda refuses unsigned code (deploy the signed S3 object, or use Warn)"
            )

    yield from run_per_resource(stack.of_type(FUNCTION), check)
