"""An IAM policy evaluation good enough for the stack's own policies (same account).

Follows AWS's policy evaluation logic
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html):
an explicit ``Deny`` in any policy that applies wins; otherwise the request is allowed when an
identity policy or a resource policy that names the principal allows it (within one account,
either suffices), except for KMS, where the key policy must allow the principal itself or
allow the account (``arn:aws:iam::<account>:root``), which delegates to IAM policies
(https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html). A service
principal has no identity policy: only the resource's policy can allow it.

Matching: ``Action`` / ``NotAction`` case-insensitively, ``Resource`` / ``NotResource``
case-sensitively, ``*`` and ``?`` as IAM's wildcards, nothing else special
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html).

Conditions evaluated against the keys a request carries: ``String(Not)Equals``,
``String(Not)Like``, ``Arn(Not)Equals``, ``Arn(Not)Like``, ``Bool``, each with ``IfExists``; a
key the request does not carry fails the positive operators and passes the negated ones, as in
IAM. Any other operator (and the ``ForAnyValue:``/``ForAllValues:`` set operators) cannot be
evaluated here and is treated conservatively: an ``Allow`` under it does not count, a ``Deny``
under it does. Requests carry only the keys the caller controls or that AWS documents for the
call (``aws:SecureTransport``, ``aws:SourceArn``, ``aws:SourceAccount``): a statement scoped
by, say, ``kms:ViaService`` or ``ec2:Vpc`` never allows a request that does not state it.

>>> allow = {"Effect": "Allow", "Action": "SQS:SendMessage", "Resource": "arn:aws:sqs:*:1:q?"}
>>> applies(allow, "sqs:SendMessage", "arn:aws:sqs:us-east-1:1:q1", {})
True
>>> applies({**allow, "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
...         "sqs:SendMessage", "arn:aws:sqs:us-east-1:1:q1", {"aws:SecureTransport": "true"})
False
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

__all__ = ["Decision", "applies", "decide", "names_principal"]


@cache
def _pattern(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(f"^{body}$", re.IGNORECASE if ignore_case else 0)


def _values(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _matches(patterns: Any, value: str, *, ignore_case: bool) -> bool:
    return any(_pattern(p, ignore_case).match(value) for p in _values(patterns))


def _operator_holds(operator: str, expected: list[str], actual: str | None) -> bool | None:
    """One condition operator on one key (None: an operator this module cannot evaluate)."""
    base, if_exists = operator.removesuffix("IfExists"), operator.endswith("IfExists")
    if ":" in base:
        return None  # ForAnyValue: / ForAllValues: need multi-valued keys
    negated = "Not" in base
    positive = base.replace("Not", "")
    if positive not in ("StringEquals", "StringLike", "ArnEquals", "ArnLike", "Bool"):
        return None
    if actual is None:
        return if_exists or negated
    if positive == "Bool":
        found = actual.lower() in (e.lower() for e in expected)
    elif positive in ("StringEquals", "ArnEquals"):
        found = actual in expected
    else:  # the Like operators; ArnLike's wildcards act per ARN field, as a glob does here
        found = any(fnmatch.fnmatchcase(actual, e) for e in expected)
    return not found if negated else found


def _conditions_hold(conditions: Mapping[str, Any], context: Mapping[str, str]) -> bool | None:
    """All conditions hold (True), one fails (False), or one cannot be evaluated (None)."""
    unknown = False
    for operator, keys in conditions.items():
        for key, expected in keys.items():
            held = _operator_holds(operator, _values(expected), context.get(key))
            if held is False:
                return False
            unknown = unknown or held is None
    return None if unknown else True


def names_principal(statement: Mapping[str, Any], principal_arn: str, service: str) -> bool:
    """The statement's ``Principal`` covers the role ARN / the service host (no ``Principal``:
    an identity policy's statement, which covers its holder)."""
    if "Principal" not in statement:
        return True
    found = statement["Principal"]
    if found == "*":
        return True
    if not isinstance(found, Mapping):
        return False
    aws, services = _values(found.get("AWS")), _values(found.get("Service"))
    return "*" in aws or (bool(principal_arn) and principal_arn in aws) or service in services


