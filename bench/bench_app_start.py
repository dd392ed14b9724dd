"""Time from launching ``python app.py`` to a page that answers, on the seeds index.

    .venv/bin/python bench/bench_app_start.py [--rounds 3]

Each round starts the app as a user would (a fresh process, the index already built by a first
untimed launch, so the time is the start-up and not the one-off embedding of the seeds), and
records, from the moment the process was spawned:

- ``ready_s``: the app printed its "ready on ..." line (index open, server listening);
- ``page_s``: ``GET /`` answered 200;
- ``answer_s``: the first question through the app's ``/ask`` API came back with a citation;
- ``peak_rss_mib``: the app process's peak resident memory (``VmHWM`` in /proc) by then.

The process is then stopped. Prints a table and writes bench/out/app_start.json.

    .venv/bin/python bench/bench_app_start.py --rounds 3 --compare ../main/app.py

also starts another checkout's app (with that checkout on ``PYTHONPATH`` and its own index of
the seeds), in turns with this one, so "before" and "after" see the same machine.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from report import print_table, write_json

ROOT = Path(__file__).resolve().parents[1]
QUESTION = "Who held talks with Xu Zhijun?"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def launch(index: Path, port: int, app: Path = ROOT / "app.py") -> subprocess.Popen[str]:
    """Start ``app`` (the repository's, or another checkout's to compare) on the seeds."""
    env = os.environ | {"HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False"}
    env["PYTHONPATH"] = str(app.resolve().parent)  # that checkout's qa, not an installed one
    return subprocess.Popen(
        [sys.executable, str(app), "--port", str(port), "--index", str(index)],
        cwd=app.resolve().parent,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def wait_ready(proc: subprocess.Popen[str], timeout: float = 120) -> None:
    assert proc.stdout is not None
    deadline = time.monotonic() + timeout
    for line in proc.stdout:
        if line.startswith("ready on "):
            # keep reading its log so a full pipe never blocks the app
            threading.Thread(target=proc.stdout.read, daemon=True).start()
            return
        if time.monotonic() > deadline:
            break
    raise SystemExit(f"the app did not get ready (exit code {proc.poll()})")


def stop(proc: subprocess.Popen[str]) -> None:
    """Stop the app as Ctrl-C would; kill it if it has not stopped within 30 s."""
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()


def ask(port: int) -> dict:
    from gradio_client import Client

    client = Client(f"http://127.0.0.1:{port}/", verbose=False)
    return client.predict(QUESTION, api_name="/ask")


def peak_rss_mib(pid: int) -> float:
    """The process's peak resident set so far (Linux ``VmHWM``), in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def one_round(index: Path, app: Path = ROOT / "app.py") -> dict[str, float]:
    port = free_port()
    t0 = time.perf_counter()
    proc = launch(index, port, app)
    try:
        wait_ready(proc)
        ready = time.perf_counter() - t0
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=30) as response:
            assert response.status == 200
        page = time.perf_counter() - t0
        result = ask(port)
        answered = time.perf_counter() - t0
        if not result.get("citations"):
            raise SystemExit(f"the first answer had no citation: {result}")
        peak = peak_rss_mib(proc.pid)
    finally:
        stop(proc)
    return {
        "ready_s": round(ready, 2),
        "page_s": round(page, 2),
        "answer_s": round(answered, 2),
        "peak_rss_mib": round(peak, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", default=str(ROOT / "bench" / "out" / "app_start.json"))
    parser.add_argument("--compare", metavar="APP", help="another checkout's app.py, in turns")
    args = parser.parse_args()
    apps = {"this": ROOT / "app.py"} | ({"compared": Path(args.compare)} if args.compare else {})
    rounds: dict[str, list[dict[str, float]]] = {name: [] for name in apps}
    with tempfile.TemporaryDirectory() as tmp:
        for name, app in apps.items():
            one_round(Path(tmp) / name, app)  # builds the index of the seeds; not timed
        for _ in range(args.rounds):
            for name, app in apps.items():
                rounds[name].append(one_round(Path(tmp) / name, app))
    keys = ("ready_s", "page_s", "answer_s", "peak_rss_mib")
    summary = {
        name: {key: round(statistics.median(r[key] for r in runs), 2) for key in keys}
        for name, runs in rounds.items()
    }
    write_json(
        args.out,
        {"apps": {k: str(v) for k, v in apps.items()}, "rounds": rounds, "median": summary},
    )
    labelled = [
        (f"{name} {i}", r) for name, runs in rounds.items() for i, r in enumerate(runs, 1)
    ] + [(f"{name} median", summary[name]) for name in rounds]
    print_table(
        ("round", "ready line", "page served", "first answer", "peak RSS"),
        [
            (
                label,
                f"{r['ready_s']} s",
                f"{r['page_s']} s",
                f"{r['answer_s']} s",
                f"{r['peak_rss_mib']} MiB",
            )
            for label, r in labelled
        ],
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
