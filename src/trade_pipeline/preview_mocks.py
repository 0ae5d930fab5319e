"""The offline preview's mock engine: what it answers for each resource and data-source call.

The answers are shaped like AWS's, so the program and the tests derive values the way they
would from a deployed stack: every resource gets the ids, ARNs and URLs of its own region (the
region of the provider it was registered with: a queue's id is its URL, a function's ARN is
``arn:aws:lambda:<region>:<account>:function:<name>``, a VPC's id is ``vpc-0...``), and the
data sources (caller identity, partition, region, availability zones, endpoint services,
managed prefix lists) answer with one fixed account, :data:`MOCK_ACCOUNT_ID`. Ids are
derived from names (``uuid5``), so two previews of one program answer alike. A call the mocks
do not know raises instead of answering something made up.

:mod:`trade_pipeline.preview` runs the program with :class:`AwsMocks` and records what it
registered.
"""

from __future__ import annotations

import uuid
from typing import Any

from pulumi.runtime.mocks import MockCallArgs, MockResourceArgs, Mocks

from trade_pipeline import resource_types as rt

__all__ = ["MOCK_ACCOUNT_ID", "PROVIDER_TYPE", "AwsMocks"]

MOCK_ACCOUNT_ID = "123456789012"
PROVIDER_TYPE = rt.AWS_PROVIDER


def _arn(service: str, region: str, resource: str, account: str = MOCK_ACCOUNT_ID) -> str:
    return f"arn:aws:{service}:{region}:{account}:{resource}"


def _mock_state(
    typ: str, name: str, inputs: dict[str, Any], region: str
) -> tuple[str, dict[str, Any]]:
    """(id, outputs) of a resource, shaped like AWS's answers in ``region``."""
    physical = str(inputs.get("name") or name)
    state: dict[str, Any] = dict(inputs)

    def with_arn(arn: str, id_: str | None = None) -> tuple[str, dict[str, Any]]:
        state["arn"] = arn
        return id_ or physical, state

    match typ:
        case rt.TABLE:
            arn = _arn("dynamodb", region, f"table/{physical}")
            state["streamArn"] = f"{arn}/stream/2026-01-01T00:00:00.000"
            state["replicas"] = [
                {
                    **replica,
                    "arn": _arn("dynamodb", replica["regionName"], f"table/{physical}"),
                    "streamArn": _arn("dynamodb", replica["regionName"], f"table/{physical}")
                    + "/stream/2026-01-01T00:00:00.000",
                }
                for replica in inputs.get("replicas", [])
            ]
            return with_arn(arn)
        case rt.QUEUE:
            url = f"https://sqs.{region}.amazonaws.com/{MOCK_ACCOUNT_ID}/{physical}"
            state["url"] = url
            return with_arn(_arn("sqs", region, physical), url)
        case rt.TOPIC:
            arn = _arn("sns", region, physical)
            return with_arn(arn, arn)
        case rt.BUS:
            return with_arn(_arn("events", region, f"event-bus/{physical}"))
        case rt.EVENT_RULE:
            bus = inputs.get("eventBusName", "default")
            rule_path = f"rule/{physical}" if bus == "default" else f"rule/{bus}/{physical}"
            return with_arn(_arn("events", region, rule_path), f"{bus}|{physical}")
        case rt.ARCHIVE:
            return with_arn(_arn("events", region, f"archive/{physical}"))
        case rt.FUNCTION:
            arn = _arn("lambda", region, f"function:{physical}")
            state["invokeArn"] = (
                f"arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{arn}/invocations"
            )
            state["qualifiedArn"] = f"{arn}:$LATEST"
            state["version"] = "$LATEST"
            return with_arn(arn)
        case rt.ROLE:
            state["uniqueId"] = "AROA" + uuid.uuid5(uuid.NAMESPACE_URL, physical).hex[:17].upper()
            return with_arn(f"arn:aws:iam::{MOCK_ACCOUNT_ID}:role/{physical}")
        case rt.LOG_GROUP:
            return with_arn(_arn("logs", region, f"log-group:{physical}"))
        case rt.KMS_KEY:
            key_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{region}/{name}"))
            state["keyId"] = key_id
            return with_arn(_arn("kms", region, f"key/{key_id}"), key_id)
        case rt.ALIAS:
            return with_arn(_arn("kms", region, physical))
        case rt.ALARM:
            return with_arn(_arn("cloudwatch", region, f"alarm:{physical}"))
        case rt.IAM_POLICY:
            state["policyId"] = "ANPA" + uuid.uuid5(uuid.NAMESPACE_URL, physical).hex[:17].upper()
            return with_arn(f"arn:aws:iam::{MOCK_ACCOUNT_ID}:policy/{physical}")
        case rt.HEALTH_CHECK:
            check_id = str(uuid.uuid5(uuid.NAMESPACE_URL, name))
            return with_arn(f"arn:aws:route53:::healthcheck/{check_id}", check_id)
        case rt.EVENT_ENDPOINT:
            endpoint_id = uuid.uuid5(uuid.NAMESPACE_URL, physical).hex[:10] + ".veo"
            state["endpointUrl"] = f"https://{endpoint_id}.endpoint.events.amazonaws.com"
            return with_arn(_arn("events", region, f"endpoint/{physical}"))
        case rt.EVENT_SOURCE_MAPPING:
            mapping_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{region}/{name}"))
            state["uuid"] = mapping_id
            return with_arn(
                _arn("lambda", region, f"event-source-mapping:{mapping_id}"), mapping_id
            )
        case rt.DASHBOARD:
            state["dashboardArn"] = (
                f"arn:aws:cloudwatch::{MOCK_ACCOUNT_ID}:dashboard/{inputs.get('dashboardName')}"
            )
            return str(inputs.get("dashboardName")), state
        case rt.SIGNING_PROFILE:
            # name_prefix + the provider's 26-character unique suffix (naming.LIMITS)
            physical = str(inputs.get("name") or f"{inputs.get('namePrefix', '')}{'0' * 26}")
            state["name"] = physical
            arn = _arn("signer", region, f"/signing-profiles/{physical}")
            state["version"] = "v1"
            state["versionArn"] = f"{arn}/v1"
            return with_arn(arn)
        case rt.CODE_SIGNING_CONFIG:
            csc_id = "csc-" + uuid.uuid5(uuid.NAMESPACE_URL, f"{region}/{name}").hex[:17]
            state["configId"] = csc_id
            return with_arn(_arn("lambda", region, f"code-signing-config:{csc_id}"))
        case rt.BACKUP_VAULT:
            return with_arn(_arn("backup", region, f"backup-vault:{physical}"))
        case rt.BACKUP_PLAN:
            plan_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{region}/{name}"))
            return with_arn(_arn("backup", region, f"backup-plan:{plan_id}"), plan_id)
        case rt.TOPIC_SUBSCRIPTION:
            return with_arn(f"{inputs.get('topic')}:{uuid.uuid5(uuid.NAMESPACE_URL, name)}")
    if typ in _EC2_ID_PREFIXES:  # VPC pieces: AWS-shaped ids (vpc-0123...), ARNs by id
        prefix, arn_type = _EC2_ID_PREFIXES[typ]
        id_ = f"{prefix}-0{uuid.uuid5(uuid.NAMESPACE_URL, f'{region}/{name}').hex[:16]}"
        state["id"] = id_
        return with_arn(_arn("ec2", region, f"{arn_type}/{id_}"), id_)
    return f"{name}-id", state


