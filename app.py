"""Ask the archive in a browser: a Gradio chat with cited sources and a live index.

    python app.py                      # http://127.0.0.1:7860
    python app.py --seeds articles/ --index embeddings/ --port 8080
    python app.py --host 0.0.0.0 --auth analyst:secret   # the network, behind a login

The page and the API share one function: ``gradio_client.Client(url).predict(question,
api_name="/ask")`` returns the answer with its citations as JSON-ready data. This module only
wires Gradio to the library (``qa.app.state`` holds the index, ``qa.app.html`` draws the panels).
"""

from __future__ import annotations

import time

_STARTED = time.perf_counter()

import argparse  # noqa: E402
import logging  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
import threading  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # no calls home, before gradio loads
os.environ.setdefault("HF_HUB_OFFLINE", "1")
# Gradio keeps a record of every finished event for its monitoring page (10,000 by default) and
# sums them all up after each one; the app has no use for that page: keep a few, sum rarely.
os.environ.setdefault("GRADIO_ANALYTICS_MAX_EVENTS", "1000")
os.environ.setdefault("GRADIO_ANALYTICS_CACHE_FREQUENCY", "100")

from qa.app.access import WritePolicy, parse_auth, refuse_uploads, write_policy  # noqa: E402
from qa.app.html import EMPTY_SOURCES, PAGE_JS  # noqa: E402
from qa.app.state import Archive  # noqa: E402
from qa.app.uploads import DEFAULT_MAX_FILES, UploadLimits  # noqa: E402
from qa.errors import QAError  # noqa: E402

