"""Who may write through the app: the login, writing off on a network host, upload limits, and
errors logged in one line. The real page (``app.py``'s ``build_ui`` and ``serve``) is served in
this process on 127.0.0.1 and stopped by each test."""

from __future__ import annotations

import importlib.util
import logging
import shutil
import socket
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from qa.app.access import WritePolicy, is_loopback, parse_auth, write_policy
from qa.app.state import Archive
from qa.app.uploads import UploadLimits
from qa.errors import InvalidArgumentError

ROOT = Path(__file__).resolve().parents[2]
HUAWEI_Q = "Who did Jing Junhai meet from Huawei?"
ARTICLE = b"Harbin ice festival\n\n2024-01-05\n\nThe festival opened on January 5.\n"


def test_auth_is_user_colon_password() -> None:
    assert parse_auth(None) is None and parse_auth("") is None
    assert parse_auth("ana:s3:cr:et") == ("ana", "s3:cr:et")
    for bad in ("ana", "ana:", ":pw"):
        with pytest.raises(InvalidArgumentError, match="USER:PASSWORD"):
            parse_auth(bad)


def test_writing_is_on_behind_a_login_or_on_loopback_only() -> None:
    for host in ("127.0.0.1", "127.0.1.1", "localhost", "::1", "[::1]"):
        assert is_loopback(host) and write_policy(host, None).allowed
    for host in ("0.0.0.0", "::", "192.168.1.10", "example.org"):
        assert not is_loopback(host)
        policy = write_policy(host, None)
        assert not policy.allowed and "--auth" in policy.reason and host in policy.reason
        assert write_policy(host, ("ana", "pw")).allowed


@pytest.fixture(scope="module")
def app_module() -> ModuleType:
    import gradio

    spec = importlib.util.spec_from_file_location("qa_app_under_test", ROOT / "app.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    module.gr = gradio  # main() sets it once gradio is imported
    return module


@pytest.fixture()
def archive(tmp_path: Path, embedder: object) -> Iterator[Archive]:
    seeds = tmp_path / "seeds"
    shutil.copytree(ROOT / "seeds", seeds)
    live = Archive(seeds, tmp_path / "index", upload_limits=UploadLimits(max_bytes=1_000_000))
    live.open()
    yield live
    live.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Served:
    def __init__(self, app_module: ModuleType, archive: Archive) -> None:
        self.app_module = app_module
        self.archive = archive
        self.demo: Any = None
        self.url = ""

    def start(self, policy: WritePolicy, auth: tuple[str, str] | None = None) -> str:
        port = _free_port()
        self.demo = self.app_module.build_ui(self.archive, lambda: [], policy)
        self.app_module.serve(
            self.demo,
            "127.0.0.1",
            port,
            auth=auth,
            policy=policy,
            limits=self.archive.upload_limits,
        )
        self.url = f"http://127.0.0.1:{port}"
        return self.url


@pytest.fixture()
def served(app_module: ModuleType, archive: Archive) -> Iterator[Served]:
    server = Served(app_module, archive)
    yield server
    if server.demo is not None:
        server.demo.close()


def _upload(url: str, name: str, data: bytes, **kwargs: Any) -> httpx.Response:
    return httpx.post(f"{url}/gradio_api/upload", files={"files": (name, data)}, **kwargs)


def _elem_ids(url: str, **kwargs: Any) -> set[str]:
    config = httpx.get(f"{url}/config", **kwargs).json()
    return {c.get("props", {}).get("elem_id") for c in config["components"]} - {None}


def test_on_a_network_host_without_login_nothing_can_write(served: Served) -> None:
    from gradio_client import Client

    policy = write_policy("0.0.0.0", None)
    url = served.start(policy)
    ids = _elem_ids(url)
    assert {"question", "status"} <= ids and not ids & {"rebuild", "upload", "build-msg"}
    page = httpx.get(f"{url}/config").text
    assert "Adding articles and rebuilding are off" in page  # the panel says why
    refused = _upload(url, "a.txt", ARTICLE)
    assert refused.status_code == 403 and "--auth" in refused.text
    before = sorted(p.name for p in served.archive.seeds_dir.iterdir())
    answer = Client(url, verbose=False).predict(HUAWEI_Q, api_name="/ask")
    assert answer["citations"]  # asking is still open
    assert sorted(p.name for p in served.archive.seeds_dir.iterdir()) == before


def test_the_handlers_refuse_to_write_whatever_the_page_shows(archive: Archive) -> None:
    import gradio as gr

    from qa.app.events import Handlers, edge

    off = Handlers(archive, lambda: [], WritePolicy(False, "writing is off here"))
    with pytest.raises(gr.Error, match="writing is off here"):
        edge(off.rebuild)(lambda *a, **k: None)
    with pytest.raises(gr.Error, match="writing is off here"):
        edge(off.upload)([str(ROOT / "seeds" / "000_8acc33fc03b76885.txt")], lambda *a, **k: 0)


def test_an_upload_over_the_limit_is_refused_while_it_is_received(served: Served) -> None:
    url = served.start(WritePolicy(True))
    assert {"rebuild", "upload"} <= _elem_ids(url)
    big = _upload(url, "big.txt", b"A line of text.\n" * 200_000)  # 3.2 MB, limit 1 MB
    assert big.status_code == 413 and "maximum allowed size" in big.text
    assert _upload(url, "small.txt", ARTICLE).status_code == 200
    assert not (served.archive.seeds_dir / "big.txt").exists()


def test_with_a_login_every_route_asks_for_it(served: Served) -> None:
    from gradio_client import Client

    url = served.start(write_policy("0.0.0.0", ("ana", "pw")), auth=("ana", "pw"))
    assert httpx.get(f"{url}/config").status_code == 401
    assert _upload(url, "a.txt", ARTICLE).status_code == 401
    join = httpx.post(f"{url}/gradio_api/queue/join", json={"fn_index": 0, "data": []})
    assert join.status_code == 401
    with pytest.raises(Exception):  # noqa: B017 - the client cannot even read the config
        Client(url, verbose=False)
    client = Client(url, verbose=False, auth=("ana", "pw"))
    assert client.predict(HUAWEI_Q, api_name="/ask")["citations"]
    login = httpx.Client()
    assert login.post(f"{url}/login", data={"username": "ana", "password": "pw"}).is_success
    assert {"rebuild", "upload"} <= _elem_ids(url, cookies=login.cookies)  # writing is on


def test_a_user_error_is_logged_in_one_line(
    served: Served, capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    from gradio_client import Client
    from gradio_client.exceptions import AppError

    url = served.start(WritePolicy(True))
    client = Client(url, verbose=False)
    capfd.readouterr()
    with caplog.at_level(logging.INFO, logger="qa.app.events"):
        with pytest.raises(AppError, match="since"):
            client.predict(HUAWEI_Q, since="last summer", api_name="/ask")
        with pytest.raises(AppError, match="type a question"):
            client.predict("   ", api_name="/ask")
    out, err = capfd.readouterr()
    assert "Traceback" not in out + err
    refused = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
    assert len(refused) == 2 and all("\n" not in m for m in refused)
