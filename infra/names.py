"""Every name and string the CDK app uses, in one place (docs/decisions/001, 002)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FUNCTIONS_DIR = ROOT / "functions"
LAYER_DIR = ROOT / ".build" / "layer"
CATALOGUE_FILE = ROOT / "layers" / "shared" / "tawasul" / "data" / "entities.json"
CDK_JSON = ROOT / "cdk.json"

# --- app and stack ---------------------------------------------------------------------------
STACK_ID = "Tawasul"
STACK_DESCRIPTION = "Tawasul: national suggestions and complaints platform (serverless)"
TAGS = {"project": "tawasul"}

# --- context keys (cdk.json or `cdk -c`) -----------------------------------------------------
CTX_ALLOWED_ORIGINS = "tawasul:allowedOrigins"
CTX_NATIONAL_IDP = "tawasul:nationalIdp"  # {"issuer", "clientId", "clientSecretParameter"?}
# {"<function>": <provisioned instances>}; {} (the default) is none: docs/decisions/015-cold-starts.md
CTX_PROVISIONED_CONCURRENCY = "tawasul:provisionedConcurrency"
LIVE_ALIAS = "live"  # the alias that carries a function's provisioned concurrency
# Reserved concurrency per function (docs/decisions/018-reserved-concurrency.md): a ceiling that
# keeps one function from starving the others and a guarantee that it can always run. A stage
# sets `"reservedConcurrency": false` where the account's limit is below 1,000 (new accounts).
CTX_RESERVED_CONCURRENCY = "tawasul:reservedConcurrency"
RESERVED_CONCURRENCY = {
    "citizen_api": 100,  # the stage's 100 requests/s at up to 1 s each
    "staff_api": 50,
    "admin_api": 5,
    "reports": 20,  # public performance page: its own route throttle is 10/s
    "tokens": 20,  # sign-ins
    "dispatcher": 10,  # one per stream shard, bisecting
    "stats": 5,
    "deadline": 20,  # clock ticks come in bursts at the start of a working day
    "notify": 20,  # also bounds the rate at which SES and SNS are called
    "survey": 10,
    "attachments": 20,
    "reconciler": 1,  # runs never overlap
    "retention": 1,  # one daily run at a time
    "backfill": 1,  # a rebuild at a time
    "seed": 1,
}
DEPLOY_TIME_RESERVED_CONCURRENCY = 1  # the CDK's own deploy-time functions (BucketDeployment)

# --- stages (README "Deploy", docs/operations.md) --------------------------------------------------
# `make deploy STAGE=dev` synthesizes the stack `Tawasul-dev` from cdk.json's "tawasul:stages"
# entry `dev`: its account and region are pinned and its settings become the context keys above.
# Without a stage (make synth, make run, the tests) the stack is `Tawasul`, as before.
CTX_STAGE = "tawasul:stage"
CTX_STAGES = "tawasul:stages"
DEFAULT_REGION = "me-south-1"
STAGE_ENV = "TAWASUL_STAGE"
CTX_WEB_DOMAIN = "tawasul:webDomain"  # the web app's own domain (an alias of the distribution)
CTX_WEB_CERTIFICATE_ARN = "tawasul:webCertificateArn"  # its ACM certificate, in us-east-1


def staged(name: str, stage: str | None) -> str:
    """A resource name that two stages in one account do not share: ``name-<stage>``."""
    return f"{name}-{stage}" if stage else name


# --- functions (folder names under functions/) ----------------------------------------------
CITIZEN_API = "citizen_api"
STAFF_API = "staff_api"
ADMIN_API = "admin_api"
DISPATCHER = "dispatcher"
TOKENS = "tokens"
TOKENS_MEMORY_MB = 256
TOKENS_TIMEOUT_SECONDS = 5
NATIONAL_ID_ATTRIBUTE = "national_id"  # custom:national_id on the user pool, from the national IdP
DEADLINE = "deadline"
CLOCK_STATE_MACHINE = "case-clock"
ENV_CLOCK_STATE_MACHINE_ARN = "CLOCK_STATE_MACHINE_ARN"
STREAM_BATCH_SIZE = 50
DISPATCHER_TIMEOUT_SECONDS = 60
STREAM_RETRY_ATTEMPTS = 10
# What a state machine's Lambda task retries: errors that a later attempt can get past (the
# exception class names the functions raise — tawasul.errors, botocore — and Lambda's own
# timeout). Anything else is deterministic: the execution fails at once and alarms.
TRANSIENT_ERRORS = (
    "Retryable",  # throttling, service unavailable (tawasul.errors)
    "ConcurrentChange",  # the case changed meanwhile: read it again
    "EventsNotPublished",
    "ConnectTimeoutError",
    "ReadTimeoutError",
    "EndpointConnectionError",
    "Sandbox.Timedout",
)
SEED = "seed"
ATTACHMENTS = "attachments"
ATTACHMENTS_MEMORY_MB = 1024  # a 10 MB file, its cleaned copy and more CPU for the checks
ATTACHMENTS_TIMEOUT_SECONDS = 60

HANDLER = "handler.lambda_handler"
FUNCTION_METADATA_KEY = "tawasul:function"  # CloudFormation metadata: the local runtime's lookup key
API_MEMORY_MB = 512
API_TIMEOUT_SECONDS = 10
SEED_MEMORY_MB = 256
SEED_TIMEOUT_SECONDS = 60
LOG_RETENTION = "THREE_MONTHS"  # aws_logs.RetentionDays member: 90 days, functions and API access logs

# --- function environment (same keys for every function; docs/decisions/001) ----------------
ENV_TABLE_NAME = "TABLE_NAME"
ENV_IDEMPOTENCY_TABLE_NAME = "IDEMPOTENCY_TABLE_NAME"
ENV_SERVICE_NAME = "POWERTOOLS_SERVICE_NAME"
ENV_SDK_MAX_ATTEMPTS = "SDK_MAX_ATTEMPTS"
ENV_SDK_CONNECT_TIMEOUT = "SDK_CONNECT_TIMEOUT"
ENV_SDK_READ_TIMEOUT = "SDK_READ_TIMEOUT"


def sdk_worst_case_seconds(attempts: int, connect: int, read: int) -> int:
    """The longest one AWS SDK call can take: every attempt times out connecting and reading, with
    the standard retry mode's largest back-offs in between (1 s, 2 s, 4 s, ...)."""
    return attempts * (connect + read) + (2 ** (attempts - 1) - 1)


