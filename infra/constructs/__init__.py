"""One construct per concern; the stack only composes them (STYLE practice 9)."""

from __future__ import annotations

from aws_cdk import Acknowledgment, Duration, Stack, Token, Validations
from aws_cdk import aws_sqs as sqs
from constructs import Construct, IConstruct

from infra import names


def acknowledge(construct: IConstruct, *findings: tuple[str, str]) -> None:
    """Acknowledge cdk-nag findings `(rule id, reason)` on a construct and everything under it.

    cdk-nag 3.x matches findings exactly: IAM5 findings are acknowledged one by one, e.g.
    `AwsSolutions-IAM5[Resource::*]`. Every acknowledgment is listed in docs/decisions/002.
    """
    Validations.of(construct).acknowledge(
        *(Acknowledgment(id=rule, reason=reason) for rule, reason in findings)
    )


def pinned(scope: IConstruct, finding: str) -> str:
    """A finding id as cdk-nag writes it for this stack: a stage pins its region and perhaps its
    account (infra/app.py), and then ARNs hold them instead of ``<AWS::Region>``,
    ``<AWS::AccountId>``."""
    stack = Stack.of(scope)
    for placeholder, value in (
        ("<AWS::Partition>", stack.partition),
        ("<AWS::Region>", stack.region),
        ("<AWS::AccountId>", stack.account),
    ):
        if not Token.is_unresolved(value):  # a stage may pin its region and leave the account open
            finding = finding.replace(placeholder, value)
    return finding


def failure_queue(scope: Construct, construct_id: str, *, holds: str) -> sqs.Queue:
    """A dead-letter queue (encrypted, TLS only, kept 14 days for ops to replay) that is itself
    the end of the line: its SQS3 finding is acknowledged with what it ``holds``."""
    queue = sqs.Queue(
        scope,
        construct_id,
        retention_period=Duration.days(names.FAILURES_RETENTION_DAYS),
        encryption=sqs.QueueEncryption.SQS_MANAGED,
        enforce_ssl=True,
    )
    acknowledge(
        queue,
        (
            "AwsSolutions-SQS3",
            f"This queue is itself the dead-letter destination of {holds} (kept for ops to replay); "
            "a DLQ of a DLQ would only move the problem.",
        ),
    )
    return queue
