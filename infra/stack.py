"""The Tawasul stack: composes one construct per concern, and nothing else."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from aws_cdk import CfnOutput, Stack
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra import names
from infra.constructs.api import Api
from infra.constructs.auth import Auth
from infra.constructs.catalogue import Catalogue
from infra.constructs.clocks import Clocks
from infra.constructs.data import Data
from infra.constructs.events import Events
from infra.constructs.functions import Functions, common_environment
from infra.constructs.monitoring import Monitoring
from infra.constructs.reconciler import Reconciler
from infra.constructs.reports import Reports
from infra.constructs.retention import Retention
from infra.constructs.storage import Storage
from infra.constructs.stream import Stream
from infra.constructs.web import Web
from infra.routes import API_FUNCTIONS


class TawasulStack(Stack):
    def __init__(self, scope: Construct, construct_id: str = names.STACK_ID, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, description=names.STACK_DESCRIPTION, **kwargs)
        allowed_origins = _origins(self.node.try_get_context(names.CTX_ALLOWED_ORIGINS))
        national_idp: Mapping[str, Any] | None = self.node.try_get_context(names.CTX_NATIONAL_IDP)

        self.data = Data(self, "Data")
        self.auth = Auth(self, "Auth", allowed_origins=allowed_origins, national_idp=national_idp)
        self.storage = Storage(self, "Storage", allowed_origins=allowed_origins)
        self.events = Events(
            self,
            "Events",
            sender_email=self.node.try_get_context(names.CTX_SENDER_EMAIL) or names.DEFAULT_SENDER_EMAIL,
            window_days=int(
                self.node.try_get_context(names.CTX_SURVEY_WINDOW_DAYS) or names.DEFAULT_SURVEY_WINDOW_DAYS
            ),
        )

        self.functions = Functions(
            self,
            "Functions",
            environment=common_environment(
                data_environment={
                    **self.data.environment,
                    names.ENV_USER_POOL_ID: self.auth.user_pool.user_pool_id,
                    **self.storage.environment,
                    **self.events.environment,
                },
                allowed_origins=allowed_origins,
            ),
        )
        data = self.data
        storage = self.storage
        self.functions.add(
            names.CITIZEN_API,
            grants=[
                data.grant_table_read_write,
                data.grant_idempotency,
                storage.grant_presign,
                self.events.grant_sms,  # phone verification codes (issue 13)
            ],
        )
        self.functions.add(
            names.STAFF_API,
            grants=[
                data.grant_table_read_write,
                data.grant_idempotency,
                self.auth.grant_directory_read,
                storage.grant_presign,
            ],
        )
        self.functions.add(
            names.ADMIN_API,
            grants=[data.grant_table_read_write, self.auth.grant_group_admin, storage.grant_erase],
        )
        self.functions.add(
            names.DISPATCHER,
            grants=[data.grant_table_read_write, self.events.grant_publish],
            timeout_seconds=names.DISPATCHER_TIMEOUT_SECONDS,
            description="Tawasul dispatcher: table stream to EventBridge events and SLA clocks",
        )
        self.auth.use_token_trigger(
            self.functions.add(
                names.TOKENS,
                shared_environment=False,
                memory_mb=names.TOKENS_MEMORY_MB,
                timeout_seconds=names.TOKENS_TIMEOUT_SECONDS,
                description="Tawasul tokens: Cognito pre-token trigger, federated citizens join `citizen`",
            )
        )
        self.stream = Stream(self, "Stream", table=data.table, dispatcher=self.functions[names.DISPATCHER])
        deadline = self.functions.add(
            names.DEADLINE,
            grants=[data.grant_table_read_write],
            description="Tawasul deadline: warns and escalates cases whose SLA time runs out",
        )
        self.clocks = Clocks(self, "Clocks", deadline=deadline)
        self.clocks.grant_control(self.functions[names.DISPATCHER])
        # Only the dispatcher starts clocks; the deadline function is the state machine's own task
        # (giving it the machine's ARN would make the definition depend on itself).
        self.functions[names.DISPATCHER].add_environment(
            names.ENV_CLOCK_STATE_MACHINE_ARN, self.clocks.state_machine.state_machine_arn
        )
        self.functions.add(
            names.SEED,
            grants=[data.grant_table_write],
            memory_mb=names.SEED_MEMORY_MB,
            timeout_seconds=names.SEED_TIMEOUT_SECONDS,
            description="Tawasul seed: writes the entity catalogue (CloudFormation custom resource)",
        )

        validator = self.functions.add(
            names.ATTACHMENTS,
            grants=[data.grant_table_read_write, storage.grant_validate],
            memory_mb=names.ATTACHMENTS_MEMORY_MB,
            timeout_seconds=names.ATTACHMENTS_TIMEOUT_SECONDS,
            description="Tawasul attachments: checks uploads, removes location data, quarantines",
        )
        storage.validate_uploads_with(validator)

        survey = self.functions.add(
            names.SURVEY,
            grants=[data.grant_table_read_write, self.events.grant_start_survey_window],
            timeout_seconds=names.CONSUMER_TIMEOUT_SECONDS,
            description="Tawasul survey: opens the survey after an answer, closes the case when it ends",
        )
        notify = self.functions.add(
            names.NOTIFY,
            grants=[data.grant_table_read_write, self.auth.grant_group_members_read, self.events.grant_send],
            timeout_seconds=names.CONSUMER_TIMEOUT_SECONDS,
            description="Tawasul notify: e-mail and SMS to citizens and escalation staff",
        )
        self.events.connect(survey=survey, notify=notify)
        self.reconciler = Reconciler(
            self,
            "Reconciler",
            function=self.functions.add(
                names.RECONCILER,
                grants=[data.grant_table_read_write, self.events.grant_publish],
                memory_mb=names.RECONCILER_MEMORY_MB,
                timeout_seconds=names.RECONCILER_TIMEOUT_SECONDS,
                description="Tawasul reconciler: repairs lost events, messages, SLA clocks and surveys",
            ),
            clock=self.clocks.state_machine,
            survey_window_arn=self.events.survey_window_arn,
        )

        self.retention = Retention(
            self,
            "Retention",
            function=self.functions.add(
                names.RETENTION,
                grants=[data.grant_table_read_write, storage.grant_erase],
                memory_mb=names.RETENTION_MEMORY_MB,
                timeout_seconds=names.RETENTION_TIMEOUT_SECONDS,
                description="Tawasul retention: erases personal data of final cases past retention",
            ),
            retention_days=int(
                self.node.try_get_context(names.CTX_CASE_RETENTION_DAYS) or names.CASE_RETENTION_DAYS
            ),
        )

        self.functions.add(
            names.REPORTS,
            grants=[data.grant_table_read],
            description="Tawasul reports: national table, entity league, public performance (counters only)",
        )
        stats = self.functions.add(
            names.STATS,
            grants=[data.grant_table_read_write],
            timeout_seconds=names.STATS_TIMEOUT_SECONDS,
            description="Tawasul stats: table stream to the report counters",
        )
        self.functions.add(
            names.BACKFILL,
            grants=[data.grant_table_read_write],
            memory_mb=names.BACKFILL_MEMORY_MB,
            timeout_seconds=names.BACKFILL_TIMEOUT_SECONDS,
            description="Tawasul backfill: rebuilds the report counters from the cases (run by hand)",
        )

        self.catalogue = Catalogue(self, "Catalogue", seed=self.functions[names.SEED])
        self.api = Api(
            self,
            "Api",
            functions={name: self.functions.entry_point(name) for name in API_FUNCTIONS},
            issuer=self.auth.issuer,
            audience=self.auth.user_pool_client.user_pool_client_id,
            allowed_origins=allowed_origins,
        )
        self.reports = Reports(self, "Reports", table=data.table, stats=stats)
        self.monitoring = Monitoring(
            self,
            "Monitoring",
            functions=self.functions.functions,
            stage=self.api.stage,
            access_logs=self.api.access_logs,
            table=data.table,
            dispatcher_failures=self.stream.failures,
            stats_failures=self.reports.failures,
            failure_queues={**self.events.failures, "Attachments": self.storage.failures},
            state_machines={
                names.CLOCK_STATE_MACHINE: self.clocks.state_machine,
                names.SURVEY_WINDOW_STATE_MACHINE: self.events.survey_window,
            },
            alarm_email=self.node.try_get_context(names.CTX_ALARM_EMAIL),
        )
        self.web = Web(
            self,
            "Web",
            api_url=self.api.url,
            user_pool=self.auth.user_pool,
            user_pool_client=self.auth.user_pool_client,
            access_logs_bucket=self.storage.access_logs,
            attachments_bucket=self.storage.bucket,
            identity_provider=names.NATIONAL_IDP_NAME if self.auth.national_idp else None,
        )

        CfnOutput(
            self,
            names.USER_POOL_ID_OUTPUT,
            key=names.USER_POOL_ID_OUTPUT,
            value=self.auth.user_pool.user_pool_id,
        )
        CfnOutput(
            self,
            names.USER_POOL_CLIENT_ID_OUTPUT,
            key=names.USER_POOL_CLIENT_ID_OUTPUT,
            value=self.auth.user_pool_client.user_pool_client_id,
        )
        self._reserve_deploy_time_functions()

    def _reserve_deploy_time_functions(self) -> None:
        """The functions the CDK adds for deployments (the web app's BucketDeployment) run once
        per deploy: one at a time is enough, and they then count in the account's reservations
        like every other function (docs/decisions/018-reserved-concurrency.md)."""
        if self.node.try_get_context(names.CTX_RESERVED_CONCURRENCY) is False:
            return
        for node in self.node.find_all():
            if isinstance(node, lambda_.CfnFunction) and node.reserved_concurrent_executions is None:
                node.reserved_concurrent_executions = names.DEPLOY_TIME_RESERVED_CONCURRENCY


def _origins(value: Sequence[str] | str | None) -> list[str]:
    """`tawasul:allowedOrigins` is a list in cdk.json, or a comma separated string from `cdk -c`."""
    if value is None:
        return []
    items = value.split(",") if isinstance(value, str) else list(value)
    return [item.strip().rstrip("/") for item in items if item and item.strip()]
