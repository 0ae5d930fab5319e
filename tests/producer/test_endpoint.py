"""The endpoint id producers pass to ``PutEvents``: taken from the endpoint URL, checked
against botocore's own ``EndpointId`` pattern, and it sends requests back to that URL."""

from __future__ import annotations

import re
from urllib.parse import urlparse

import pytest
from botocore.endpoint_provider import EndpointProvider
from botocore.loaders import Loader

from trade_producer.endpoint import check_endpoint_id, endpoint_id_from_url, endpoint_id_pattern

# URLs in the shape EventBridge gives them (DescribeEndpoint's EndpointUrl; its service model
# allows the scheme to be left out).
URLS = (
    "https://abcde.veo.endpoint.events.amazonaws.com",
    "x1y2z3-a.b-4.endpoint.events.amazonaws.com",
    "https://q9.r8.endpoint.events.amazonaws.com.cn",
)


def botocore_url(endpoint_id: str, region: str) -> str:
    loader = Loader()
    rules = EndpointProvider(
        loader.load_service_model("events", "endpoint-rule-set-1"), loader.load_data("partitions")
    )
    return str(
        rules.resolve_endpoint(
            Region=region, EndpointId=endpoint_id, UseFIPS=False, UseDualStack=False
        ).url
    )


@pytest.mark.parametrize(
    ("url", "region"), list(zip(URLS, ("us-east-1", "eu-west-1", "cn-north-1"), strict=True))
)
def test_the_id_from_a_url_sends_requests_to_that_url(url: str, region: str) -> None:
    endpoint_id = endpoint_id_from_url(url)
    host = urlparse(url if "//" in url else f"https://{url}").hostname
    assert urlparse(botocore_url(endpoint_id, region)).hostname == host


def test_the_pattern_is_botocores() -> None:
    shape = Loader().load_service_model("events", "service-2")["shapes"]["EndpointId"]
    assert endpoint_id_pattern().pattern == shape["pattern"]


@pytest.mark.parametrize("name", ["trade-events-prod", "", "a.b.c", "abcde.veo ", "abcde.veo\n"])
def test_what_is_not_an_endpoint_id_is_refused_naming_it(name: str) -> None:
    with pytest.raises(ValueError, match=re.escape(f"endpoint id {name!r} is not an EventBridge")):
        check_endpoint_id(name)


def test_a_url_that_is_not_an_endpoints_is_refused() -> None:
    with pytest.raises(ValueError, match=r"no 'endpoint\.events' in its host"):
        endpoint_id_from_url("https://events.us-east-1.amazonaws.com")
