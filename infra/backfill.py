"""`make backfill`: rebuild the report counters from the cases (docs/reports.md, "Backfill").

Against the local runtime (default, `make run` on PORT): `POST /local/backfill` runs the same
`backfill` function in process. Against AWS (`make backfill AWS=1`, credentials in the
environment): invokes the deployed `backfill` function of the `Tawasul` stack (found by its logical id)."""

from __future__ import annotations

import argparse
import json
import sys

from infra import names


def local(url: str) -> dict:
    import requests

    answer = requests.post(f"{url.rstrip('/')}/local/backfill", json={}, timeout=900)
    answer.raise_for_status()
    return dict(answer.json())


def deployed(stack: str) -> dict:
    import boto3

    resources = boto3.client("cloudformation").describe_stack_resources(StackName=stack)["StackResources"]
    prefix = f"Functions{names.BACKFILL}"
    (function,) = [
        r["PhysicalResourceId"]
        for r in resources
        if r["ResourceType"] == "AWS::Lambda::Function" and r["LogicalResourceId"].startswith(prefix)
    ]
    answer = boto3.client("lambda").invoke(FunctionName=function, Payload=b"{}")
    payload = json.loads(answer["Payload"].read())
    if "FunctionError" in answer:
        raise SystemExit(f"backfill failed: {payload}")
    return dict(payload)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--aws", action="store_true", help="invoke the deployed function")
    parser.add_argument("--url", default="http://127.0.0.1:8080", help="the local runtime")
    args = parser.parse_args()
    result = deployed(names.STACK_ID) if args.aws else local(args.url)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
