"""networkMode and vpcCidrs: every bad value stops the program with one line naming it."""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest

from tests.unit.test_cli import run_cli
from trade_pipeline.config.errors import ConfigError
from trade_pipeline.config.model import PipelineConfig
from trade_pipeline.config.network import NetworkMode, private_subnets

REGIONS = {"primaryRegion": "us-east-1", "secondaryRegions": ["us-west-2", "eu-west-1"]}
GOOD = {"us-east-1": "10.40.0.0/20", "us-west-2": "10.41.0.0/20", "eu-west-1": "10.42.0.0/20"}


def lines_for(**config: Any) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        PipelineConfig.from_sources({**REGIONS, **config}, environ={})
    return caught.value.lines


def test_network_is_off_by_default_and_vpc_with_good_cidrs_is_accepted() -> None:
    assert PipelineConfig.from_sources(REGIONS, environ={}).network_mode is NetworkMode.NONE
    cfg = PipelineConfig.from_sources({**REGIONS, "networkMode": "vpc", "vpcCidrs": GOOD}, {})
    assert cfg.vpc_cidrs == GOOD and cfg.availability_zones == 2


@pytest.mark.parametrize(
    ("region", "value", "rule"),
    [
        ("us-east-1", "8.8.0.0/16", "RFC 1918"),
        ("us-east-1", "172.32.0.0/16", "RFC 1918"),  # just outside 172.16.0.0/12
        ("us-west-2", "10.41.0.0/28", "outside /16 to /24"),
        ("us-west-2", "10.50.0.0/15", "outside /16 to /24"),
        ("eu-west-1", "banana", "not a CIDR"),
        ("eu-west-1", "10.42.0.1/20", "host bits"),
        ("eu-west-1", "fd00::/56", "not an IPv4"),
    ],
)
def test_a_bad_cidr_is_one_line_naming_region_value_and_rule(
    region: str, value: str, rule: str
) -> None:
    lines = lines_for(networkMode="vpc", vpcCidrs={**GOOD, region: value})
    assert len(lines) == 1, lines
    assert f"vpcCidrs.{region}" in lines[0] and repr(value) in lines[0] and rule in lines[0]


def test_overlapping_regions_and_missing_regions_are_one_line_each() -> None:
    overlap = lines_for(networkMode="vpc", vpcCidrs={**GOOD, "eu-west-1": "10.40.8.0/21"})
    assert len(overlap) == 1 and "overlaps us-east-1's 10.40.0.0/20" in overlap[0]
    missing = lines_for(networkMode="vpc", vpcCidrs={"us-east-1": GOOD["us-east-1"]})
    assert [line.split(" = ")[0] for line in missing] == [
        "config error: trade-pipeline:vpcCidrs.us-west-2",
        "config error: trade-pipeline:vpcCidrs.eu-west-1",
    ]
    assert all("no CIDR for region" in line and "(not set)" in line for line in missing)


def test_cidrs_are_validated_in_mode_none_too_and_flow_logs_need_vpc() -> None:
    assert "RFC 1918" in lines_for(vpcCidrs={"us-east-1": "8.8.0.0/16"})[0]
    assert "need networkMode vpc" in lines_for(vpcFlowLogs=True)[0]
    stray = lines_for(networkMode="vpc", vpcCidrs={**GOOD, "ap-south-1": "10.9.0.0/16"})
    assert len(stray) == 1 and "not a region of this stack" in stray[0]
    retention = lines_for(networkMode="vpc", vpcCidrs=GOOD, vpcFlowLogRetentionDays=10)
    assert "vpcFlowLogRetentionDays" in retention[0]


def test_subnets_are_equal_disjoint_blocks_of_the_region_cidr() -> None:
    network = ipaddress.IPv4Network("10.40.0.0/24")
    for count in range(1, 7):
        subnets = private_subnets(network, count)
        assert len(subnets) == count
        assert all(s.subnet_of(network) for s in subnets)
        assert len({s.prefixlen for s in subnets}) == 1
        assert not any(a.overlaps(b) for i, a in enumerate(subnets) for b in subnets[i + 1 :])
    assert private_subnets(network, 6)[0].prefixlen == 27  # the smallest the config allows


def test_a_cidr_too_small_for_its_subnets_is_refused() -> None:
    from trade_pipeline.config.network import network_problems

    problems = network_problems(
        NetworkMode.VPC, {"us-east-1": "10.0.0.0/24"}, ["us-east-1"], 32, False
    )
    assert problems == [
        "vpcCidrs.us-east-1: too small for 32 subnets (each would be smaller than /28, the "
        "smallest subnet AWS creates)"
    ]


@pytest.mark.parametrize(
    ("cidrs", "expected"),
    [
        ({**GOOD, "us-east-1": "8.8.0.0/16"}, "RFC 1918"),  # a public range
        ({**GOOD, "eu-west-1": "10.41.0.0/24"}, "overlaps us-west-2's"),  # overlap
        ({**GOOD, "us-west-2": "10.41.0.0/28"}, "/28 outside /16 to /24"),
        ({"us-east-1": GOOD["us-east-1"], "us-west-2": GOOD["us-west-2"]}, "region eu-west-1"),
        ({**GOOD, "eu-west-1": "not-a-cidr"}, "not a CIDR"),
    ],
    ids=["public", "overlap", "slash-28", "missing-region", "not-a-cidr"],
)
def test_the_preview_stops_with_one_line_and_exit_2(cidrs: dict[str, str], expected: str) -> None:
    env = {"TRADE_PIPELINE_VPC_CIDRS": ",".join(f"{k}={v}" for k, v in cidrs.items())}
    result = run_cli("preview", "--stack", "private", env=env)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert expected in lines[0] and "TRADE_PIPELINE_VPC_CIDRS" in lines[0]
    assert "Traceback" not in result.stderr and result.stdout == ""