logger = logging.getLogger("app")
gr: Any = None  # the gradio module, imported by main() while the index loads
MODES = ("hybrid", "dense", "lexical")
CSS_PATH = Path(__file__).with_name("app.css")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line flags; each falls back to an environment variable, then a default."""
    env = os.environ.get
    parser = argparse.ArgumentParser(
        description="Serve the archive question-answering app (Gradio). The index is built or "
        "updated at start-up, and kept in step with the archive folder while the app runs.",
        epilog="Environment: QA_SEEDS_DIR, QA_INDEX_DIR, QA_HOST, QA_PORT, QA_AUTH, "
        "QA_MAX_UPLOAD_MB, QA_MAX_UPLOAD_FILES set the defaults.",
    )
    parser.add_argument(
        "--host",
        default=env("QA_HOST", "127.0.0.1"),
        help="interface to listen on (default: %(default)s; 0.0.0.0 for all)",
    )
    parser.add_argument(
        "--port",
        type=int,
        default=env("QA_PORT", "7860"),  # a string default goes through type=int too
        help="port to listen on (default: %(default)s)",
    )
    parser.add_argument(
        "--seeds",
        type=Path,
        default=Path(env("QA_SEEDS_DIR", "seeds")),
        help="archive folder of .txt/.md articles (default: %(default)s)",
    )
    parser.add_argument(
        "--index",
        type=index_location,
        default=index_location(env("QA_INDEX_DIR", "embeddings")),
        help="index folder, or a postgresql://user@host/db address (the postgres extra), "
        "created or updated (default: %(default)s)",
    )
    parser.add_argument(
        "--auth",
        metavar="USER:PASSWORD",
        default=env("QA_AUTH"),
        help="require this login (Gradio's login page); without it, adding articles and "
        "rebuilding are off unless the host is a loopback address",
    )
    parser.add_argument(
        "--max-upload-mb",
        type=float,
        default=env("QA_MAX_UPLOAD_MB", "10"),
        help="largest article that can be added, in MB; checked while it is received "
        "(default: %(default)s)",
    )
    parser.add_argument(
        "--max-upload-files",
        type=int,
        default=env("QA_MAX_UPLOAD_FILES", str(DEFAULT_MAX_FILES)),
        help="most articles added in one upload (default: %(default)s)",
    )
    parser.add_argument(
        "--no-watch",
        action="store_true",
        help="do not watch the archive folder (changes are still noticed before each question)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    return parser.parse_args(argv)


def build_ui(
    archive: Archive, examples: Callable[[], list[str]], policy: WritePolicy | None = None
) -> Any:
    """The page: chat and sources side by side, filters under the chat, archive in a sidebar.

    Without ``policy.allowed`` there is no rebuild or upload button, and no event for them.
    """
    from qa.app.events import FIELD_INFO, Handlers, edge, pick_example

    policy = policy or WritePolicy(True)
    on = Handlers(archive, examples, policy)

    # Gradio shows a progress bar for a handler whose default is gr.Progress(), made here
    # because gradio is imported only once the index has started loading.
    def rebuild(progress: Any = gr.Progress()) -> tuple[str, str]:
        return on.rebuild(progress)

    def upload(files: list[str] | None, progress: Any = gr.Progress()) -> tuple[str, str]:
        return on.upload(files, progress)

    with gr.Blocks(title="Ask the archive", fill_width=True) as demo:
        with gr.Sidebar(label="Archive", open=True, width=330, elem_id="archive"):
            gr.Markdown("### Archive")
            status = gr.HTML(on.status(), elem_id="status", js_on_load=None)
            shown = gr.State(status.value)
            if policy.allowed:
                rebuild_btn = gr.Button("Rebuild index", size="sm", elem_id="rebuild")
                upload_btn = gr.UploadButton(
                    "Add articles (.txt, .md)",
                    file_count="multiple",
                    file_types=[".txt", ".md"],
                    size="sm",
                    elem_id="upload",
                )
                build_msg = gr.Markdown(elem_id="build-msg")
        gr.Markdown(
            "## Ask the archive\nAnswers quote the articles; every sentence ends "
            "with its source's **[n]**.",
            elem_id="intro",
        )
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=420):
                chatbot = gr.Chatbot(
                    elem_id="chat",
                    height="auto",  # grows with the answer (app.css)
                    min_height=320,
                    label="Conversation",
                    show_label=False,
                    latex_delimiters=[],
                    placeholder="**Ask anything the archive covers.** Try one of these:",
                    feedback_options=None,
                    buttons=["copy_all"],
                    layout="bubble",
                )
                with gr.Row():
                    box = gr.Textbox(
                        placeholder="Ask a question, or a follow-up…",
                        show_label=False,
                        scale=8,
                        elem_id="question",
                        submit_btn="Ask",
                        autofocus=True,
                    )
                    clear = gr.Button("New chat", scale=1, size="md", elem_id="new-chat")
                with gr.Row():
                    since = gr.Textbox(
                        label="Since",
                        placeholder="YYYY[-MM[-DD]]",
                        info=FIELD_INFO,
                        scale=2,
                        elem_id="since",
                    )
                    until = gr.Textbox(
                        label="Until",
                        placeholder="YYYY[-MM[-DD]]",
                        info=FIELD_INFO,
                        scale=2,
                        elem_id="until",
                    )
                    k = gr.Slider(1, 10, value=5, step=1, label="Passages", scale=3, elem_id="k")
                with gr.Accordion("Advanced", open=False, elem_id="advanced"):
                    mode = gr.Radio(
                        list(MODES),
                        value="hybrid",
                        label="Search mode",
                        info="hybrid combines meaning (dense) and words (lexical)",
                    )
                    as_of = gr.Textbox(
                        label="As of",
                        placeholder="YYYY[-MM[-DD]]",
                        info="read the archive as of this day: 'this week' and 'recently' "
                        "are read against it, and later articles are left out (default: today)",
                        elem_id="as-of",
                    )
            with gr.Column(scale=2, min_width=340):
                gr.Markdown("### Sources")
                sources = gr.HTML(EMPTY_SOURCES, elem_id="sources", js_on_load=PAGE_JS)
        answers = gr.State([])
        asked = gr.State("")  # the question while it is answered (the box is cleared at once)

        show_io = dict(
            inputs=[box, chatbot], outputs=[box, chatbot, asked], api_visibility="private"
        )
        chat_io = dict(
            inputs=[asked, chatbot, answers, since, until, k, mode, as_of],
            outputs=[chatbot, answers, sources, since, until, as_of],
            show_progress_on=[chatbot],  # the chat says it is working, not every field
            api_visibility="private",
        )
        box.submit(on.show_question, queue=False, **show_io).then(edge(on.chat), **chat_io)
        chatbot.example_select(pick_example, None, box, api_visibility="private").then(
            on.show_question, queue=False, **show_io
        ).then(edge(on.chat), **chat_io)
        clear.click(
            lambda: ("", [], [], EMPTY_SOURCES),
            None,
            [box, chatbot, answers, sources],
            api_visibility="private",
        )
        chatbot.clear(
            lambda: ([], EMPTY_SOURCES), None, [answers, sources], api_visibility="private"
        )
        if policy.allowed:
            rebuild_btn.click(edge(rebuild), None, [status, build_msg], api_visibility="private")
            upload_btn.upload(
                edge(upload), upload_btn, [status, build_msg], api_visibility="private"
            )
        gr.Timer(2.0).tick(
            on.refresh, shown, [status, shown], show_progress="hidden", api_visibility="private"
        )
        gr.api(edge(on.ask), api_name="ask")
        demo.load(
            on.first_visit,
            None,
            [chatbot, status, shown],
            api_visibility="private",
            show_progress="hidden",
        )
    return demo


def serve(
    demo: Any,
    host: str,
    port: int,
    *,
    auth: tuple[str, str] | None,
    policy: WritePolicy,
    limits: UploadLimits,
) -> None:
    """Start serving ``demo`` in the background: answers run side by side, one per core (the
    retriever is safe to share by threads); uploads stop at the size limit while received."""
    theme = gr.themes.Soft(
        font=["ui-sans-serif", "system-ui", "sans-serif"], font_mono=["ui-monospace", "monospace"]
    )
    demo.queue(default_concurrency_limit=os.cpu_count() or 1, max_size=256).launch(
        server_name=host,
        server_port=port,
        prevent_thread_lock=True,
        ssr_mode=False,
        quiet=True,
        theme=theme,
        css_paths=[CSS_PATH],
        footer_links=["api"],
        auth=auth,
        max_file_size=limits.max_bytes,
        app_kwargs={"dependencies": refuse_uploads(policy)},
    )


class Startup:
    """Opens the index in a background thread, then picks the example questions."""

    def __init__(self, archive: Archive) -> None:
        self.archive = archive
        self.failure: BaseException | None = None
        self.index_ready = threading.Event()
        self._examples: list[str] = []
        self._examples_ready = threading.Event()
        threading.Thread(target=self._run, name="qa-open", daemon=True).start()

    def _run(self) -> None:
        try:
            self.archive.open()
            logger.info("index ready at %.1f s", time.perf_counter() - _STARTED)
        except Exception as exc:  # reported by main, readable, without a trace
            if not isinstance(exc, QAError):
                logger.exception("could not open the index")
            self.failure = exc
            return
        finally:
            self.index_ready.set()
        try:
            self._examples = self.archive.example_questions()
        except Exception:  # examples are a convenience; the page works without them
            logger.exception("could not pick example questions")
        finally:
            self._examples_ready.set()
        self.archive.load_parser()

    def examples(self) -> list[str]:
        """The example questions, waiting a little for them on the first visits."""
        self._examples_ready.wait(timeout=30)
        return list(self._examples)


def limit_malloc_arenas(arenas: int = 2) -> None:
    """Keep glibc to ``arenas`` malloc arenas (unless MALLOC_ARENA_MAX says otherwise).

    glibc gives each new thread an arena of its own, up to 8 per core, and Gradio's worker
    threads end when idle and are replaced, so under load the app's RSS kept growing in steps
    as arena after arena filled (about 60 MB in 5 minutes; with two arenas, 8 MB). Call it
    before any thread starts.
    """
    if os.environ.get("MALLOC_ARENA_MAX") or not sys.platform.startswith("linux"):
        return
    import ctypes

    try:
        ctypes.CDLL("libc.so.6").mallopt(-8, arenas)  # -8 is M_ARENA_MAX
    except (OSError, AttributeError):  # not glibc: nothing to limit
        pass


def index_location(text: str) -> Path | str:
    """An index folder, or a PostgreSQL address kept as written (a Path would fold its //)."""
    return text if text.startswith(("postgresql://", "postgres://")) else Path(text)


def main(argv: list[str] | None = None) -> int:
    """Build or update the index, then serve the app until interrupted."""
    global gr
    limit_malloc_arenas()
    args = parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        auth = parse_auth(args.auth)
    except QAError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    policy = write_policy(args.host, auth)
    limits = UploadLimits(int(args.max_upload_mb * 1_000_000), args.max_upload_files)
    archive = Archive(args.seeds, args.index, upload_limits=limits)
    startup = Startup(archive)  # the index loads while gradio imports and the server starts
    import gradio as gr

    logger.debug("gradio imported at %.1f s", time.perf_counter() - _STARTED)
    if not policy.allowed:
        logger.warning("%s", policy.reason)
    demo = build_ui(archive, startup.examples, policy)
    try:
        serve(demo, args.host, args.port, auth=auth, policy=policy, limits=limits)
    except OSError as exc:
        print(f"error: cannot serve on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    url = f"http://{args.host}:{args.port}"
    print(f"listening on {url}; questions wait for the index to load", flush=True)
    startup.index_ready.wait()
    if startup.failure is not None:
        demo.close()
        failure = startup.failure
        reason = (
            str(failure) if isinstance(failure, QAError) else f"{type(failure).__name__}: {failure}"
        )
        print(
            f"error: cannot open the index {args.index} of {args.seeds}: {reason}", file=sys.stderr
        )
        return 1
    if not args.no_watch:
        archive.watch()
    print(f"ready on {url} in {time.perf_counter() - _STARTED:.1f} s", flush=True)
    try:
        demo.block_thread()
    finally:
        archive.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
