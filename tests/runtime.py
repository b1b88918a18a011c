"""The local runtime as a subprocess, for the suites that talk to it over HTTP (tests/e2e,
tests/browser): `python -m local` on a free port, waited for until healthy, stopped after."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

REPO = Path(__file__).resolve().parents[1]
STARTUP_TIMEOUT = 90.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def tail(path: Path, lines: int = 60) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


@contextmanager
def local_runtime(log: Path, template: Path) -> Iterator[str]:
    """The base URL of a runtime of its own, started on ``template``; its output goes to ``log``.
    AWS and Tawasul settings of the test process are not passed on (LOCAL_START_CLOCK is)."""
    if not template.is_file():
        pytest.fail(f"{template} is missing: run `make synth` (or `make test`)")
    python = REPO / ".venv" / "bin" / "python"
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "TAWASUL_"))}
    env.update({"PORT": str(port), "PYTHONUNBUFFERED": "1", "TEMPLATE": str(template)})
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [str(python if python.exists() else sys.executable), "-m", "local"],
            cwd=REPO,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while True:
            if process.poll() is not None:
                pytest.fail(f"the local runtime exited with {process.returncode}:\n{tail(log)}")
            try:
                if requests.get(f"{url}/local/health", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"the local runtime was not healthy after {STARTUP_TIMEOUT:.0f} s:\n{tail(log)}")
            time.sleep(0.2)
        yield url
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
