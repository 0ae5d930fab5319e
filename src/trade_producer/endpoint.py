"""The id of an EventBridge global endpoint, as ``PutEvents(EndpointId=...)`` needs it.

An endpoint has a *name* (``trade-events-prod``) and a URL
(``https://abcde.veo.endpoint.events.amazonaws.com``); ``EndpointId`` is neither: it is the
URL's subdomain, ``abcde.veo`` ("The URL subdomain of the endpoint", EventBridge API reference,
PutEvents: https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html).
botocore builds the request's host from it (``https://{EndpointId}.endpoint.events.{dnsSuffix}``
in its endpoint rules for EventBridge, ``endpoint-rule-set-1.json``) without checking it, so a
name there resolves to a host that does not exist.

The pattern an id must match is read from botocore's own service model (shape ``EndpointId``
of ``events``), never copied:

>>> endpoint_id_from_url("https://abcde.veo.endpoint.events.amazonaws.com")
'abcde.veo'
>>> check_endpoint_id("trade-events-prod")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
ValueError: endpoint id 'trade-events-prod' is not an EventBridge endpoint id ...
"""

from __future__ import annotations

import re
from functools import cache
from urllib.parse import urlparse

__all__ = ["check_endpoint_id", "endpoint_id_from_url", "endpoint_id_pattern"]

_HOST_INFIX = ".endpoint.events."


@cache
def endpoint_id_pattern() -> re.Pattern[str]:
    """The ``EndpointId`` pattern of botocore's EventBridge service model."""
    from botocore.loaders import Loader

    model = Loader().load_service_model("events", "service-2")
    return re.compile(str(model["shapes"]["EndpointId"]["pattern"]))


def check_endpoint_id(value: str) -> str:
    """``value`` when it is an endpoint id, else :class:`ValueError` saying what one is."""
    if endpoint_id_pattern().fullmatch(value):
        return value
    raise ValueError(
        f"endpoint id {value!r} is not an EventBridge endpoint id (pattern "
        f"{endpoint_id_pattern().pattern}): use the subdomain of the endpoint URL, e.g. "
        "'abcde.veo' for https://abcde.veo.endpoint.events.amazonaws.com (stack output "
        "globalEndpoint.id), not the endpoint's name"
    )


def endpoint_id_from_url(url: str) -> str:
    """The endpoint id in an endpoint URL (``EndpointUrl`` of ``DescribeEndpoint``)."""
    host = urlparse(url if "//" in url else f"https://{url}").hostname or ""
    endpoint_id, infix, _ = host.partition(_HOST_INFIX)
    if not infix:
        raise ValueError(f"endpoint URL {url!r}: no {_HOST_INFIX.strip('.')!r} in its host")
    return check_endpoint_id(endpoint_id)
