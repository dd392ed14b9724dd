"""Ask the archive in a browser: a Gradio chat with cited sources and a live index.

    python app.py                      # http://127.0.0.1:7860
    python app.py --seeds articles/ --index embeddings/ --port 8080

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

from qa.app.html import EMPTY_SOURCES, PAGE_JS  # noqa: E402
from qa.app.state import Archive  # noqa: E402
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
        epilog="Environment: QA_SEEDS_DIR, QA_INDEX_DIR, QA_HOST, QA_PORT set the defaults.",
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
        type=Path,
        default=Path(env("QA_INDEX_DIR", "embeddings")),
        help="index folder, created or updated (default: %(default)s)",
    )
    parser.add_argument(
        "--no-watch",
        action="store_true",
        help="do not watch the archive folder (changes are still noticed before each question)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    return parser.parse_args(argv)


def build_ui(archive: Archive, examples: Callable[[], list[str]]) -> Any:
    """The page: chat and sources side by side, filters under the chat, archive in a sidebar."""
    from qa.app.events import FIELD_INFO, Handlers, edge, pick_example, status_panel

    on = Handlers(archive, examples)

    # Gradio shows a progress bar for a handler whose default is gr.Progress(), made here
    # because gradio is imported only once the index has started loading.
    def rebuild(progress: Any = gr.Progress()) -> tuple[str, str]:
        return on.rebuild(progress)

    def upload(files: list[str] | None, progress: Any = gr.Progress()) -> tuple[str, str]:
        return on.upload(files, progress)

    with gr.Blocks(title="Ask the archive", fill_width=True) as demo:
        with gr.Sidebar(label="Archive", open=True, width=330, elem_id="archive"):
            gr.Markdown("### Archive")
            status = gr.HTML(status_panel(archive), elem_id="status", js_on_load=None)
            shown = gr.State(status.value)
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
        rebuild_btn.click(edge(rebuild), None, [status, build_msg], api_visibility="private")
        upload_btn.upload(edge(upload), upload_btn, [status, build_msg], api_visibility="private")
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

    def examples(self) -> list[str]:
        """The example questions, waiting a little for them on the first visits."""
        self._examples_ready.wait(timeout=30)
        return list(self._examples)


def main(argv: list[str] | None = None) -> int:
    """Build or update the index, then serve the app until interrupted."""
    global gr
    args = parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    archive = Archive(args.seeds, args.index)
    startup = Startup(archive)  # the index loads while gradio imports and the server starts
    import gradio as gr

    logger.debug("gradio imported at %.1f s", time.perf_counter() - _STARTED)
    demo = build_ui(archive, startup.examples)
    theme = gr.themes.Soft(
        font=["ui-sans-serif", "system-ui", "sans-serif"], font_mono=["ui-monospace", "monospace"]
    )
    try:
        demo.queue(default_concurrency_limit=4).launch(
            server_name=args.host,
            server_port=args.port,
            prevent_thread_lock=True,
            ssr_mode=False,
            quiet=True,
            theme=theme,
            css_paths=[CSS_PATH],
            footer_links=["api"],
        )
    except OSError as exc:
        print(f"error: cannot serve on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    logger.debug("serving at %.1f s", time.perf_counter() - _STARTED)
    startup.index_ready.wait()
    if startup.failure is not None:
        demo.close()
        exc = startup.failure
        reason = str(exc) if isinstance(exc, QAError) else f"{type(exc).__name__}: {exc}"
        print(
            f"error: cannot open the index {args.index} of {args.seeds}: {reason}", file=sys.stderr
        )
        return 1
    if not args.no_watch:
        archive.watch()
    url = f"http://{args.host}:{args.port}"
    print(f"ready on {url} in {time.perf_counter() - _STARTED:.1f} s", flush=True)
    try:
        demo.block_thread()
    finally:
        archive.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