# type -> (id prefix, ARN resource type) of the EC2 resources of networkMode vpc
_EC2_ID_PREFIXES: dict[str, tuple[str, str]] = {
    rt.VPC: ("vpc", "vpc"),
    rt.SUBNET: ("subnet", "subnet"),
    rt.ROUTE_TABLE: ("rtb", "route-table"),
    rt.SECURITY_GROUP: ("sg", "security-group"),
    rt.DEFAULT_SECURITY_GROUP: ("sg", "security-group"),
    rt.SG_EGRESS_RULE: ("sgr", "security-group-rule"),
    rt.SG_INGRESS_RULE: ("sgr", "security-group-rule"),
    rt.VPC_ENDPOINT: ("vpce", "vpc-endpoint"),
    rt.FLOW_LOG: ("fl", "vpc-flow-log"),
}

# The preview's answer to getAvailabilityZones: three zones without opt-in in every region (most
# regions have three; the real call asks the account).
_ZONES_PER_REGION = 3
_COMPASS = {"north": "n", "south": "s", "east": "e", "west": "w", "central": "c"}


def _zone_id_prefix(region: str) -> str:
    """``us-east-1`` -> ``use1``, ``ap-southeast-2`` -> ``apse2``: AWS's AZ id prefixes."""
    area, direction, number = region.rsplit("-", 2)
    short = direction
    for word, letter in _COMPASS.items():
        short = short.replace(word, letter)
    return f"{area.replace('-', '')}{short}{number}"