def applies(
    statement: Mapping[str, Any],
    action: str,
    resource: str,
    context: Mapping[str, str],
    *,
    principal_arn: str = "",
    service: str = "",
) -> bool:
    """Whether ``statement`` applies to the request (its effect then decides)."""
    if "NotAction" in statement:
        if _matches(statement["NotAction"], action, ignore_case=True):
            return False
    elif not _matches(statement.get("Action"), action, ignore_case=True):
        return False
    if "NotResource" in statement:
        if _matches(statement["NotResource"], resource, ignore_case=False):
            return False
    elif "Resource" in statement and not _matches(
        statement["Resource"], resource, ignore_case=False
    ):
        return False
    if "Principal" in statement and not names_principal(statement, principal_arn, service):
        return False
    held = _conditions_hold(statement.get("Condition") or {}, context)
    if held is None:  # conservative: an Allow does not count, a Deny does
        return statement.get("Effect") == "Deny"
    return held


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str  # which statement allowed or denied, or why nothing did


def _sid(where: str, statement: Mapping[str, Any]) -> str:
    return f"{where} statement {statement.get('Sid') or '(no Sid)'}"


def decide(
    request: tuple[str, str, Mapping[str, str]],
    identity: Iterable[tuple[str, Mapping[str, Any]]],
    resource_policy: Iterable[tuple[str, Mapping[str, Any]]],
    *,
    principal_arn: str,
    service: str = "",
    key_policy: bool = False,
) -> Decision:
    """Allow or deny ``(action, resource, context)`` given the (where, statement) pairs of the
    principal's identity policies and of the resource's policy (the key policy when
    ``key_policy``)."""
    action, resource, context = request
    identity, resource_policy = list(identity), list(resource_policy)
    kwargs = {"principal_arn": principal_arn, "service": service}
    for where, statement in [*identity, *resource_policy]:
        if statement.get("Effect") == "Deny" and applies(
            statement, action, resource, context, **kwargs
        ):
            return Decision(False, f"explicitly denied by {_sid(where, statement)}")
    allowed_by = [
        _sid(where, s)
        for where, s in identity
        if not service and s.get("Effect") == "Allow" and applies(s, action, resource, context)
    ]
    granting = [
        (where, s)
        for where, s in resource_policy
        if s.get("Effect") == "Allow" and applies(s, action, resource, context, **kwargs)
    ]
    if key_policy:
        delegating = [
            (w, st)
            for w, st in resource_policy
            if st.get("Effect") == "Allow"
            and _names_account(st, principal_arn)
            and applies({**st, "Principal": "*"}, action, resource, context)
        ]
        return _key_decision(granting, delegating, allowed_by)
    if allowed_by or granting:
        reasons = allowed_by + [_sid(w, st) for w, st in granting]
        return Decision(True, "allowed by " + ", ".join(reasons))
    return Decision(False, "no statement allows it" + _near_misses(identity, action, resource))


def _near_misses(
    statements: list[tuple[str, Mapping[str, Any]]], action: str, resource: str
) -> str:
    """The Allow statements that match but for their conditions, with the keys they need."""
    found = []
    for where, statement in statements:
        conditions = statement.get("Condition")
        if statement.get("Effect") != "Allow" or not conditions:
            continue
        if applies({**statement, "Condition": {}}, action, resource, {}):
            keys = ", ".join(sorted(k for by_key in conditions.values() for k in by_key))
            found.append(f"{_sid(where, statement)} (needs {keys})")
    if not found:
        return ""
    return f"; matched but for conditions the request does not meet: {'; '.join(found)}"


def _names_account(statement: Mapping[str, Any], principal_arn: str) -> bool:
    """The statement's principal is the principal's whole account (``...:root`` or the id)."""
    found = statement.get("Principal")
    if not isinstance(found, Mapping) or principal_arn.count(":") < 5:
        return False
    account = principal_arn.split(":")[4]
    return bool({f"arn:aws:iam::{account}:root", account} & set(_values(found.get("AWS"))))


def _key_decision(
    granting: list[tuple[str, Mapping[str, Any]]],
    delegating: list[tuple[str, Mapping[str, Any]]],
    allowed_by: list[str],
) -> Decision:
    if granting:
        return Decision(True, "allowed by " + ", ".join(_sid(w, s) for w, s in granting))
    if delegating and allowed_by:
        reasons = ", ".join(allowed_by)
        return Decision(True, f"allowed by {reasons} (the key policy delegates to IAM)")
    if not delegating:
        return Decision(False, "the key policy neither allows it nor delegates to IAM policies")
    return Decision(False, "no identity policy statement allows it (the key policy delegates)")
