"""Event patterns (EventBridge syntax), as Lambda filter criteria and EventBridge rules use them.

Supported: exact values, `prefix`, `suffix`, `equals-ignore-case`, `anything-but` (values or a
prefix), `exists`, `numeric` comparisons, `wildcard`, and `$or`. Enough for the patterns this
project writes; an unknown operator never matches (and says so in the log).
"""

from __future__ import annotations

import fnmatch
import logging
from typing import Any

log = logging.getLogger("tawasul.local.patterns")

_MISSING = object()


def matches(pattern: dict[str, Any], event: Any) -> bool:
    """True when `event` (a JSON object) matches `pattern`."""
    if not isinstance(event, dict):
        return False
    for key, expected in pattern.items():
        if key == "$or":
            if not any(matches(p, event) for p in expected):
                return False
            continue
        value = event.get(key, _MISSING)
        if isinstance(expected, dict):
            if value is _MISSING or not isinstance(value, dict):
                return False
            if not matches(expected, value):
                return False
        elif isinstance(expected, list):
            if not _match_leaf(expected, value):
                return False
        else:
            log.debug("pattern value for %s is not a list or object", key)
            return False
    return True


def _match_leaf(conditions: list[Any], value: Any) -> bool:
    values = value if isinstance(value, list) else [value]
    for condition in conditions:
        if isinstance(condition, dict):
            if _match_operator(condition, value, values):
                return True
        elif value is not _MISSING and any(v == condition for v in values):
            return True
    return False


def _match_operator(condition: dict[str, Any], value: Any, values: list[Any]) -> bool:
    ((operator, argument),) = condition.items()
    if operator == "exists":
        return (value is not _MISSING) == bool(argument)
    if value is _MISSING:
        return False
    strings = [v for v in values if isinstance(v, str)]
    if operator == "prefix":
        if isinstance(argument, dict):
            return any(
                s.lower().startswith(str(argument.get("equals-ignore-case", "")).lower()) for s in strings
            )
        return any(s.startswith(argument) for s in strings)
    if operator == "suffix":
        if isinstance(argument, dict):
            return any(
                s.lower().endswith(str(argument.get("equals-ignore-case", "")).lower()) for s in strings
            )
        return any(s.endswith(argument) for s in strings)
    if operator == "equals-ignore-case":
        return any(s.lower() == str(argument).lower() for s in strings)
    if operator == "wildcard":
        return any(fnmatch.fnmatchcase(s, argument) for s in strings)
    if operator == "anything-but":
        if isinstance(argument, dict):
            if "prefix" in argument:
                return all(not s.startswith(argument["prefix"]) for s in strings) and bool(strings)
            if "suffix" in argument:
                return all(not s.endswith(argument["suffix"]) for s in strings) and bool(strings)
            if "equals-ignore-case" in argument:
                banned = argument["equals-ignore-case"]
                banned_list = banned if isinstance(banned, list) else [banned]
                return all(s.lower() not in {b.lower() for b in banned_list} for s in strings)
        banned_values = argument if isinstance(argument, list) else [argument]
        return all(v not in banned_values for v in values)
    if operator == "numeric":
        numbers = [_number(v) for v in values]
        return any(n is not None and _numeric(argument, n) for n in numbers)
    log.debug("pattern operator %s not supported locally", operator)
    return False


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    return None


def _numeric(spec: list[Any], number: float) -> bool:
    checks = {
        "=": lambda a, b: a == b,
        "<": lambda a, b: a < b,
        "<=": lambda a, b: a <= b,
        ">": lambda a, b: a > b,
        ">=": lambda a, b: a >= b,
    }
    for i in range(0, len(spec) - 1, 2):
        op, bound = spec[i], spec[i + 1]
        if op not in checks or not checks[op](number, float(bound)):
            return False
    return True