def _availability_zones(region: str) -> dict[str, Any]:
    count = _ZONES_PER_REGION
    return {
        "id": region,
        "names": [f"{region}{chr(ord('a') + i)}" for i in range(count)],
        "zoneIds": [f"{_zone_id_prefix(region)}-az{i + 1}" for i in range(count)],
        "groupNames": [region] * count,
        "state": "available",
    }


def _vpc_endpoint_service(region: str, name: str) -> dict[str, Any]:
    """An AWS service's interface endpoint service, offered in every zone of the preview's
    region (DescribeVpcEndpointServices answers with zone names)."""
    prefix = f"com.amazonaws.{region}."
    if not name.startswith(prefix):
        raise ValueError(f"no endpoint service {name!r} in {region}")
    service = name.removeprefix(prefix)
    id_ = f"vpce-svc-{uuid.uuid5(uuid.NAMESPACE_URL, name).hex[:17]}"
    return {
        "id": name,
        "serviceName": name,
        "serviceType": "Interface",
        "service": service,
        "serviceId": id_,
        "owner": "amazon",
        "acceptanceRequired": False,
        "managesVpcEndpoints": False,
        "vpcEndpointPolicySupported": True,
        "availabilityZones": _availability_zones(region)["names"],
        "baseEndpointDnsNames": [f"{service}.{region}.vpce.amazonaws.com"],
        "privateDnsName": f"{service}.{region}.amazonaws.com",
        "privateDnsNames": [f"{service}.{region}.amazonaws.com"],
        "supportedIpAddressTypes": ["ipv4"],
        "region": region,
        "serviceRegion": region,
        "tags": {},
    }


def _managed_prefix_list(region: str, name: str) -> dict[str, Any]:
    id_ = f"pl-{uuid.uuid5(uuid.NAMESPACE_URL, f'{region}/{name}').hex[:8]}"
    return {
        "id": id_,
        "name": name,
        "arn": f"arn:aws:ec2:{region}:aws:prefix-list/{id_}",
        "addressFamily": "IPv4",
        "ownerId": "AWS",
        "entries": [],
    }


class AwsMocks(Mocks):
    """Answers resource registrations and data-source calls like AWS in each region."""

    def __init__(self) -> None:
        self.region_of_provider_id: dict[str, str] = {}
        self.pending: dict[
            tuple[str, str], tuple[MockResourceArgs, str | None, dict[str, Any]]
        ] = {}

    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        if args.typ == PROVIDER_TYPE:
            id_ = f"{args.name}-provider"
            self.region_of_provider_id[id_] = str(args.inputs.get("region"))
            result: tuple[str | None, dict[str, Any]] = (id_, dict(args.inputs))
        elif not args.custom:
            result = (None, {})
        else:
            region = self.region_of(args.provider)
            id_, state = _mock_state(args.typ, args.name, args.inputs, region or "no-region")
            result = (id_, state)
        self.pending[(args.typ, args.name)] = (args, *result)
        return result

    def region_of(self, provider_ref: str | None) -> str | None:
        if not provider_ref:
            return None
        return self.region_of_provider_id.get(provider_ref.rsplit("::", 1)[-1])

    def call(self, args: MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        region = self.region_of(args.provider) or "no-region"
        match args.token:
            case "aws:index/getCallerIdentity:getCallerIdentity":
                return {
                    "accountId": MOCK_ACCOUNT_ID,
                    "arn": f"arn:aws:iam::{MOCK_ACCOUNT_ID}:user/preview",
                    "userId": "AIDAPREVIEW",
                    "id": MOCK_ACCOUNT_ID,
                }, []
            case "aws:index/getPartition:getPartition":
                return {
                    "partition": "aws",
                    "dnsSuffix": "amazonaws.com",
                    "reverseDnsPrefix": "com.amazonaws",
                    "id": "aws",
                }, []
            case "aws:index/getRegion:getRegion":
                return {"name": region, "region": region, "id": region}, []
            case "aws:index/getAvailabilityZones:getAvailabilityZones":
                return _availability_zones(region), []
            case "aws:ec2/getVpcEndpointService:getVpcEndpointService":
                return _vpc_endpoint_service(region, str(args.args.get("serviceName") or "")), []
            case "aws:ec2/getManagedPrefixList:getManagedPrefixList":
                name = str(args.args.get("name") or "")
                if name != f"com.amazonaws.{region}.dynamodb" and not name.endswith(".s3"):
                    raise ValueError(f"no AWS-managed prefix list {name!r} in {region}")
                return _managed_prefix_list(region, name), []
        raise NotImplementedError(f"the offline preview has no mock for {args.token}")
