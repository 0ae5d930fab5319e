"""Every Lambda function of the stack goes into its region's VPC (``networkMode: vpc``).

Attachment is not left to each component that creates a function: a stack transformation,
registered once before any function exists, gives every ``aws:lambda/function:Function`` of a
region the ``vpc_config`` of that region's network (its private subnets, the functions' security
group), and gives the function's role two inline policies with the network permissions Lambda
needs to attach it: ``<function>-vpc-access`` (``iam.function_vpc_access_policy``: create
interfaces in the region's subnets, with its groups) and ``<function>-vpc-teardown``
(``iam.function_vpc_teardown_policy``: describe, delete, assign and unassign, naming no network
resource). The function waits for both: Lambda checks them when the function is created.

Lambda removes a deleted function's interfaces later, asynchronously, with the function's role
("Lambda uses your function's permissions to create and manage network interfaces",
https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html), and the subnets and
groups cannot be deleted while an interface is in them. So the teardown grant is handed to the
network (``RegionalNetwork.add_teardown_grant``): its subnets and groups depend on it, and
Pulumi deletes them before it (and before the role it belongs to). ``<function>-vpc-access``
names the subnets, so it depends on them and goes right after the function; deleting
interfaces does not need it.

A function added later (another processor, a conflict detector) is attached without a line of
network code; the ``network-functions-in-vpc`` rule fails the preview if one is not.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pulumi
import pulumi_aws as aws

from trade_pipeline import iam
from trade_pipeline import resource_types as rt
from trade_pipeline.components.context import RegionalContext
from trade_pipeline.components.network import RegionalNetwork

__all__ = ["attach_every_function"]


def _role_name(role_arn: str) -> str:
    """``arn:aws:iam::<account>:role/<path>/<name>`` -> ``<name>``."""
    return role_arn.rsplit("/", 1)[-1]


def _provider_of(args: pulumi.ResourceTransformationArgs) -> Any:
    if args.opts.provider is not None:
        return args.opts.provider
    parent = args.opts.parent
    return getattr(parent, "_providers", {}).get("aws") if parent is not None else None


class _Attacher:
    """The transformation: finds a function's region from its provider, attaches it."""

    def __init__(
        self, contexts: Mapping[str, RegionalContext], networks: Mapping[str, RegionalNetwork]
    ) -> None:
        self._contexts, self._networks = contexts, networks

    def _region_of(self, args: pulumi.ResourceTransformationArgs) -> str:
        provider = _provider_of(args)
        for region, context in self._contexts.items():
            if region in self._networks and context.provider is provider:
                return region
        raise ValueError(
            f"function {args.name}: no network for its provider; every function of a "
            "networkMode vpc stack must use a configured region's provider"
        )

    def __call__(
        self, args: pulumi.ResourceTransformationArgs
    ) -> pulumi.ResourceTransformationResult | None:
        if args.type_ != rt.FUNCTION:
            return None
        if args.props.get("vpc_config") is not None:
            raise ValueError(
                f"function {args.name} sets vpc_config itself; the stack attaches every "
                "function to its region's network (components/attachment.py)"
            )
        region = self._region_of(args)
        network, context = self._networks[region], self._contexts[region]
        access = self._access_policy(args, context, network)
        teardown = self._teardown_policy(args, context)
        network.add_teardown_grant(teardown)
        props = dict(args.props)
        props["vpc_config"] = aws.lambda_.FunctionVpcConfigArgs(
            subnet_ids=network.subnet_ids,
            security_group_ids=[network.function_security_group.id],
        )
        # Before deleting the function the provider moves its interfaces to the VPC's default
        # group (no rules) and waits for that update, so the functions' group is free of them
        # and can be deleted (terraform-provider-aws, lambda/function.go,
        # replaceSecurityGroupsOnDestroy; the arguments are not deprecated in pulumi-aws 7).
        # The group is named explicitly rather than looked up by name at destroy time.
        props["replace_security_groups_on_destroy"] = True
        props["replacement_security_group_ids"] = [network.default_security_group.id]
        opts = pulumi.ResourceOptions.merge(
            args.opts, pulumi.ResourceOptions(depends_on=[access, teardown])
        )
        return pulumi.ResourceTransformationResult(props, opts)

    @staticmethod
    def _access_policy(
        args: pulumi.ResourceTransformationArgs,
        context: RegionalContext,
        network: RegionalNetwork,
    ) -> aws.iam.RolePolicy:
        role_arn = pulumi.Output.from_input(args.props["role"])
        grants = pulumi.Output.all(
            context.partition,
            context.account_id,
            network.vpc.id,
            network.function_security_group.id,
            network.default_security_group.id,
            *network.subnet_ids,
        ).apply(
            lambda a: iam.FunctionNetwork(
                partition=a[0],
                region=context.region,
                account_id=a[1],
                vpc_id=a[2],
                # the default group too: moving the interfaces to it on destroy makes Lambda
                # create interfaces in it, which CreateNetworkInterface must allow
                security_group_ids=[a[3], a[4]],
                subnet_ids=a[5:],
            )
        )
        return aws.iam.RolePolicy(
            f"{args.name}-vpc-access",
            # One policy per function, named after it: two functions sharing a role must not
            # overwrite each other's inline policy.
            name=f"{args.name}-vpc-access"[:128],
            role=role_arn.apply(_role_name),
            policy=grants.apply(lambda g: json.dumps(iam.function_vpc_access_policy(g))),
            opts=context.providers.opts(context.region, parent=args.opts.parent),
        )

    @staticmethod
    def _teardown_policy(
        args: pulumi.ResourceTransformationArgs, context: RegionalContext
    ) -> aws.iam.RolePolicy:
        """Reads the role, the account and the partition, nothing of the network: the network
        depends on it, so it must not depend on the network (that would be a cycle)."""
        role_arn = pulumi.Output.from_input(args.props["role"])
        document = pulumi.Output.all(context.partition, context.account_id).apply(
            lambda a: json.dumps(iam.function_vpc_teardown_policy(a[0], context.region, a[1]))
        )
        return aws.iam.RolePolicy(
            f"{args.name}-vpc-teardown",
            name=f"{args.name}-vpc-teardown"[:128],
            role=role_arn.apply(_role_name),
            policy=document,
            opts=context.providers.opts(context.region, parent=args.opts.parent),
        )


def attach_every_function(
    contexts: Mapping[str, RegionalContext], networks: Mapping[str, RegionalNetwork]
) -> None:
    """Register the transformation; call it before the first function is created."""
    pulumi.runtime.register_stack_transformation(_Attacher(contexts, networks))
