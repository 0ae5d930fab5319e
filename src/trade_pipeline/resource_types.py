"""Pulumi type tokens of the resources this project creates, checks or reads back.

One module owns them so that the compliance rules, the offline preview, the CLI and the tests
agree on the spelling. A token is ``<package>:<module>/<camelName>:<Kind>``, as the engine and
CrossGuard report it:

>>> FUNCTION
'aws:lambda/function:Function'
>>> short(FUNCTION)
'lambda:Function'
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "ALARM",
    "ALIAS",
    "ARCHIVE",
    "AWS_PROVIDER",
    "BACKUP_PLAN",
    "BACKUP_SELECTION",
    "BACKUP_VAULT",
    "BUS",
    "BUS_POLICY",
    "CODE_SIGNING_CONFIG",
    "DASHBOARD",
    "DEFAULT_SECURITY_GROUP",
    "EGRESS_ONLY_INTERNET_GATEWAY",
    "EVENT_ENDPOINT",
    "EVENT_PERMISSION",
    "EVENT_RULE",
    "EVENT_SOURCE_MAPPING",
    "FLOW_LOG",
    "FUNCTION",
    "GROUP_POLICY",
    "HEALTH_CHECK",
    "IAM_POLICY",
    "INTERNET_GATEWAY",
    "INVOKE_CONFIG",
    "KMS_KEY",
    "LEGACY_GLOBAL_TABLE",
    "LOG_GROUP",
    "NAT_GATEWAY",
    "PERMISSION",
    "POLICY_ATTACHMENTS",
    "QUEUE",
    "QUEUE_POLICY",
    "ROLE",
    "ROLE_POLICY",
    "ROUTE",
    "ROUTE_TABLE",
    "ROUTE_TABLE_ASSOCIATION",
    "SCHEDULE",
    "SECURITY_GROUP",
    "SECURITY_GROUP_RULE",
    "SG_EGRESS_RULE",
    "SG_INGRESS_RULE",
    "SIGNING_PROFILE",
    "SUBNET",
    "TABLE",
    "TARGET",
    "TOPIC",
    "TOPIC_POLICY",
    "TOPIC_SUBSCRIPTION",
    "USER_POLICY",
    "VPC",
    "VPC_ENDPOINT",
    "short",
]

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
TOPIC_SUBSCRIPTION: Final = "aws:sns/topicSubscription:TopicSubscription"
ALARM: Final = "aws:cloudwatch/metricAlarm:MetricAlarm"
DASHBOARD: Final = "aws:cloudwatch/dashboard:Dashboard"
EVENT_ENDPOINT: Final = "aws:cloudwatch/eventEndpoint:EventEndpoint"
EVENT_SOURCE_MAPPING: Final = "aws:lambda/eventSourceMapping:EventSourceMapping"
HEALTH_CHECK: Final = "aws:route53/healthCheck:HealthCheck"
KMS_KEY: Final = "aws:kms/key:Key"
ALIAS: Final = "aws:kms/alias:Alias"
AWS_PROVIDER: Final = "pulumi:providers:aws"
# Optional production features: code signing, backups.
SIGNING_PROFILE: Final = "aws:signer/signingProfile:SigningProfile"
CODE_SIGNING_CONFIG: Final = "aws:lambda/codeSigningConfig:CodeSigningConfig"
BACKUP_VAULT: Final = "aws:backup/vault:Vault"
BACKUP_PLAN: Final = "aws:backup/plan:Plan"
BACKUP_SELECTION: Final = "aws:backup/selection:Selection"
VPC: Final = "aws:ec2/vpc:Vpc"
SUBNET: Final = "aws:ec2/subnet:Subnet"
VPC_ENDPOINT: Final = "aws:ec2/vpcEndpoint:VpcEndpoint"
SCHEDULE: Final = "aws:scheduler/schedule:Schedule"

# Private networking (networkMode vpc; VPC, SUBNET and VPC_ENDPOINT above)
ROUTE_TABLE: Final = "aws:ec2/routeTable:RouteTable"
ROUTE_TABLE_ASSOCIATION: Final = "aws:ec2/routeTableAssociation:RouteTableAssociation"
ROUTE: Final = "aws:ec2/route:Route"
SECURITY_GROUP: Final = "aws:ec2/securityGroup:SecurityGroup"
DEFAULT_SECURITY_GROUP: Final = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"
SECURITY_GROUP_RULE: Final = "aws:ec2/securityGroupRule:SecurityGroupRule"
SG_EGRESS_RULE: Final = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
SG_INGRESS_RULE: Final = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
FLOW_LOG: Final = "aws:ec2/flowLog:FlowLog"
INTERNET_GATEWAY: Final = "aws:ec2/internetGateway:InternetGateway"
EGRESS_ONLY_INTERNET_GATEWAY: Final = "aws:ec2/egressOnlyInternetGateway:EgressOnlyInternetGateway"
NAT_GATEWAY: Final = "aws:ec2/natGateway:NatGateway"


def short(type_: str) -> str:
    """``aws:lambda/function:Function`` -> ``lambda:Function`` (other packages unchanged)."""
    pkg, _, rest = type_.partition(":")
    module, _, kind = rest.partition(":")
    return f"{module.split('/')[0]}:{kind}" if pkg == "aws" else type_
