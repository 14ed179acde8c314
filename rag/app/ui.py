"""The Gradio web chat: the page's layout and the wiring of its events.

The page receives an :class:`~rag.engine.Engine`. What each event does is in
:mod:`rag.app.handlers` (plain Python, no Gradio); how answers and articles
look, and how untrusted article text is escaped, is in :mod:`rag.app.render`.
This module only places components and connects them to those handlers.

Load: the chat event runs at most ``settings.chat_concurrency`` extractive
answers at once, sharing its slots with the ``/ask`` API, plus the workers
local-model answers may hold (they pass the handlers' slot gate:
``local_model_slots`` generating, ``local_model_waiting`` waiting), so long
generations never take an extractive answer's worker.
"""

import errno
import socket
from dataclasses import dataclass

import gradio as gr

from ..ingest.uploads import accepted_suffixes
from .handlers import ChatHandlers, ChatStep
from .render import CSS, PLACEHOLDER_COMPARISON, PLACEHOLDER_SOURCES

__all__ = ["build_ui", "launch_kwargs"]

# Our own script (not article content): a click on a card's "open" button sends
# the citation number to the server; a new article view scrolls to its passage.
_SOURCES_JS = """
element.addEventListener('click', (event) => {
  const button = event.target.closest('button[data-cite]');
  if (button) trigger('open_citation', {cite: button.dataset.cite});
});
watch('value', () => {
  element.querySelectorAll('.passage').forEach((passage) => {
    const mark = passage.querySelector('mark');
    if (mark) passage.scrollTop = mark.offsetTop - passage.offsetTop - 24;
  });
});
"""
_ARTICLE_JS = """
watch('value', () => {
  const target = element.querySelector('.target');
  if (target) target.scrollIntoView({block: 'center', behavior: 'smooth'});
});
"""


@dataclass
class _Page:
    """The components that events read or write."""

    chat: gr.Chatbot
    question: gr.Textbox
    send: gr.Button
    clear: gr.Button
    mode: gr.Radio
    k: gr.Slider
    sources: gr.Dropdown
    date_from: gr.Textbox
    date_to: gr.Textbox
    as_of: gr.Textbox
    files: gr.File | None
    upload_status: gr.Markdown | None
    sources_panel: gr.HTML
    article_view: gr.HTML
    compare_panel: gr.HTML
    citations: gr.State
    turns: gr.State


def build_ui(engine) -> gr.Blocks:
    """The chat page for ``engine``; also exposes the ``/ask`` API endpoint."""
    handlers = ChatHandlers(engine)
    catalog = engine.catalog()
    # Uploaded files wait in Gradio's cache only until they are copied into the
    # articles directory; the cache is emptied of files older than an hour.
    with gr.Blocks(title="Newsroom retrieval chat", delete_cache=(3600, 3600)) as demo:
        page = _layout(engine.settings, catalog, engine.answer_modes(),
                       handlers.examples(catalog))
        _wire(page, handlers, engine.settings)
    demo.queue(max_size=engine.settings.queue_size)
    return demo


def _layout(settings, catalog, modes: list[str], examples: list[str]) -> _Page:
    """Place the components: the conversation and its options on the left, the
    sources and the article viewer on the right, compare-sources below."""
    gr.Markdown("## Newsroom retrieval chat\nAsk about the articles: every answer cites "
                "the passages it comes from.", elem_id="chat-title")
    citations = gr.State({})
    turns = gr.State([])    # the conversation as plain (question, answer) pairs
    files = upload_status = None
    with gr.Row(equal_height=False):
        with gr.Column(scale=3, min_width=320):
            # No "share" button: it would post the conversation to Hugging Face.
            chat = gr.Chatbot(label="Conversation", height=460, sanitize_html=True,
                              latex_delimiters=[], elem_id="chat", buttons=["copy", "copy_all"],
                              placeholder="Ask a question about the articles.")
            question = gr.Textbox(label="Question", placeholder="Ask about the articles…",
                                  lines=1, max_lines=4, autofocus=True, elem_id="question")
            with gr.Row():
                send = gr.Button("Ask", variant="primary", elem_id="ask", scale=3)
                clear = gr.Button("Clear", elem_id="clear", scale=1)
            if examples:
                gr.Examples(examples, inputs=question, label="Try")
            with gr.Accordion("Answer options and filters", open=False, elem_id="options"):
                mode = gr.Radio(modes, value=modes[0], label="Answer mode",
                                info="extractive quotes the articles; local uses the "
                                     "local model when installed", elem_id="mode")
                k = gr.Slider(1, 20, value=settings.top_k, step=1,
                              label="Passages to search", elem_id="k")
                sources = gr.Dropdown(catalog.sources, value=[], multiselect=True,
                                      label="Only these sources (empty: all)",
                                      elem_id="source-filter")
                with gr.Row():
                    date_from = gr.Textbox(label="From date", placeholder="YYYY-MM-DD",
                                           elem_id="date-from",
                                           info=f"earliest: {catalog.first_date or '—'}")
                    date_to = gr.Textbox(label="To date", placeholder="YYYY-MM-DD",
                                         elem_id="date-to",
                                         info=f"latest: {catalog.last_date or '—'}")
                as_of = gr.Textbox(label="As of", placeholder="YYYY-MM-DD", elem_id="as-of",
                                   info="stories published nearer this date rank higher "
                                        f"(empty: {catalog.as_of or 'the newest'})",
                                   visible=bool(settings.recency_weight))
            if settings.uploads:
                with gr.Accordion("Add articles", open=False, elem_id="uploads"):
                    files = gr.File(label=f"{', '.join(accepted_suffixes())} files, up to "
                                          f"{settings.upload_max_bytes / 1e6:g} MB each",
                                    file_count="multiple", file_types=list(accepted_suffixes()),
                                    elem_id="upload")
                    upload_status = gr.Markdown(elem_id="upload-status")
        with gr.Column(scale=2, min_width=300):
            gr.Markdown("### Sources")
            sources_panel = gr.HTML(PLACEHOLDER_SOURCES, js_on_load=_SOURCES_JS,
                                    elem_id="sources")
            article_view = gr.HTML("", js_on_load=_ARTICLE_JS, elem_id="article-view")
    with gr.Accordion("Compare sources: what each article says", open=False,
                      elem_id="compare-sources"):
        compare_panel = gr.HTML(PLACEHOLDER_COMPARISON, elem_id="compare")
    return _Page(chat, question, send, clear, mode, k, sources, date_from, date_to, as_of,
                 files, upload_status, sources_panel, article_view, compare_panel,
                 citations, turns)


