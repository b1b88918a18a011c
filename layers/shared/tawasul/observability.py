"""The one Logger and Metrics of every function. No Tracer: Lambda's active tracing needs no
X-Ray SDK, and importing it costs about half a second of cold start."""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics

logger = Logger()
metrics = Metrics(namespace="Tawasul")