def sdk_budget(timeout_seconds: int) -> tuple[int, int, int]:
    """(attempts, connect timeout, read timeout) such that one call's retries fit inside the
    function's timeout (decision 016): a stuck call fails as the function's own error, with time
    left to log it, instead of the function being killed mid-retry."""
    for attempts, connect, read in ((3, 2, 5), (2, 1, 3), (2, 1, 1), (1, 1, 1)):
        if sdk_worst_case_seconds(attempts, connect, read) <= timeout_seconds:
            return attempts, connect, read
    raise ValueError(f"a {timeout_seconds} s timeout leaves no time for an AWS call")


ENV_METRICS_NAMESPACE = "POWERTOOLS_METRICS_NAMESPACE"
ENV_LOG_LEVEL = "POWERTOOLS_LOG_LEVEL"
ENV_ALLOWED_ORIGINS = "ALLOWED_ORIGINS"
ENV_USER_POOL_ID = "USER_POOL_ID"
ENV_ATTACHMENTS_BUCKET = "ATTACHMENTS_BUCKET"
SERVICE_PREFIX = "tawasul-"
METRICS_NAMESPACE = "Tawasul"
LOG_LEVEL = "INFO"

# --- data ------------------------------------------------------------------------------------
PK, SK = "PK", "SK"
GSI1, GSI1_PK, GSI1_SK = "GSI1", "GSI1PK", "GSI1SK"
GSI2, GSI2_PK, GSI2_SK = "GSI2", "GSI2PK", "GSI2SK"
# What each index copies besides the keys: only what its access patterns read
# (docs/access-patterns.md, docs/privacy.md). Never a description, a contact, an owner, a message
# text or a file name: those stay in the table, read by key. The outstanding-duty markers
# (UNPUBLISHED#/UNNOTIFIED#) need nothing but the keys: the reconciler reads the item itself.
CASE_LIST_ATTRIBUTES = (
    "reference",
    "type",
    "entity_id",
    "subject",
    "status",
    "channel",
    "language",
    "created_at",
    "updated_at",
    "due_at",
)
GSI1_ATTRIBUTES = (
    *CASE_LIST_ATTRIBUTES,  # pattern 4, the citizen's cases
    *("id", "name_ar", "name_en", "joined", "central"),  # pattern 7, the catalogue
)
GSI2_ATTRIBUTES = (
    *CASE_LIST_ATTRIBUTES,  # pattern 5, an entity's queue; the reconciler's clocks (R3)
    *("assignee", "warn_at", "escalation_level", "sla_state", "cycle", "erased_at"),
)
PROJECTED_ATTRIBUTES = {GSI1: GSI1_ATTRIBUTES, GSI2: GSI2_ATTRIBUTES}
TABLE_TTL_ATTRIBUTE = "expires_at"
IDEMPOTENCY_KEY = "id"
IDEMPOTENCY_TTL_ATTRIBUTE = "expiration"

