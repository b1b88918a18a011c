"""The single table (source of truth) and the powertools idempotency table, with explicit,
least-privilege grants: every statement names its actions and its table or index ARNs."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from constructs import Construct

from infra import names

_S = dynamodb.AttributeType.STRING

# Request-path reads: no Scan anywhere (DESIGN: "No Scan in any request path").
TABLE_READ_ACTIONS = (
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
    "dynamodb:Query",
    "dynamodb:ConditionCheckItem",
)
# Writes: items are put and updated (transactions need the same per-item actions); the timeline is
# append-only and expiry is TTL's job, so no DeleteItem until a function really needs one.
TABLE_WRITE_ACTIONS = ("dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:BatchWriteItem")
# What powertools idempotency (DynamoDBPersistenceLayer) calls.
IDEMPOTENCY_ACTIONS = ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem")


class Data(Construct):
    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)

        self.table = dynamodb.Table(
            self,
            "Table",
            partition_key=dynamodb.Attribute(name=names.PK, type=_S),
            sort_key=dynamodb.Attribute(name=names.SK, type=_S),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            deletion_protection=True,
            removal_policy=RemovalPolicy.RETAIN,
            stream=dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
            time_to_live_attribute=names.TABLE_TTL_ATTRIBUTE,
            encryption=dynamodb.TableEncryption.AWS_MANAGED,
        )
        for index, pk, sk in (
            (names.GSI1, names.GSI1_PK, names.GSI1_SK),
            (names.GSI2, names.GSI2_PK, names.GSI2_SK),
        ):
            self.table.add_global_secondary_index(
                index_name=index,
                partition_key=dynamodb.Attribute(name=pk, type=_S),
                sort_key=dynamodb.Attribute(name=sk, type=_S),
                projection_type=dynamodb.ProjectionType.INCLUDE,
                non_key_attributes=list(names.PROJECTED_ATTRIBUTES[index]),
            )

        # Idempotency records are short-lived copies of responses (they may hold case data, hence
        # the same encryption); losing them on a stack delete loses nothing of value.
        self.idempotency_table = dynamodb.Table(
            self,
            "IdempotencyTable",
            partition_key=dynamodb.Attribute(name=names.IDEMPOTENCY_KEY, type=_S),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            time_to_live_attribute=names.IDEMPOTENCY_TTL_ATTRIBUTE,
            encryption=dynamodb.TableEncryption.AWS_MANAGED,
            removal_policy=RemovalPolicy.DESTROY,
        )

    @property
    def environment(self) -> dict[str, str]:
        return {
            names.ENV_TABLE_NAME: self.table.table_name,
            names.ENV_IDEMPOTENCY_TABLE_NAME: self.idempotency_table.table_name,
        }

    # --- grants: pass these to Functions.add(..., grants=[...]) ------------------------------
    def _index_arns(self) -> list[str]:
        return [f"{self.table.table_arn}/index/{index}" for index in (names.GSI1, names.GSI2)]

    def grant_table_read(self, grantee: iam.IGrantable) -> None:
        iam.Grant.add_to_principal(
            grantee=grantee,
            actions=list(TABLE_READ_ACTIONS),
            resource_arns=[self.table.table_arn, *self._index_arns()],
        )

    def grant_table_write(self, grantee: iam.IGrantable) -> None:
        iam.Grant.add_to_principal(
            grantee=grantee, actions=list(TABLE_WRITE_ACTIONS), resource_arns=[self.table.table_arn]
        )

    def grant_table_read_write(self, grantee: iam.IGrantable) -> None:
        self.grant_table_read(grantee)
        self.grant_table_write(grantee)

    def grant_idempotency(self, grantee: iam.IGrantable) -> None:
        iam.Grant.add_to_principal(
            grantee=grantee,
            actions=list(IDEMPOTENCY_ACTIONS),
            resource_arns=[self.idempotency_table.table_arn],
        )
