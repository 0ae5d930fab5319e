"""Lambda code signing in one region (optional, ``trade-pipeline:codeSigning``).

An AWS Signer signing profile for the Lambda platform (a generated name: a deleted profile's
name stays taken), and a code signing config naming that profile as the only publisher, with
``codeSigningPolicy``: ``Warn`` (Lambda deploys unsigned code and records a warning) or
``Enforce`` (Lambda blocks it). The functions deploy the zip the program builds as a direct
upload, which no signing job signed, so config refuses ``Enforce`` for now
(https://docs.aws.amazon.com/lambda/latest/dg/configuration-codesigning.html); what a user
does to sign the artifact is in ``docs/production.md``.
"""

from __future__ import annotations

from typing import Final

import pulumi
import pulumi_aws as aws

from trade_pipeline.components.context import RegionalContext

__all__ = ["SIGNING_PLATFORM", "RegionalCodeSigning"]

# The Signer platform for Lambda code (AWS Signer Developer Guide, "Signing platforms").
SIGNING_PLATFORM: Final = "AWSLambda-SHA384-ECDSA"


class RegionalCodeSigning(pulumi.ComponentResource):
    """Signing profile and code signing config; ``arn`` goes to the function."""

    profile: aws.signer.SigningProfile
    config: aws.lambda_.CodeSigningConfig
    arn: pulumi.Output[str]

    def __init__(
        self, name: str, context: RegionalContext, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("trade-pipeline:index:RegionalCodeSigning", name, None, opts)
        self.profile = aws.signer.SigningProfile(
            f"{name}-profile",
            # a generated name: a deleted (cancelled) profile keeps its name for two years
            # (Naming.signing_profile_prefix)
            name_prefix=context.naming.signing_profile_prefix,
            platform_id=SIGNING_PLATFORM,
            opts=context.child_options(self),
        )
        self.config = aws.lambda_.CodeSigningConfig(
            f"{name}-config",
            description="Trade processor: code signed by "
            f"{context.naming.signing_profile_prefix}* only",
            allowed_publishers=aws.lambda_.CodeSigningConfigAllowedPublishersArgs(
                signing_profile_version_arns=[self.profile.version_arn]
            ),
            policies=aws.lambda_.CodeSigningConfigPoliciesArgs(
                # Warn: config refuses Enforce while the functions deploy a direct upload
                # (rules.code_signing_enforced_only_on_signed_code)
                untrusted_artifact_on_deployment=context.config.code_signing_policy.value
            ),
            opts=context.child_options(self),
        )
        self.arn = self.config.arn
        self.register_outputs({"arn": self.arn, "profile": self.profile.name})
