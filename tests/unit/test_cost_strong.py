"""The cost of strong mode (MRSC): the same regions as an eventual stack, but a trade's guard
is a plain put instead of a transaction (billed once, not twice), and a witness is priced for
the replicated writes it receives (an assumed figure, stated in its price's note)."""

from __future__ import annotations

import math
from typing import Any

import pytest

from tests.support.plans import build
from tests.unit.test_cost import VOLUME
from tests.unit.test_strong_stack import US, strong
from trade_pipeline.cost.model import WRITE_UNIT_BYTES, Estimate, estimate
from trade_pipeline.cost.plan_facts import PlanFacts, read_plan
from trade_pipeline.cost.prices import PRICES
from trade_pipeline.cost.profile import ProcessorProfile, measure_profile


def usd(estimate: Estimate, region: str, starts: str) -> float:
    return sum(
        line.usd_per_million_events
        for line in estimate.lines
        if line.region == region and line.item.startswith(starts)
    )


def eventual(dev: dict[str, Any]) -> dict[str, Any]:
    config = strong(dev)
    config["trade-pipeline:consistencyMode"] = "eventual"
    return config


@pytest.fixture(scope="module")
def profile() -> ProcessorProfile:
    return measure_profile(US[0], rounds=0).with_duration(20)


@pytest.fixture(scope="module")
def both(
    dev_stack_config: dict[str, Any], lambda_artifact: Any, profile: ProcessorProfile
) -> tuple[PlanFacts, Estimate, Estimate]:
    mrec, mrsc = (
        read_plan(build(c(dev_stack_config), lambda_artifact)) for c in (eventual, strong)
    )
    assert not mrec.strong and mrsc.strong and mrec.table_regions == mrsc.table_regions
    return mrsc, estimate(mrec, profile, VOLUME), estimate(mrsc, profile, VOLUME)


def units(size: int) -> int:
    return max(1, math.ceil(size / WRITE_UNIT_BYTES))


def test_a_strong_trade_guard_is_a_put_not_a_transaction(
    both: tuple[PlanFacts, Estimate, Estimate], profile: ProcessorProfile
) -> None:
    facts, mrec, mrsc = both
    ingest, share = US[0], facts.trade_share
    guard, trade = units(profile.guard_item_bytes), units(profile.item_bytes)
    # eventual: (item + guard) x 2 minus the item's plain write; strong: the guard's put only
    assert usd(mrec, ingest, "trade guard") == pytest.approx(share * (trade + 2 * guard) * 0.625)
    assert usd(mrsc, ingest, "trade guard") == pytest.approx(share * guard * 0.625)
    (line,) = (x for x in mrsc.lines if x.item.startswith("trade guard") and x.region == ingest)
    assert "no transaction" in line.item
    # that line is all that differs: the replicas' writes and storage are the same
    assert mrec.usd_per_million_events - mrsc.usd_per_million_events == pytest.approx(
        usd(mrec, ingest, "trade guard") - usd(mrsc, ingest, "trade guard")
    )
    assert mrec.usd_per_million_events > mrsc.usd_per_million_events


def test_a_witness_is_priced_for_the_writes_it_receives(
    dev_stack_config: dict[str, Any], lambda_artifact: Any, profile: ProcessorProfile
) -> None:
    config = strong(dev_stack_config, witnessRegion=US[2])
    config["trade-pipeline:secondaryRegions"] = [US[1]]
    facts = read_plan(build(config, lambda_artifact))
    assert facts.strong and facts.witness_region == US[2]
    assert US[2] not in facts.table_regions
    priced = estimate(facts, profile, VOLUME)
    witness = [line for line in priced.lines if line.region == US[2]]
    assert [line.item for line in witness] == ["witness: replicated item and guard writes"]
    assert not any("storage" in line.item for line in witness)
    price = PRICES["dynamodb.witness_write_request_unit"]
    assert price.assumed and "witness" in price.note
