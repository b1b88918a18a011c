"""The AWS SDK's retries and timeouts are sized to fit inside each function's timeout."""

from __future__ import annotations

import pytest

from infra import names


def test_the_sdk_budget_always_fits_and_keeps_retries_where_time_allows() -> None:
    for timeout in (3, 5, 10, 30, 60, 900):
        attempts, connect, read = names.sdk_budget(timeout)
        assert names.sdk_worst_case_seconds(attempts, connect, read) <= timeout
    assert names.sdk_budget(30)[0] == 3 and names.sdk_budget(10)[0] == 2


def test_the_adapters_read_the_budget_the_stack_set(monkeypatch: pytest.MonkeyPatch) -> None:
    from tawasul.adapters import aws
    from tawasul.config import get_sdk_settings

    monkeypatch.setenv("SDK_MAX_ATTEMPTS", "2")
    monkeypatch.setenv("SDK_CONNECT_TIMEOUT", "1")
    monkeypatch.setenv("SDK_READ_TIMEOUT", "3")
    get_sdk_settings.cache_clear()
    aws._config.cache_clear()
    try:
        config = aws._config()
        assert config.retries == {"mode": "standard", "max_attempts": 2}
        assert (config.connect_timeout, config.read_timeout) == (1, 3)
    finally:
        get_sdk_settings.cache_clear()
        aws._config.cache_clear()
