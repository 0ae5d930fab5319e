"""The policy evaluation the recorded-calls check relies on: explicit deny wins, wildcards as
IAM matches them, conditions evaluated or treated conservatively, key policies delegating."""

from __future__ import annotations

from typing import Any

from trade_pipeline.calls.iam import applies, decide

ROLE = "arn:aws:iam::123456789012:role/fn"
QUEUE = "arn:aws:sqs:us-east-1:123456789012:trade-rejected-events"
KEY = "arn:aws:kms:us-east-1:123456789012:key/k-1"
SECURE = {"aws:SecureTransport": "true"}


def allow(action: str, resource: str, **extra: Any) -> tuple[str, dict[str, Any]]:
    return (
        "role policy access",
        {"Sid": "Grant", "Effect": "Allow", "Action": action, "Resource": resource, **extra},
    )


def test_an_explicit_deny_wins_over_an_allow() -> None:
    deny = (
        "queue policy",
        {"Sid": "No", "Effect": "Deny", "Principal": "*", "Action": "sqs:*", "Resource": QUEUE},
    )

    decision = decide(
        ("sqs:SendMessage", QUEUE, SECURE),
        [allow("sqs:SendMessage", QUEUE)],
        [deny],
        principal_arn=ROLE,
    )

    assert (
        not decision.allowed and "explicitly denied by queue policy statement No" in decision.reason
    )


def test_a_deny_whose_condition_does_not_hold_does_not_apply() -> None:
    deny = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "sqs:*",
        "Resource": QUEUE,
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }

    assert decide(
        ("sqs:SendMessage", QUEUE, SECURE),
        [allow("sqs:SendMessage", QUEUE)],
        [("q", deny)],
        principal_arn=ROLE,
    ).allowed


def test_actions_match_case_insensitively_and_resources_by_iam_wildcards_only() -> None:
    statement = allow("SQS:Send*", "arn:aws:sqs:us-east-1:123456789012:trade-?ejected-events")[1]

    assert applies(statement, "sqs:SendMessage", QUEUE, {})
    assert not applies(statement, "sqs:SendMessage", QUEUE.replace("trade-", "tradeX"), {})
    dotted = allow("s3:GetObject", "arn:aws:s3:::a.b")[1]
    assert not applies(dotted, "s3:GetObject", "arn:aws:s3:::aXb", {})  # '.' is no wildcard


def test_a_missing_condition_key_fails_an_allow_and_names_the_key() -> None:
    scoped = allow(
        "kms:Decrypt",
        KEY,
        Condition={"StringEquals": {"kms:ViaService": "dynamodb.us-east-1.amazonaws.com"}},
    )

    decision = decide(("kms:Decrypt", KEY, {}), [scoped], [], principal_arn=ROLE)

    assert not decision.allowed and "needs kms:ViaService" in decision.reason
    assert decide(
        ("kms:Decrypt", KEY, {"kms:ViaService": "dynamodb.us-east-1.amazonaws.com"}),
        [scoped],
        [],
        principal_arn=ROLE,
    ).allowed


def test_an_operator_it_cannot_evaluate_is_conservative_both_ways() -> None:
    odd = {"ForAnyValue:StringEquals": {"aws:TagKeys": ["a"]}}
    allowing = {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*", "Condition": odd}
    denying = {**allowing, "Effect": "Deny"}

    assert not applies(allowing, "sqs:SendMessage", QUEUE, {})
    assert applies(denying, "sqs:SendMessage", QUEUE, {})


def test_a_key_policy_delegating_to_the_account_needs_an_identity_grant() -> None:
    root = (
        "key policy",
        {
            "Sid": "Account",
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
            "Action": "kms:*",
            "Resource": "*",
        },
    )

    without = decide(("kms:Decrypt", KEY, {}), [], [root], principal_arn=ROLE, key_policy=True)
    with_grant = decide(
        ("kms:Decrypt", KEY, {}),
        [allow("kms:Decrypt", KEY)],
        [root],
        principal_arn=ROLE,
        key_policy=True,
    )
    no_delegation = decide(
        ("kms:Decrypt", KEY, {}),
        [allow("kms:Decrypt", KEY)],
        [],
        principal_arn=ROLE,
        key_policy=True,
    )

    assert not without.allowed and with_grant.allowed
    assert not no_delegation.allowed and "neither allows it nor delegates" in no_delegation.reason


def test_a_service_principal_is_allowed_only_by_the_resource_policy() -> None:
    events = {
        "Effect": "Allow",
        "Principal": {"Service": "events.amazonaws.com"},
        "Action": "sqs:SendMessage",
        "Resource": QUEUE,
        "Condition": {
            "ArnEquals": {"aws:SourceArn": "arn:aws:events:us-east-1:123456789012:rule/bus/r"}
        },
    }
    context = {"aws:SourceArn": "arn:aws:events:us-east-1:123456789012:rule/bus/r"}

    assert decide(
        ("sqs:SendMessage", QUEUE, context),
        [],
        [("q", events)],
        principal_arn="",
        service="events.amazonaws.com",
    ).allowed
    other_rule = {"aws:SourceArn": "arn:aws:events:us-east-1:123456789012:rule/bus/other"}
    assert not decide(
        ("sqs:SendMessage", QUEUE, other_rule),
        [],
        [("q", events)],
        principal_arn="",
        service="events.amazonaws.com",
    ).allowed
