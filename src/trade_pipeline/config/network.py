"""Private networking config: the network mode, each region's VPC CIDR, and the rules they obey.

Every range is derived from the CIDR a stack configures for a region (Python ``ipaddress``);
nothing is hard-coded. The rules, each reported as one line naming the key, the region and the
value (``errors.error_lines`` splits the problems into lines):

- a CIDR is an IPv4 network address (no host bits) in an RFC 1918 private range;
- its prefix is between /16 and /24 (AWS accepts VPCs from /16 to /28; a /24 still leaves each
  of up to six private subnets a /27);
- it is large enough for its subnets: the subnets split it into equal blocks, one per
  availability zone, and AWS creates no subnet smaller than /28;
- no two regions overlap (the VPCs may be peered later);
- with ``networkMode: vpc`` every configured region has a CIDR, and no CIDR names a region the
  stack does not deploy to.

>>> [str(s) for s in private_subnets(ipaddress.IPv4Network("10.20.0.0/16"), 3)]
['10.20.0.0/18', '10.20.64.0/18', '10.20.128.0/18']
"""

from __future__ import annotations

import ipaddress
import math
from collections.abc import Iterator, Mapping, Sequence
from enum import StrEnum
from typing import Final

__all__ = [
    "MAX_VPC_PREFIX",
    "MIN_VPC_PREFIX",
    "RFC1918",
    "SMALLEST_SUBNET_PREFIX",
    "NetworkMode",
    "network_problems",
    "parse_cidr",
    "private_subnets",
]


class NetworkMode(StrEnum):
    """``none``: functions run in Lambda's own network (no VPC, nothing to pay);
    ``vpc``: every function runs in private subnets of a VPC per region, with no route to the
    internet and endpoints for the AWS services it calls."""

    NONE = "none"
    VPC = "vpc"


RFC1918: Final = tuple(
    ipaddress.IPv4Network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")
)
MIN_VPC_PREFIX: Final = 16  # the largest VPC AWS creates
MAX_VPC_PREFIX: Final = 24  # our floor: room for up to six subnets of /27
SMALLEST_SUBNET_PREFIX: Final = 28  # AWS: a subnet is between /16 and /28

_KEY: Final = "vpcCidrs"


def parse_cidr(value: object) -> ipaddress.IPv4Network:
    """The IPv4 network ``value`` writes; ValueError naming the rule it broke."""
    text = str(value).strip()
    try:
        network = ipaddress.ip_network(text, strict=True)
    except ValueError as exc:
        if "has host bits set" in str(exc):
            raise ValueError("has host bits set; write the network address") from None
        raise ValueError("not a CIDR block (e.g. 10.20.0.0/16)") from None
    if not isinstance(network, ipaddress.IPv4Network) or "/" not in text:
        raise ValueError("not an IPv4 CIDR block (e.g. 10.20.0.0/16)")
    return network


def private_subnets(network: ipaddress.IPv4Network, count: int) -> list[ipaddress.IPv4Network]:
    """``count`` equal, non-overlapping subnets at the start of ``network``.

    The network is split into the smallest power of two of blocks that holds ``count``; blocks
    beyond ``count`` stay free for later use.
    """
    extra_bits = math.ceil(math.log2(count)) if count > 1 else 0
    return list(network.subnets(prefixlen_diff=extra_bits))[:count]


def _cidr_problems(region: str, value: object, zones: int) -> Iterator[str]:
    where = f"{_KEY}.{region}"
    try:
        network = parse_cidr(value)
    except ValueError as exc:
        yield f"{where}: {exc}"
        return
    if not any(network.subnet_of(block) for block in RFC1918):
        yield (
            f"{where}: not an RFC 1918 private range (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16)"
        )
    if not MIN_VPC_PREFIX <= network.prefixlen <= MAX_VPC_PREFIX:
        yield f"{where}: prefix /{network.prefixlen} outside /{MIN_VPC_PREFIX} to /{MAX_VPC_PREFIX}"
    elif private_subnets(network, zones)[0].prefixlen > SMALLEST_SUBNET_PREFIX:
        yield (
            f"{where}: too small for {zones} subnets (each would be smaller than "
            f"/{SMALLEST_SUBNET_PREFIX}, the smallest subnet AWS creates)"
        )


def _overlaps(cidrs: Mapping[str, object]) -> Iterator[str]:
    parsed: list[tuple[str, ipaddress.IPv4Network]] = []
    for region, value in cidrs.items():
        try:
            parsed.append((region, parse_cidr(value)))
        except ValueError:
            continue  # reported by _cidr_problems
    for index, (region, network) in enumerate(parsed):
        for other, other_network in parsed[index + 1 :]:
            if network.overlaps(other_network):
                yield (
                    f"{_KEY}.{other}: {other_network} overlaps {region}'s {network}; "
                    "region CIDRs must not overlap (the VPCs may be peered)"
                )


def network_problems(
    mode: NetworkMode,
    cidrs: Mapping[str, object],
    regions: Sequence[str],
    zones: int,
    flow_logs: bool,
) -> list[str]:
    """Every problem of the network config, one ``<key>: <rule>`` string each."""
    problems: list[str] = []
    for region, value in cidrs.items():
        problems.extend(_cidr_problems(region, value, zones))
    problems.extend(_overlaps(cidrs))
    if mode is NetworkMode.VPC:
        for region in regions:
            if region not in cidrs:
                problems.append(
                    f"{_KEY}.{region}: no CIDR for region {region} (networkMode is vpc: every "
                    "region needs one)"
                )
        for region in cidrs:
            if region not in regions:
                problems.append(f"{_KEY}.{region}: {region} is not a region of this stack")
    elif flow_logs:
        problems.append("vpcFlowLogs: flow logs need networkMode vpc")
    return problems
