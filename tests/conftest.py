"""Fake AWS credentials for every test: nothing here may reach a real account."""

from __future__ import annotations

import os

os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "me-south-1",
        "AWS_REGION": "me-south-1",
        "POWERTOOLS_METRICS_NAMESPACE": "Tawasul",
        "POWERTOOLS_SERVICE_NAME": "tawasul-tests",
        "POWERTOOLS_DEV": "false",
    }
)
os.environ.pop("AWS_PROFILE", None)
os.environ.pop("AWS_ENDPOINT_URL", None)
