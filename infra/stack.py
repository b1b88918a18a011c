"""The Tawasul stack: composes one construct per concern, and nothing else."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from aws_cdk import CfnOutput, Stack
from constructs import Construct

from infra import names
from infra.constructs.api import Api
from infra.constructs.auth import Auth
from infra.constructs.catalogue import Catalogue
from infra.constructs.data import Data
from infra.constructs.functions import Functions, common_environment
from infra.constructs.monitoring import Monitoring
from infra.constructs.stream import Stream
from infra.routes import API_FUNCTIONS


class TawasulStack(Stack):
    def __init__(self, scope: Construct, construct_id: str = names.STACK_ID, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, description=names.STACK_DESCRIPTION, **kwargs)
        allowed_origins = _origins(self.node.try_get_context(names.CTX_ALLOWED_ORIGINS))
        national_idp: Mapping[str, Any] | None = self.node.try_get_context(names.CTX_NATIONAL_IDP)

        self.data = Data(self, "Data")
        self.auth = Auth(self, "Auth", allowed_origins=allowed_origins, national_idp=national_idp)

        self.functions = Functions(
            self,
            "Functions",
            environment=common_environment(
                data_environment={
                    **self.data.environment,
                    names.ENV_USER_POOL_ID: self.auth.user_pool.user_pool_id,
                },
                allowed_origins=allowed_origins,
            ),
        )
        data = self.data
        self.functions.add(names.CITIZEN_API, grants=[data.grant_table_read_write, data.grant_idempotency])
        self.functions.add(
            names.STAFF_API,
            grants=[data.grant_table_read_write, data.grant_idempotency, self.auth.grant_directory_read],
        )
        self.functions.add(names.ADMIN_API, grants=[data.grant_table_read_write, self.auth.grant_group_admin])
        self.functions.add(
            names.DISPATCHER,
            grants=[data.grant_table_read],
            timeout_seconds=names.DISPATCHER_TIMEOUT_SECONDS,
            description="Tawasul dispatcher: table stream to EventBridge events and SLA clocks",
        )
        self.stream = Stream(self, "Stream", table=data.table, dispatcher=self.functions[names.DISPATCHER])
        self.functions.add(
            names.SEED,
            grants=[data.grant_table_write],
            memory_mb=names.SEED_MEMORY_MB,
            timeout_seconds=names.SEED_TIMEOUT_SECONDS,
            description="Tawasul seed: writes the entity catalogue (CloudFormation custom resource)",
        )

        self.catalogue = Catalogue(self, "Catalogue", seed=self.functions[names.SEED])
        self.api = Api(
            self,
            "Api",
            functions={name: self.functions[name] for name in API_FUNCTIONS},
            issuer=self.auth.issuer,
            audience=self.auth.user_pool_client.user_pool_client_id,
            allowed_origins=allowed_origins,
        )
        self.monitoring = Monitoring(
            self, "Monitoring", functions=self.functions.functions, stage=self.api.stage
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


def _origins(value: Sequence[str] | str | None) -> list[str]:
    """`tawasul:allowedOrigins` is a list in cdk.json, or a comma separated string from `cdk -c`."""
    if value is None:
        return []
    items = value.split(",") if isinstance(value, str) else list(value)
    return [item.strip().rstrip("/") for item in items if item and item.strip()]
