"""Naming: deterministic, inside AWS limits, region-specific where AWS needs it."""

from __future__ import annotations

import string

from hypothesis import given, settings
from hypothesis import strategies as st

from trade_pipeline.config.types import aws_regions
from trade_pipeline.naming import LIMITS, Naming, QueueKind

# What PipelineConfig accepts: lower-case DNS-like labels (prefix <= 12, suffix <= 16).
label_chars = string.ascii_lowercase + string.digits


def labels(max_size: int) -> st.SearchStrategy[str]:
    body = st.text(alphabet=label_chars + "-", max_size=max_size - 2)
    return st.builds(
        lambda first, middle, last: (first + middle + last)[:max_size],
        st.sampled_from(string.ascii_lowercase),
        body.filter(lambda s: "--" not in s),
        st.sampled_from(label_chars),
    ).filter(lambda s: "--" not in s and not s.endswith("-"))


regions = st.sampled_from(sorted(aws_regions()))


@settings(max_examples=300, deadline=None)
@given(prefix=labels(12), suffix=labels(16), region=regions)
def test_every_name_fits_its_aws_limit_and_charset(prefix: str, suffix: str, region: str) -> None:
    naming = Naming(prefix, suffix)
    assert naming.violations([region]) == []
    for kind, names in naming.all_names(region).items():
        for name in names:
            assert len(name) <= LIMITS[kind].max_length
            assert LIMITS[kind].pattern.match(name)


@given(prefix=labels(12), suffix=labels(16), a=regions, b=regions)
def test_names_are_deterministic_and_roles_differ_per_region(
    prefix: str, suffix: str, a: str, b: str
) -> None:
    assert Naming(prefix, suffix).all_names(a) == Naming(prefix, suffix).all_names(a)
    if a != b:
        # IAM is global: one role name per region, or the second region's deploy fails
        assert Naming(prefix, suffix).role(a) != Naming(prefix, suffix).role(b)


def test_names_global_endpoints_and_replicas_need_are_equal_in_every_region() -> None:
    naming = Naming("trade", "prod")
    east, west = naming.all_names("us-east-1"), naming.all_names("us-west-2")
    assert east["table"] == west["table"]  # replicas share the table's name
    assert east["bus"] == west["bus"]  # a global endpoint pairs same-named buses


def test_violations_report_an_over_long_name() -> None:
    problems = Naming("x" * 40, "y" * 40).violations(["ap-southeast-1"])
    assert any(p.startswith("role name") and "(limit 64)" in p for p in problems)
    assert any(p.startswith("archive name") and "(limit 48)" in p for p in problems)


def test_queue_names_are_distinct() -> None:
    naming = Naming("trade", "dev")
    assert len({naming.queue(kind) for kind in QueueKind}) == len(QueueKind)


def test_processor_log_group_is_never_lambdas_own_default_group() -> None:
    # Lambda creates /aws/lambda/<function> itself once the function ran; creating that group
    # then fails (ResourceAlreadyExistsException), e.g. on a redeploy after a destroy.
    names = Naming("trade", "prod")

    assert names.log_group == "/trade-pipeline/prod/trade-processor-prod"
    assert not names.log_group.startswith("/aws/lambda/")
