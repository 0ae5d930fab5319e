"""Alarm endpoints on reserved example domains: placeholders, not places to page.

RFC 2606 (https://www.rfc-editor.org/rfc/rfc2606) reserves the top-level names ``.test``,
``.example``, ``.invalid`` and ``.localhost`` (section 2) and the second-level names
``example.com``, ``example.net`` and ``example.org`` (section 3) for documentation and tests:
nobody can own them, so no email reaches an address there and no HTTPS subscription there is
ever confirmed (SNS waits for the confirmation, and ``pulumi up`` with it). The example stack
files use them on purpose; the offline preview names them as placeholders, a real deployment
refuses them before any resource is registered.

>>> reserved_domain("https://events.example.com/enqueue")
'example.com'
>>> reserved_domain("oncall@desk.test")
'.test'
>>> reserved_domain("https://events.pagerduty.com/integration/x/enqueue") is None
True
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Final
from urllib.parse import urlsplit

import pulumi
from pulumi.runtime.mocks import MockMonitor

from trade_pipeline.config.errors import CONFIG_NAMESPACE, ConfigError

if TYPE_CHECKING:
    from trade_pipeline.config.model import PipelineConfig

__all__ = ["check_real_deployment", "placeholder_notes", "reserved_domain"]

RESERVED_TLDS: Final = (".test", ".example", ".invalid", ".localhost")  # RFC 2606 section 2
RESERVED_DOMAINS: Final = ("example.com", "example.net", "example.org")  # RFC 2606 section 3
_ENDPOINT_KEYS: Final = {
    "alarm_emails": "alarmEmails",
    "alarm_https_endpoints": "alarmHttpsEndpoints",
}


def _host(endpoint: str) -> str:
    if "@" in endpoint and "://" not in endpoint:
        return endpoint.rsplit("@", 1)[1].lower().rstrip(".")
    return (urlsplit(endpoint).hostname or "").rstrip(".")


def reserved_domain(endpoint: str) -> str | None:
    """The RFC 2606 name an email address or URL is under, or None."""
    host = _host(endpoint)
    for domain in RESERVED_DOMAINS:
        if host == domain or host.endswith(f".{domain}"):
            return domain
    for tld in RESERVED_TLDS:
        if host == tld[1:] or host.endswith(tld):
            return tld
    return None


def _placeholders(config: PipelineConfig, skip: Iterable[str] = ()) -> list[tuple[str, str, str]]:
    """(key[index], endpoint, reserved name) of every alarm endpoint on a reserved domain;
    fields in ``skip`` left out. A secret endpoint is shown as its key only."""
    found = []
    for field, key in _ENDPOINT_KEYS.items():
        if field in skip:
            continue
        for index, endpoint in enumerate(getattr(config, field)):
            domain = reserved_domain(endpoint)
            if domain is not None:
                shown = "[secret]" if config.is_secret(field) else endpoint
                found.append((f"{CONFIG_NAMESPACE}:{key}[{index}]", shown, domain))
    return found


def placeholder_notes(config: PipelineConfig, secret_fields: Iterable[str] = ()) -> list[str]:
    """One line per placeholder endpoint, for the offline preview's output (``secret_fields``:
    held as secrets, so offline stand-ins, named as such elsewhere)."""
    return [
        f"{key} = {endpoint}: a placeholder ({domain} is reserved, RFC 2606); a real "
        "deployment refuses it: set your own before `pulumi up`"
        for key, endpoint, domain in _placeholders(config, secret_fields)
    ]


def is_mock_engine() -> bool:
    """True under Pulumi's mock engine (the offline preview, the tests)."""
    return isinstance(pulumi.runtime.settings.get_monitor(), MockMonitor)


def check_real_deployment(config: PipelineConfig) -> None:
    """Refuse, in a real deployment (not the mock engine), alarm endpoints on reserved domains:
    one line naming them all, before any resource is registered."""
    if is_mock_engine():
        return
    found = _placeholders(config)
    if found:
        listed = ", ".join(f"{key} = {endpoint}" for key, endpoint, _ in found)
        raise ConfigError(
            [
                f"config error: {listed}: a placeholder on a reserved example domain (RFC 2606): "
                "nobody would be paged; set your own on-call address / paging endpoint"
            ]
        )
