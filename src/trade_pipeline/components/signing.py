"""Lambda code signing in one region (optional, ``trade-pipeline:codeSigning``).

An AWS Signer signing profile for the Lambda platform, and a code signing config that lets the
function run only code signed by that profile (``Enforce``: an unsigned or tampered artifact is
refused at deployment). Signing the artifact needs a signing job in a real account; what a user
does is in ``docs/production.md``.
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
            name=context.naming.signing_profile,
            platform_id=SIGNING_PLATFORM,
            opts=context.child_options(self),
        )
        self.config = aws.lambda_.CodeSigningConfig(
            f"{name}-config",
            description=f"Trade processor: code signed by {context.naming.signing_profile} only",
            allowed_publishers=aws.lambda_.CodeSigningConfigAllowedPublishersArgs(
                signing_profile_version_arns=[self.profile.version_arn]
            ),
            policies=aws.lambda_.CodeSigningConfigPoliciesArgs(
                untrusted_artifact_on_deployment="Enforce"
            ),
            opts=context.child_options(self),
        )
        self.arn = self.config.arn
        self.register_outputs({"arn": self.arn, "profile": self.profile.name})
