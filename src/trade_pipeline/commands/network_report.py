"""What the preview shows of ``networkMode: vpc``, and what the mode adds to the bill.

Per region, read back from the plan: the VPC and its CIDR, the private subnets with their
zones, the endpoints, where the functions' security group lets traffic go, how many of the
region's functions are attached, flow logs, and the fixed monthly cost the mode adds.

The fixed cost is the interface endpoints' hours: AWS bills each interface endpoint per
availability zone it has a network interface in, per hour, plus a charge per GB it processes.
Gateway endpoints (DynamoDB) and the VPC, subnets, route tables and security groups cost
nothing. Flow logs cost what CloudWatch Logs charges for the lines they write (traffic-bound,
not fixed). The prices are those of ``trade-pipeline cost`` (``trade_pipeline.cost.prices``),
which prices the same endpoints in its estimate.
"""

from __future__ import annotations

from typing import Any, Final

from rich.console import Console

from trade_pipeline import resource_types as rt
from trade_pipeline.cost.model import HOURS_PER_MONTH
from trade_pipeline.cost.prices import AT_BASELINE, price_of
from trade_pipeline.preview import Plan, PlannedResource
from trade_pipeline.tables import FitTable

__all__ = [
    "AZ_HOUR_PRICE",
    "GB_PRICE",
    "network_summary",
    "render_network",
    "vpc_monthly_cost",
]

# The prices come from the one price table of ``trade-pipeline cost`` (sourced, dated); a region
# it has no figures of its own for is priced at us-east-1 rates, and the table says so.
AZ_HOUR_PRICE: Final = "vpc.interface_endpoint_az_hour"
GB_PRICE: Final = "vpc.interface_endpoint_gb"


def _interface_endpoints(resources: list[PlannedResource]) -> list[PlannedResource]:
    return [
        r
        for r in resources
        if r.type == rt.VPC_ENDPOINT and r.inputs.get("vpcEndpointType") == "Interface"
    ]


def vpc_monthly_cost(plan: Plan, region: str) -> tuple[int, float, bool]:
    """(interface endpoint AZ-hours a month, their cost in USD, whether the region is priced)."""
    az_endpoints = sum(
        len(e.inputs.get("subnetIds") or []) for e in _interface_endpoints(plan.in_region(region))
    )
    hours = az_endpoints * HOURS_PER_MONTH
    price, priced = price_of(AZ_HOUR_PRICE, region)
    return hours, hours * price.usd, priced


def _egress(plan: Plan, region: str, group_ids: set[str]) -> list[str]:
    """Where the functions' security groups let traffic go, one string per rule."""
    names = {r.id: r.name for r in plan.in_region(region)}
    out = []
    for rule in plan.in_region(region):
        if rule.type != rt.SG_EGRESS_RULE or rule.inputs.get("securityGroupId") not in group_ids:
            continue
        target = rule.inputs.get("referencedSecurityGroupId") or rule.inputs.get("prefixListId")
        target = target or rule.inputs.get("cidrIpv4") or rule.inputs.get("cidrIpv6")
        label = names.get(str(target), str(target)).removeprefix(f"network-{region}-")
        if rule.inputs.get("prefixListId"):
            label += " (AWS prefix list)"
        out.append(f"{int(rule.inputs.get('toPort') or 0)} -> {label}")
    return out


def network_summary(plan: Plan, region: str) -> dict[str, Any]:
    """The network of one region, read back from the plan's inputs."""
    resources = plan.in_region(region)
    vpc = next((r for r in resources if r.type == rt.VPC), None)
    functions = [r for r in resources if r.type == rt.FUNCTION]
    attached = [f for f in functions if (f.inputs.get("vpcConfig") or {}).get("subnetIds")]
    group_ids = {g for f in attached for g in f.inputs["vpcConfig"].get("securityGroupIds", [])}
    endpoints = [r for r in resources if r.type == rt.VPC_ENDPOINT]
    hours, cost, priced = vpc_monthly_cost(plan, region)
    return {
        "vpc": f"{vpc.id} {vpc.inputs.get('cidrBlock')}" if vpc else "none",
        "subnets": [
            f"{r.inputs.get('cidrBlock')} {r.inputs.get('availabilityZoneId')}"
            for r in resources
            if r.type == rt.SUBNET
        ],
        "endpoints": [
            f"{str(e.inputs.get('serviceName')).rsplit('.', 1)[-1]} "
            f"({str(e.inputs.get('vpcEndpointType')).lower()})"
            for e in endpoints
        ],
        "egress": _egress(plan, region, group_ids),
        "functions": f"{len(attached)}/{len(functions)}",
        "flow_logs": any(r.type == rt.FLOW_LOG for r in resources),
        "az_hours": hours,
        "monthly_usd": cost,
        "priced": priced,
    }


def network_table(plan: Plan, regions: tuple[str, ...]) -> FitTable:
    """The private-network table, a row per region."""
    table = FitTable(title="private network (networkMode vpc) per region")
    for column in ("region", "VPC", "private subnets (zone id)", "endpoints"):
        table.add_column(column)
    for column in ("functions SG egress", "functions attached", "flow logs", "adds / month"):
        table.add_column(column)
    for region in regions:
        s = network_summary(plan, region)
        table.add_row(
            region,
            s["vpc"],
            "\n".join(s["subnets"]),
            "\n".join(s["endpoints"]),
            "\n".join(s["egress"]) or "none",
            s["functions"],
            "on" if s["flow_logs"] else "off",
            f"${s['monthly_usd']:.2f} ({s['az_hours']} AZ-h)"
            + ("" if s["priced"] else f"\n{AT_BASELINE}"),
        )
    return table


def render_network(plan: Plan, regions: tuple[str, ...], console: Console) -> None:
    """The private-network table (nothing when the stack has no VPC)."""
    if not plan.by_type(rt.VPC):
        return
    console.print(network_table(plan, regions))
    total = sum(vpc_monthly_cost(plan, r)[1] for r in regions)
    hour, gb = price_of(AZ_HOUR_PRICE, regions[0])[0], price_of(GB_PRICE, regions[0])[0]
    console.print(
        f"networkMode vpc adds ${total:.2f}/month in fixed interface-endpoint hours "
        f"(${hour.usd} per endpoint per AZ-hour, plus ${gb.usd}/GB through them; "
        "`trade-pipeline cost` prices them too); gateway endpoints, VPCs and security groups "
        "are free; flow logs cost their CloudWatch Logs ingestion."
    )
