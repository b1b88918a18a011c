"""The attachments bucket (docs/decisions/005-attachments.md).

Private (all public access blocked, ACLs disabled), TLS 1.2+ only, S3-managed encryption,
versioned, server access logs into a separate log bucket, lifecycle rules (incomplete uploads,
unchecked uploads, quarantine, old versions) and CORS for the configured web origins only.

Uploads reach the `attachments` function through EventBridge: the bucket sends its events to the
default bus (set on the bucket itself — no notifications custom resource, no extra function) and a
rule matches `Object Created` under `incoming/`. Grants are per prefix: the API functions may
presign uploads into `incoming/` and downloads from `files/`; the validator reads and deletes
`incoming/` and writes `files/` and `quarantine/`; the erasure (admin API, retention job) deletes
any of a case's objects, every version (docs/decisions/019).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_destinations as destinations
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra import names
from infra.constructs import acknowledge, failure_queue

MAX_EVENT_AGE = Duration.hours(6)


class Storage(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, allowed_origins: Sequence[str]) -> None:
        super().__init__(scope, construct_id)
        # Access logs are delivered under a bucket policy, so the log bucket keeps ACLs disabled.
        self.node.set_context(names.S3_LOGGING_FLAG, True)

        self.access_logs = _private_bucket(
            self,
            "AccessLogs",
            lifecycle_rules=[s3.LifecycleRule(id="Expire", expiration=Duration.days(names.ACCESS_LOG_DAYS))],
        )
        acknowledge(
            self.access_logs,
            (
                "AwsSolutions-S1",
                "This is the stack's server access log bucket (attachments, web): logging its own "
                "accesses would log the log deliveries themselves, endlessly.",
            ),
        )

        self.bucket = _private_bucket(
            self,
            "Attachments",
            versioned=True,
            server_access_logs_bucket=self.access_logs,
            server_access_logs_prefix="attachments/",
            cors=_cors(allowed_origins),
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="AbortIncompleteUploads", abort_incomplete_multipart_upload_after=Duration.days(1)
                ),
                s3.LifecycleRule(
                    id="UncheckedUploads",
                    prefix=names.INCOMING_PREFIX,
                    expiration=Duration.days(names.STALE_UPLOAD_DAYS),
                    # The validator erases each upload's versions; this is the backstop for any
                    # raw upload it never saw (docs/privacy.md).
                    noncurrent_version_expiration=Duration.days(names.RAW_UPLOAD_NONCURRENT_DAYS),
                ),
                s3.LifecycleRule(
                    id="Quarantine",
                    prefix=names.QUARANTINE_PREFIX,
                    expiration=Duration.days(names.QUARANTINE_DAYS),
                ),
                s3.LifecycleRule(
                    # Backstop of the retention job (docs/privacy.md, decision 019): checked files
                    # are erased with their case; whatever it missed expires here.
                    id="FilesBackstop",
                    prefix=names.FILES_PREFIX,
                    expiration=Duration.days(names.FILES_BACKSTOP_DAYS),
                ),
                s3.LifecycleRule(
                    id="OldVersions",
                    noncurrent_version_expiration=Duration.days(names.NONCURRENT_VERSION_DAYS),
                    expired_object_delete_marker=True,
                ),
            ],
        )
        cfn_bucket = self.bucket.node.default_child
        assert isinstance(cfn_bucket, s3.CfnBucket)
        # `Bucket(event_bridge_enabled=True)` would add the Custom::S3BucketNotifications resource
        # and its Lambda function; the CloudFormation property needs neither.
        cfn_bucket.notification_configuration = s3.CfnBucket.NotificationConfigurationProperty(
            event_bridge_configuration=s3.CfnBucket.EventBridgeConfigurationProperty(
                event_bridge_enabled=True
            )
        )

    @property
    def environment(self) -> dict[str, str]:
        return {names.ENV_ATTACHMENTS_BUCKET: self.bucket.bucket_name}

    # --- grants: pass these to Functions.add(..., grants=[...]) ------------------------------
    def grant_presign(self, grantee: iam.IGrantable) -> None:
        """Presigned uploads into `incoming/` and downloads from `files/` (the signer's rights)."""
        self._grant(grantee, ["s3:PutObject"], names.INCOMING_PREFIX)
        self._grant(grantee, ["s3:GetObject"], names.FILES_PREFIX)

    def grant_validate(self, grantee: iam.IGrantable) -> None:
        """Read and remove uploads; write checked files and quarantined uploads."""
        self._grant(
            grantee, ["s3:GetObject", "s3:DeleteObject", "s3:DeleteObjectVersion"], names.INCOMING_PREFIX
        )
        self._grant(grantee, ["s3:PutObject"], names.FILES_PREFIX)
        self._grant(grantee, ["s3:PutObject"], names.QUARANTINE_PREFIX)

    def grant_erase(self, grantee: iam.IGrantable) -> None:
        """Erase a case's files wherever they are, every version (S3FileStore.delete reads each
        current version's id, then deletes it by id)."""
        actions = ["s3:GetObject", "s3:GetObjectVersion", "s3:DeleteObject", "s3:DeleteObjectVersion"]
        for prefix in (names.INCOMING_PREFIX, names.FILES_PREFIX, names.QUARANTINE_PREFIX):
            self._grant(grantee, actions, prefix)

    def _grant(self, grantee: iam.IGrantable, actions: list[str], prefix: str) -> None:
        iam.Grant.add_to_principal(
            grantee=grantee, actions=actions, resource_arns=[self.bucket.arn_for_objects(f"{prefix}*")]
        )
        principal = grantee.grant_principal
        if isinstance(principal, Construct):
            bucket_id = Stack.of(self).get_logical_id(self.bucket.node.default_child)  # type: ignore[arg-type]
            acknowledge(
                principal,
                (
                    f"AwsSolutions-IAM5[Resource::<{bucket_id}.Arn>/{prefix}*]",
                    f"Object keys under {prefix} are `<reference>/<random id>`, created per upload: the "
                    f"grant is scoped to that one prefix of the attachments bucket ({', '.join(actions)}).",
                ),
            )

    # --- wiring ------------------------------------------------------------------------------
    def validate_uploads_with(self, validator: lambda_.IFunction) -> None:
        """S3 `Object Created` under `incoming/` (default bus) → the validator; what cannot be
        delivered or keeps failing lands in a queue for ops."""
        self.failures = failure_queue(
            self,
            "ValidationFailures",
            holds="the upload rule's target and of the validator's failed asynchronous invocations",
        )
        self.upload_rule = events.Rule(
            self,
            "UploadCreated",
            description="Tawasul: an attachment was uploaded under incoming/ (S3 via EventBridge)",
            event_pattern=events.EventPattern(
                source=["aws.s3"],
                detail_type=["Object Created"],
                detail={
                    "bucket": {"name": [self.bucket.bucket_name]},
                    "object": {"key": events.Match.prefix(names.INCOMING_PREFIX)},
                },
            ),
            targets=[
                targets.LambdaFunction(
                    validator, dead_letter_queue=self.failures, retry_attempts=8, max_event_age=MAX_EVENT_AGE
                )
            ],
        )
        lambda_.EventInvokeConfig(
            self,
            "ValidatorRetries",
            function=validator,
            retry_attempts=2,
            max_event_age=MAX_EVENT_AGE,
            on_failure=destinations.SqsDestination(self.failures),
        )
        cloudwatch.Alarm(
            self,
            "ValidationFailuresAlarm",
            metric=self.failures.metric_approximate_number_of_messages_visible(
                period=Duration.minutes(names.ALARM_PERIOD_MINUTES)
            ),
            alarm_description="Uploads the attachments function could not check (they stay pending)",
            threshold=1,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )


def _private_bucket(scope: Construct, construct_id: str, **props: Any) -> s3.Bucket:
    """What both buckets share: no public access, no ACLs, TLS 1.2+, encrypted, retained."""
    return s3.Bucket(
        scope,
        construct_id,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        encryption=s3.BucketEncryption.S3_MANAGED,
        enforce_ssl=True,
        minimum_tls_version=1.2,
        removal_policy=RemovalPolicy.RETAIN,
        **props,
    )


def _cors(allowed_origins: Sequence[str]) -> list[s3.CorsRule] | None:
    """Browsers upload (presigned POST) and download from the web origins only."""
    if not allowed_origins:
        return None
    return [
        s3.CorsRule(
            allowed_methods=[s3.HttpMethods.POST, s3.HttpMethods.GET, s3.HttpMethods.HEAD],
            allowed_origins=list(allowed_origins),
            allowed_headers=["content-type"],
            max_age=names.CORS_MAX_AGE_SECONDS,
        )
    ]
