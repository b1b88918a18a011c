"""The benchmark's measuring functions still run and return numbers (tiny sizes, no timing
assertions), so `make test` keeps `make bench` from rotting."""

from __future__ import annotations

from pathlib import Path

from infra.routes import API_FUNCTIONS
from tests.bench import (
    FUNCTIONS,
    CallLog,
    _table,
    api_functions,
    counting_dynamodb_calls,
    dynamodb_calls,
    function_layouts,
    import_profile,
    reference_ratios,
)


def test_import_profile_of_a_handler_and_of_the_baseline() -> None:
    # Given a handler and the bare boto3 baseline
    # When each is imported once in a fresh interpreter
    handler = import_profile("citizen_api", runs=1)
    baseline = import_profile(None, runs=1, breakdown=False)

    # Then each is measured: a duration, the modules it loaded, the watched groups counted
    for profile in (handler, baseline):
        assert profile.seconds > 0 and profile.ratio > 0
        assert profile.modules > 0
        assert set(profile.watched) == {"xray", "parser", "event_handler", "boto3", "pydantic"}
        assert all(isinstance(n, int) and n >= 0 for n in profile.watched.values())
    # And the handler's heaviest packages are named with their share of the import
    assert handler.heaviest and all(0 < share <= 1 for _name, share in handler.heaviest)
    # And what each loaded is counted in its group: the handler pydantic (boto3 comes with the
    # first client, decision 015), the baseline boto3
    assert handler.watched["pydantic"] > 0 and handler.watched["boto3"] == 0
    assert baseline.watched["boto3"] > 0


def test_the_bench_covers_every_api_function() -> None:
    assert api_functions() == tuple(API_FUNCTIONS)


def test_the_bench_measures_every_function_of_the_folder_and_the_template() -> None:
    # Given the functions/ folder (and the synthesized template, when there is one)
    folders = {p.name for p in FUNCTIONS.iterdir() if (p / "handler.py").is_file()}
    # When the bench lays the functions out as Lambda would
    layouts = function_layouts()
    # Then every function is there, with its code first and the layer after the interpreter's path
    assert folders <= set(layouts)
    for layout in layouts.values():
        assert layout.head and layout.tail and layout.source in ("cdk.out", "source")
        assert (Path(layout.head[0]) / "handler.py").is_file()
        assert (Path(layout.tail[0]) / "tawasul").is_dir()


def test_percentiles_of_the_load_profile() -> None:
    from tests.bench.live import _ms

    values = [i / 1000 for i in range(1, 101)]
    assert _ms(values, 0.5) == "51" and _ms(values, 0.99) == "99" and _ms([0.002], 0.99) == "2"


def test_dynamodb_calls_are_counted_for_every_request() -> None:
    # Given a table with a couple of cases
    # When each benchmarked request runs once
    calls = dynamodb_calls(2)

    # Then each one is counted, and each touches DynamoDB at least once
    assert {"submit", "get my case", "list my cases (first page)", "staff queue (moh)", "respond"} <= set(
        calls
    )
    assert all(isinstance(log, CallLog) and log.count() >= 1 for log in calls.values())
    assert "TransactWriteItems" in calls["submit"].summary()


def test_counting_stops_when_the_block_ends() -> None:
    import botocore.client

    original = botocore.client.BaseClient._make_api_call
    with counting_dynamodb_calls() as log:
        assert botocore.client.BaseClient._make_api_call is not original
    assert botocore.client.BaseClient._make_api_call is original
    assert log.count() == 0


def test_reference_ratios_are_positive_numbers() -> None:
    ratios = reference_ratios(count=200)
    assert set(ratios) == {"validate_per_generate", "generate_cost_vs_uuid4", "validate_cost_vs_uuid4"}
    assert all(value > 0 for value in ratios.values())


def test_tables_align_their_columns() -> None:
    rendered = _table(["name", "n"], [["a", "1"], ["longer", "10"]]).splitlines()
    assert len({len(line) for line in rendered}) == 1
    assert rendered[2].endswith(" 1") and rendered[3].startswith("longer")


def test_a_report_costs_the_same_requests_whatever_the_cases() -> None:
    from tests.bench import report_requests

    few, more = report_requests(4), report_requests(64)
    assert few.count() == more.count() <= 40
    assert "Scan" not in more.calls
