"""One construct per concern; the stack only composes them (STYLE practice 9)."""

from __future__ import annotations

from aws_cdk import Acknowledgment, Validations
from constructs import IConstruct


def acknowledge(construct: IConstruct, *findings: tuple[str, str]) -> None:
    """Acknowledge cdk-nag findings `(rule id, reason)` on a construct and everything under it.

    cdk-nag 3.x matches findings exactly: IAM5 findings are acknowledged one by one, e.g.
    `AwsSolutions-IAM5[Resource::*]`. Every acknowledgment is listed in docs/decisions/002.
    """
    Validations.of(construct).acknowledge(
        *(Acknowledgment(id=rule, reason=reason) for rule, reason in findings)
    )
