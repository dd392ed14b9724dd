"""Many clients asking the app at once: answers per second, latency, errors and memory.

    .venv/bin/python bench/bench_load.py [--clients 20] [--seconds 60]

Starts ``app.py`` on 127.0.0.1 (a free port, the repository's seeds, a temporary index), then
runs ``--clients`` threads, each with its own ``gradio_client.Client``, asking varied questions
through the ``/ask`` API: ``--warmup`` seconds first (the app's threads and caches settle), then
``--seconds`` measured. Only 127.0.0.1 is ever asked; the number of requests is bounded by the
time and the clients. Reports answers/s, p50/p95/p99 latency and errors over the measured
window, the app's resident memory (RSS, from /proc) when it was idle, when the measured window
starts and when it ends, and the machine's load average before and after (the machine may be
busy with other work: the figures are only comparable at the same load). Writes
bench/out/load.json.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench_app_start import free_port, launch, stop, wait_ready
from report import print_table, write_json

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from qa.app.state import CANDIDATE_QUESTIONS  # noqa: E402

QUESTIONS = (
    *CANDIDATE_QUESTIONS,
    "Who held talks with Xu Zhijun?",
    "Where were the talks with Huawei held?",
    "When did Wang Ji visit the high-tech zone?",
    "What did the Jilin provincial government sign with Huawei?",
    "Which company did Nanjing sign an agreement with?",
    "What is China Electronics Technology Group building in Nanjing?",
    "Who attended the automotive innovation conference?",
    "What did the mayor say about research and development?",
    "What projects did the mayor inspect in 2024?",
    "Which industries did Jing Junhai talk about?",
    "What is the boiling point of tungsten?",
    "Who won the 2019 Maxwell Award?",
    "How many cars did FAW sell last year?",
    "景俊海会见了谁？",
    "南京与哪家公司签署了协议？",
    "What happened in Changchun in May 2022?",
)


def rss_mb(pid: int) -> float:
    """Resident memory of process ``pid`` in MB (VmRSS)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def client_loop(
    url: str, first: int, deadline: float, done: list[tuple[float, float]], errors: list[str]
) -> None:
    """Ask until ``deadline``; record (finished at, latency) of each answer, and failures."""
    from gradio_client import Client

    client = Client(url, verbose=False)
    i = first
    while time.perf_counter() < deadline:
        question = QUESTIONS[i % len(QUESTIONS)]
        i += 1
        started = time.perf_counter()
        try:
            result = client.predict(question, api_name="/ask")
            if "answer" not in result:
                raise ValueError(f"no answer in {result!r:.120}")
            now = time.perf_counter()
            done.append((now, now - started))
        except Exception as exc:  # every failure counts, whatever it is
            errors.append(f"{time.perf_counter():.3f} {type(exc).__name__}: {exc}"[:200])


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def run(
    clients: int, seconds: float, warmup: float, sample_every: float, app: Path
) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        proc = launch(Path(tmp) / "embeddings", port, app)
        try:
            wait_ready(proc, timeout=300)
            url = f"http://127.0.0.1:{port}/"
            rss_idle = rss_mb(proc.pid)
            load_before = os.getloadavg()
            done: list[tuple[float, float]] = []
            errors: list[str] = []
            begin = time.perf_counter()
            start, deadline = begin + warmup, begin + warmup + seconds
            threads = [
                threading.Thread(target=client_loop, args=(url, i * 3, deadline, done, errors))
                for i in range(clients)
            ]
            for t in threads:
                t.start()
            time.sleep(max(0.0, start - time.perf_counter()))
            rss = [rss_mb(proc.pid)]
            while time.perf_counter() < deadline:
                time.sleep(min(sample_every, max(0.0, deadline - time.perf_counter())))
                rss.append(rss_mb(proc.pid))
            for t in threads:
                t.join(timeout=120)
            load_after = os.getloadavg()
        finally:
            stop(proc)
    measured = [lat for at, lat in done if start <= at <= deadline]
    failed = [e for e in errors if start <= float(e.split()[0]) <= deadline + 120]
    return {
        "clients": clients,
        "warmup_s": warmup,
        "seconds": seconds,
        "answers": len(measured),
        "answers_per_s": round(len(measured) / seconds, 2),
        "p50_s": round(statistics.median(measured), 3) if measured else None,
        "p95_s": round(percentile(measured, 95), 3) if measured else None,
        "p99_s": round(percentile(measured, 99), 3) if measured else None,
        "errors": len(failed),
        "errors_in_warmup": len(errors) - len(failed),
        "error_samples": sorted({e.split(" ", 1)[1] for e in errors})[:5],
        "rss_idle_mb": round(rss_idle, 1),
        "rss_start_mb": round(rss[0], 1),
        "rss_end_mb": round(rss[-1], 1),
        "rss_max_mb": round(max(rss), 1),
        "rss_series_mb": [round(x) for x in rss],
        "load_before": [round(x, 2) for x in load_before],
        "load_after": [round(x, 2) for x in load_after],
        "cpus": os.cpu_count(),
        "app": str(app),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60.0, help="measured window")
    parser.add_argument("--warmup", type=float, default=15.0, help="load before measuring")
    parser.add_argument("--sample-every", type=float, default=5.0, help="RSS sampling, s")
    parser.add_argument(
        "--app",
        type=Path,
        default=ROOT / "app.py",
        help="the app.py to start (another checkout's, to compare; it imports its own qa/)",
    )
    parser.add_argument("--out", default=str(ROOT / "bench" / "out" / "load.json"))
    args = parser.parse_args()
    result = run(args.clients, args.seconds, args.warmup, args.sample_every, args.app)
    write_json(args.out, result)
    print_table(
        ("clients", "s", "answers/s", "p50", "p95", "p99", "errors", "RSS idle; start → end (max)"),
        [
            (
                result["clients"],
                result["seconds"],
                result["answers_per_s"],
                f"{result['p50_s']} s",
                f"{result['p95_s']} s",
                f"{result['p99_s']} s",
                result["errors"],
                f"{result['rss_idle_mb']}; {result['rss_start_mb']} → {result['rss_end_mb']} MB "
                f"({result['rss_max_mb']})",
            )
        ],
    )
    print(f"load average before {result['load_before']}, after {result['load_after']}")
    if result["error_samples"]:
        print("errors:", *result["error_samples"], sep="\n  ")
    return 0


if __name__ == "__main__":
    sys.exit(main())