# --- attachments (docs/decisions/005) ------------------------------------------------------------
# Object key prefixes; tawasul.domain.attachments uses the same ones (tests/infra checks it).
INCOMING_PREFIX = "incoming/"  # presigned uploads land here, readable by the validator only
FILES_PREFIX = "files/"  # checked files: the only prefix presigned downloads may read
QUARANTINE_PREFIX = "quarantine/"  # refused uploads, kept for a while for ops
QUARANTINE_DAYS = 30
STALE_UPLOAD_DAYS = 2  # incoming/ objects never checked (the validator deletes what it checks)
NONCURRENT_VERSION_DAYS = 30
RAW_UPLOAD_NONCURRENT_DAYS = 1  # a raw upload (GPS and all) never lingers as an old version
ACCESS_LOG_DAYS = 365
S3_LOGGING_FLAG = "@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy"

# --- auth ------------------------------------------------------------------------------------
GROUP_CITIZEN = "citizen"
GROUP_OVERSIGHT = "oversight"
STATIC_GROUPS = {
    GROUP_CITIZEN: "Citizens and residents, federated from the national identity provider",
    GROUP_OVERSIGHT: "Central authority: reads everything, works cases of entities that have not joined",
}
NATIONAL_IDP_NAME = "NationalID"
OAUTH_CALLBACK_PATH = "/auth/callback"
PASSWORD_MIN_LENGTH = 12

# --- api -------------------------------------------------------------------------------------
API_NAME = "tawasul"
CORS_ALLOWED_HEADERS = ("authorization", "content-type", "idempotency-key")
CORS_MAX_AGE_SECONDS = 3600
THROTTLE_RATE_LIMIT = 100  # requests per second, steady state, whole stage
THROTTLE_BURST_LIMIT = 200
API_URL_OUTPUT = "ApiUrl"
USER_POOL_ID_OUTPUT = "UserPoolId"
USER_POOL_CLIENT_ID_OUTPUT = "UserPoolClientId"
# Access log: what ops need to follow a request, nothing about the caller (no IP, no identity).
ACCESS_LOG_FIELDS = {
    "requestId": "$context.requestId",
    "requestTime": "$context.requestTimeEpoch",
    "httpMethod": "$context.httpMethod",
    "routeKey": "$context.routeKey",
    "status": "$context.status",
    "responseLength": "$context.responseLength",
    "latency": "$context.responseLatency",
    "integrationLatency": "$context.integrationLatency",
    "integrationStatus": "$context.integrationStatus",
    "integrationError": "$context.integrationErrorMessage",
    "error": "$context.error.message",
    "authorizerError": "$context.authorizer.error",
    "path": "$context.path",
}

# --- catalogue -------------------------------------------------------------------------------
CATALOGUE_RESOURCE_TYPE = "Custom::Catalogue"
CATALOGUE_VERSION_PROPERTY = "Version"

# --- monitoring ------------------------------------------------------------------------------
ALARM_PERIOD_MINUTES = 5
API_5XX_THRESHOLD = 5  # 5xx answers per period before someone should look
API_5XX_RATE_PERCENT = 5  # ... or this share of the requests of a period
API_5XX_RATE_MIN_REQUESTS = 20  # (the rate says nothing below this many requests)
API_P99_LATENCY_MS = 3000  # three periods in a row
ITERATOR_AGE_ALARM_MS = 5 * 60 * 1000  # the dispatcher is five minutes behind the stream
SLA_BREACH_SPIKE_PER_HOUR = 20  # cases breaching their first due time within an hour
CTX_ALARM_EMAIL = "tawasul:alarmEmail"  # who the alarm topic e-mails (the stage's context)
REFERENCE_PLACEHOLDER = "TW-XXXX-XXXX-XX"  # the saved query "Reference": replace it in the console
CHANNELS = ("portal", "app", "call_centre", "walk_in", "open311")  # tawasul.domain.case.Channel
REPAIR_KINDS = ("event", "notification", "clock", "survey")  # tawasul.services.reconciler.KINDS