def _wire(page: _Page, handlers: ChatHandlers, settings) -> None:
    """Connect the events to the handlers, with their concurrency limits."""
    def respond(*controls):
        for step in handlers.respond(*controls):
            yield _outputs(step)

    def open_citation(table, evt: gr.EventData):
        return _or_skip(handlers.open_citation(table, getattr(evt, "cite", "")))

    def show_comparison(turns, *filters):  # not "compare": that name is the /compare API's
        return _or_skip(handlers.compare_last(turns, *filters))

    # Progress(track_tqdm=True) patches tqdm's methods to read a ``_progress``
    # attribute that only bars made after the patch have; a bar made before it
    # (the build at start, the model's loading bar) and closed or collected
    # after it would print an AttributeError. A class default covers them.
    import tqdm

    tqdm.tqdm._progress = None

    def upload(files, progress=gr.Progress(track_tqdm=True)):
        report = handlers.upload(files, lambda desc: progress(0, desc=desc))
        return report.message, None, gr.update(choices=report.sources)

    # Local-model answers hold a worker for the whole generation; they get
    # workers of their own (as many as the handlers' gate admits) on top of
    # chat_concurrency, so extractive answers never wait behind them.
    chat_limit = settings.chat_concurrency + settings.local_model_slots + \
        settings.local_model_waiting
    asked = [page.send.click, page.question.submit]
    filters = [page.sources, page.date_from, page.date_to, page.as_of]
    # Callable by clients (the load tests use it) but not advertised: /ask is the API.
    # A question sent while an answer streams is asked when it ends ("always_last"),
    # not dropped; the box keeps it until then (only an answer's first step empties it).
    answered = gr.on(asked, respond,
                     [page.question, page.chat, page.turns, page.mode, page.k, *filters],
                     [page.chat, page.sources_panel, page.question, page.citations,
                      page.article_view, page.turns],
                     api_name="chat", api_visibility="undocumented",
                     trigger_mode="always_last",
                     concurrency_limit=chat_limit, concurrency_id="chat")
    # After the answer, for the question it answered (the last turn), in its own
    # slots: run beside it, it read the question box the answer had just emptied.
    answered.then(show_comparison, [page.turns, *filters], page.compare_panel,
                  api_visibility="private", concurrency_limit=1, concurrency_id="compare")
    # The Clear button and the conversation's own clear (bin) icon forget it all:
    # the sources, the open article, the comparison and the turns follow-ups are read with.
    gr.on([page.clear.click, page.chat.clear],
          lambda: ([], PLACEHOLDER_SOURCES, {}, "", "", [], PLACEHOLDER_COMPARISON), None,
          [page.chat, page.sources_panel, page.citations, page.article_view,
           page.question, page.turns, page.compare_panel],
          api_visibility="private", queue=False)
    page.sources_panel.open_citation(open_citation, page.citations, page.article_view,
                                     api_visibility="private", concurrency_limit=None)
    if page.files is not None:
        page.files.upload(upload, page.files, [page.upload_status, page.files, page.sources],
                          api_visibility="private", concurrency_limit=1,
                          concurrency_id="upload")
    gr.api(handlers.ask, api_name="ask", concurrency_limit=chat_limit, concurrency_id="chat")
    gr.api(handlers.compare_api, api_name="compare", concurrency_limit=1,
           concurrency_id="compare")


def _outputs(step: ChatStep) -> tuple:
    """A chat step as the chat event's outputs (``None`` leaves a component as it is)."""
    return tuple(_or_skip(value) for value in (step.messages, step.sources, step.question,
                                                step.citations, step.article, step.turns))


def _or_skip(value):
    return gr.skip() if value is None else value


def check_can_listen(host: str, port: int) -> None:
    """A ``ValueError`` saying what to change when the chat could not listen on
    ``host:port`` (the port is taken, the host is not an address of this machine)."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port,
                                                             type=socket.SOCK_STREAM)[0]
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server does
            probe.bind(address)
    except OSError as exc:
        if getattr(exc, "errno", None) == errno.EADDRINUSE:
            raise ValueError(f"port {port} on {host} is already in use (another rag serve?); "
                             "choose another with --port N (RAG_PORT)") from None
        raise ValueError(f"cannot listen on {host}:{port} ({exc.strerror or exc}); give "
                         "--host (RAG_HOST) an address of this machine, e.g. 127.0.0.1 or "
                         "0.0.0.0") from None


def launch_kwargs(settings) -> dict:
    """Arguments for ``demo.launch`` that follow the settings (host, port, login,
    upload size, our CSS)."""
    kwargs = dict(server_name=settings.host, server_port=settings.port, css=CSS,
                  footer_links=["api"], max_file_size=settings.upload_max_bytes,
                  show_error=False)
    if settings.auth:  # its user:password form is checked by the settings
        user, _, password = settings.auth.partition(":")
        kwargs.update(auth=(user, password), auth_message="Log in to the newsroom chat.")
    return kwargs
