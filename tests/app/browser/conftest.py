"""Fixtures that run the real app in a subprocess and drive it with headless Chromium.

The app gets its own copy of the seeds (plus an article full of HTML, for the escaping test)
and an empty index folder, so the tests never touch the repository's ``seeds/`` or
``embeddings/``. Chromium is Debian's (``scripts/install_browser.sh`` installs it when missing).
"""

from __future__ import annotations

import os
import queue
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1, EXCLUDE localhost",
]
START_TIMEOUT = 180.0  # seconds; a cold CI machine builds the index before serving

XSS_ARTICLE = """\
Changchun opens robot museum <script>window.__xss = 1</script>

2024-05-20    Changchun Daily

On May 18, the Changchun Robot Museum opened its doors to visitors in the Jingyue district. \
The museum displays 300 industrial robots built in Jilin <img src=x onerror="window.__xss = 2">.
Curator Li Ming said the museum <script>window.__xss = 3</script> expects 200,000 visitors a year.
"""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.slow)


@dataclass
class RunningApp:
    """The app under test: where it serves and which folders it reads."""

    url: str
    seeds: Path
    index: Path
    process: subprocess.Popen[str]
    startup_seconds: float
    ready_line: str
    log: list[str]
    auth: tuple[str, str] | None = None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _ensure_browser() -> None:
    """Install chromium (apt) and playwright (pip) if missing; fail with the installer's output."""
    try:
        import playwright.sync_api  # noqa: F401

        have_playwright = True
    except ImportError:
        have_playwright = False
    if os.path.exists(CHROMIUM) and have_playwright:
        return
    done = subprocess.run(
        ["sh", str(ROOT / "scripts" / "install_browser.sh"), sys.executable],
        capture_output=True,
        text=True,
        timeout=900,
    )
    if done.returncode != 0:
        pytest.fail(f"could not install the browser:\n{done.stdout}\n{done.stderr}")


def _read_lines(stream: object, out: queue.Queue[str], log: list[str]) -> None:
    for line in stream:  # type: ignore[attr-defined]
        log.append(line)
        out.put(line)


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    """Start ``app.py`` on a free port with temporary seeds and index; stop it afterwards."""
    base, seeds = _seeds_copy(tmp_path_factory, "app")
    (seeds / "robot_museum.txt").write_text(XSS_ARTICLE, encoding="utf-8")
    (seeds / "scan.pdf").write_bytes(b"%PDF-1.4 not an article")  # listed as skipped
    yield from _run_app(base, seeds, {})


AUTH = ("analyst", "s3cret-pass")


@pytest.fixture(scope="session")
def auth_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    """The app behind a login (``QA_AUTH``), on its own seeds copy and index."""
    base, seeds = _seeds_copy(tmp_path_factory, "auth-app")
    for running in _run_app(base, seeds, {"QA_AUTH": ":".join(AUTH)}):
        running.auth = AUTH
        yield running


def _seeds_copy(factory: pytest.TempPathFactory, name: str) -> tuple[Path, Path]:
    """A fresh folder for one app, with its own copy of the seeds (the browser installed)."""
    _ensure_browser()
    base = factory.mktemp(name)
    shutil.copytree(ROOT / "seeds", base / "seeds")
    return base, base / "seeds"


def _run_app(base: Path, seeds: Path, extra_env: dict[str, str]) -> Iterator[RunningApp]:
    index = base / "index"
    port = _free_port()
    env = os.environ | {
        "QA_SEEDS_DIR": str(seeds),
        "QA_INDEX_DIR": str(index),
        "QA_HOST": "127.0.0.1",
        "QA_PORT": str(port),
        "HF_HUB_OFFLINE": "1",
        "GRADIO_ANALYTICS_ENABLED": "False",
        "TOKENIZERS_PARALLELISM": "false",
        "PYTHONUNBUFFERED": "1",
        **extra_env,
    }
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "app.py")],
        cwd=base,
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    lines: queue.Queue[str] = queue.Queue()
    log: list[str] = []
    threading.Thread(target=_read_lines, args=(proc.stdout, lines, log), daemon=True).start()
    try:
        ready = _wait_ready(proc, lines, log, started)
        yield RunningApp(
            f"http://127.0.0.1:{port}",
            seeds,
            index,
            proc,
            time.perf_counter() - started,
            ready,
            log,
        )
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)


def _wait_ready(
    proc: subprocess.Popen[str], lines: queue.Queue[str], log: list[str], started: float
) -> str:
    while time.perf_counter() - started < START_TIMEOUT:
        try:
            line = lines.get(timeout=1.0)
        except queue.Empty:
            if proc.poll() is not None:
                break
            continue
        if line.startswith("ready on "):
            return line.strip()
    proc.kill()
    pytest.fail("the app did not start:\n" + "".join(log[-60:]))


@pytest.fixture(scope="session")
def browser(app: RunningApp) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture()
def page(browser: object, app: RunningApp) -> Iterator[object]:
    """A fresh tab on the app, loaded and ready for a question."""
    context = browser.new_context(viewport={"width": 1440, "height": 960})  # type: ignore[attr-defined]
    tab = context.new_page()
    tab.set_default_timeout(30_000)
    tab.goto(app.url, wait_until="load")
    tab.wait_for_selector("#question textarea", state="visible")
    yield tab
    context.close()
