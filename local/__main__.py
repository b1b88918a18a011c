"""`python -m local`: start the local runtime and serve until SIGINT/SIGTERM.

Environment: PORT (default 8080), TEMPLATE (default cdk.out/Tawasul.template.json),
LOCAL_LOG_LEVEL (default INFO), LOCAL_START_CLOCK (an ISO-8601 instant the runtime's clock starts
at, e.g. a Friday evening before a holiday; default: real time).
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
import warnings
from pathlib import Path
from types import FrameType

from local.clock import isoformat, parse_instant
from local.lambdas import FunctionError
from local.provision import ProvisioningError
from local.runtime import DEFAULT_TEMPLATE, Runtime
from local.seed import DEMO_USERS
from local.template import TemplateError

DEMO_TOKEN_TTL_SECONDS = 12 * 3600
DEMO_TOKENS = Path(os.environ.get("LOCAL_STATE_DIR", ".local-state")) / "demo-tokens.env"


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m local", description=__doc__)
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8080")))
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--template", default=os.environ.get("TEMPLATE", DEFAULT_TEMPLATE))
    parser.add_argument("--log-level", default=os.environ.get("LOCAL_LOG_LEVEL", "INFO"))
    parser.add_argument(
        "--start-clock",
        default=os.environ.get("LOCAL_START_CLOCK") or None,
        help="ISO-8601 instant the runtime's clock starts at (default: real time)",
    )
    return parser.parse_args(argv)


def _demo_tokens(runtime: Runtime) -> Path:
    """Write the demo users' tokens to a private file and return its path. Not to the log: a
    token's claims (the demo citizen's e-mail address) are personal data in clear (docs/privacy.md)."""
    lines = []
    for user in DEMO_USERS:
        token = runtime.mint_token(
            user.sub, list(user.groups), email=user.email, ttl_seconds=DEMO_TOKEN_TTL_SECONDS
        )
        lines.append(f"export TOKEN_{user.sub.split('-', 1)[0].upper()}={token}")
    DEMO_TOKENS.parent.mkdir(parents=True, exist_ok=True)
    DEMO_TOKENS.touch(mode=0o600, exist_ok=True)
    DEMO_TOKENS.chmod(0o600)
    DEMO_TOKENS.write_text("\n".join(lines) + "\n")
    return DEMO_TOKENS.resolve()


def _banner(runtime: Runtime) -> str:
    url = runtime.url
    lines = [
        "",
        f"Tawasul local runtime on {url}",
        f"  health:   {url}/local/health",
        f"  entities: {url}/v1/entities",
        f"  moto:     {runtime.moto_url} (AWS_ENDPOINT_URL)",
        "",
        "Mint a token (the user joins the local directory):",
        f'  curl -s -X POST {url}/local/token -d \'{{"sub": "citizen-1", "groups": ["citizen"]}}\'',
        f'  curl -s -X POST {url}/local/token -d \'{{"sub": "oversight-1", "groups": ["oversight"]}}\'',
        f"Move the clock:   curl -s -X POST {url}/local/clock -d '{{\"advance_seconds\": 86400}}'",
        f"Outbox:           curl -s {url}/local/outbox",
        "",
        f"Demo tokens (valid {DEMO_TOKEN_TTL_SECONDS // 3600} h of runtime clock) for "
        + ", ".join(f"{u.sub} ({', '.join(u.groups)})" for u in DEMO_USERS)
        + ":",
        f"  source {_demo_tokens(runtime)}",
        f'  curl -s -H "Authorization: Bearer $TOKEN_CITIZEN" {url}/v1/cases',
        "",
        "Ctrl-C stops.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    logging.basicConfig(
        level=getattr(logging, str(args.log_level).upper(), logging.INFO),
        format="[local] %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    logging.getLogger("botocore").setLevel(logging.WARNING)
    # powertools warns on every request of a handler that published no business metric.
    warnings.filterwarnings("ignore", message="No application metrics to publish")

    stopping = threading.Event()

    def _stop(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)

    runtime = Runtime(args.template, port=args.port, host=args.host)
    if args.start_clock:
        try:
            started_at = runtime.clock.start_at(parse_instant(args.start_clock))
        except ValueError:
            print(f"[local] cannot start: LOCAL_START_CLOCK={args.start_clock!r} is no ISO-8601 instant")
            return 2
        print(f"[local] the clock starts at {isoformat(started_at)}", file=sys.stderr, flush=True)
    try:
        runtime.start()
    except (ProvisioningError, TemplateError, FunctionError) as exc:
        print(f"[local] cannot start: {exc}", file=sys.stderr)
        if isinstance(exc, FunctionError) and exc.trace:
            print(exc.trace, file=sys.stderr)
        return 1
    except OSError as exc:
        print(
            f"[local] cannot start: {exc} (is port {args.port} already in use? PORT=... make run)",
            file=sys.stderr,
        )
        return 1
    print(_banner(runtime), flush=True)
    try:
        stopping.wait()
    finally:
        print("[local] stopping", file=sys.stderr, flush=True)
        runtime.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