# --- events, surveys and notifications (docs/events.md) -------------------------------------
CTX_SENDER_EMAIL = "tawasul:senderEmail"  # the SES identity notifications are sent from
CTX_SURVEY_WINDOW_DAYS = "tawasul:surveyWindowDays"
DEFAULT_SENDER_EMAIL = "no-reply@tawasul.gov.bh"
DEFAULT_SURVEY_WINDOW_DAYS = 14
SURVEY = "survey"
NOTIFY = "notify"
CONSUMER_TIMEOUT_SECONDS = 30
EVENT_BUS_NAME = "tawasul"
EVENT_SOURCE = "tawasul.cases"  # tawasul/services/events.py SOURCE
EVENT_ARCHIVE_DAYS = 365
SURVEY_WINDOW_STATE_MACHINE = "survey-window"
EVENT_RETRY_ATTEMPTS = 8  # EventBridge → Lambda delivery retries (then the target's DLQ)
EVENT_MAX_AGE_HOURS = 24
ASYNC_RETRY_ATTEMPTS = 2  # Lambda's retries of a failing asynchronous invocation (then the DLQ)
ASYNC_MAX_AGE_HOURS = 6  # the longest Lambda keeps an asynchronous event
FAILURES_RETENTION_DAYS = 14
ENV_EVENT_BUS_NAME = "EVENT_BUS_NAME"
ENV_SURVEY_STATE_MACHINE_ARN = "SURVEY_STATE_MACHINE_ARN"
ENV_SURVEY_WINDOW_DAYS = "SURVEY_WINDOW_DAYS"
ENV_SENDER_EMAIL = "SENDER_EMAIL"
# Which events reach which consumer (tests/unit check them against the services).
SURVEY_EVENTS = ("CaseResponded",)
NOTIFY_EVENTS = (
    "CaseSubmitted",
    "InfoRequested",
    "CaseResponded",
    "CaseTransferred",
    "SurveyOpened",
    "CaseEscalated",
    "CaseClosed",
    "CaseRejected",
    "DeadlineExtended",
    "SuggestionOutcomeRecorded",
    "CaseReopened",
    "CaseAtRisk",
    "CaseAssigned",
)

# --- web app (docs/decisions/006-web.md) -------------------------------------------------------
WEB_DIR = ROOT / "web"
WEB_CONFIG_FILE = "config.json"  # read by the app at start: API URL and sign-in settings
WEB_INDEX_FILE = "index.html"
CTX_AUTH_DOMAIN_PREFIX = "tawasul:authDomainPrefix"  # Cognito hosted UI prefix (default tawasul-<account>)
WEB_URL_OUTPUT = "WebUrl"
AUTH_DOMAIN_OUTPUT = "AuthDomain"
# Browsers revalidate every file (no build step, so no hashed names); CloudFront keeps them for a
# day and every deployment invalidates `/*`.
WEB_CACHE_CONTROL = "public, max-age=0, s-maxage=86400, must-revalidate"
HSTS_SECONDS = 2 * 365 * 24 * 3600
WEB_ACCESS_LOG_PREFIX = "web/"

# --- reconciler (docs/decisions/013) ------------------------------------------------------------
RECONCILER = "reconciler"
RECONCILE_EVERY_MINUTES = 5
RECONCILER_TIMEOUT_SECONDS = 240  # less than the schedule's period: runs never overlap
RECONCILER_MEMORY_MB = 512
REPAIRS_METRIC = "Repairs"  # tawasul/services/reconciler.py REPAIRS_METRIC

# --- retention and erasure (docs/privacy.md, decision 019) -------------------------------------
RETENTION = "retention"
# Final cases (closed, rejected, withdrawn) are erased this long after their last change and their
# last due time: five years (decision 019). The function reads it as CASE_RETENTION_DAYS; a stage
# may set `tawasul:caseRetentionDays` in cdk.json.
CASE_RETENTION_DAYS = 1826
CTX_CASE_RETENTION_DAYS = "tawasul:caseRetentionDays"
ENV_CASE_RETENTION_DAYS = "CASE_RETENTION_DAYS"
RETENTION_SCHEDULE_HOUR_UTC = 0  # 03:00 in Bahrain, before the working day
RETENTION_TIMEOUT_SECONDS = 900  # a day's erasures (at most RETENTION_LIMIT cases), then the next day
RETENTION_MEMORY_MB = 512
# Backstop for the files of cases the retention job could not erase: S3 expires any object under
# files/ this long after its upload (half a year past the case retention: a case's files are older
# than its last change, and the job erases them first).
FILES_BACKSTOP_DAYS = CASE_RETENTION_DAYS + 183

# --- statistics and reports (docs/reports.md, decision 010) ------------------------------------
REPORTS = "reports"
STATS = "stats"
BACKFILL = "backfill"
STATS_TIMEOUT_SECONDS = 60
BACKFILL_MEMORY_MB = 1024
BACKFILL_TIMEOUT_SECONDS = 900  # a rebuild pages through every case; run by hand
#: timeline items the stats function receives (= tawasul.domain.statistics.COUNTED_EVENTS, tested)
STATS_EVENTS = (
    "CaseSubmitted",
    "CaseTransferred",
    "CaseResponded",
    "CaseEscalated",
    "SurveyAnswered",
    "CaseReopened",
)
PUBLIC_PERFORMANCE_ROUTE = "GET /v1/public/performance"
PUBLIC_THROTTLE_RATE_LIMIT = 10  # requests per second for anonymous readers, apart from the stage's
PUBLIC_THROTTLE_BURST_LIMIT = 20
