"""The Gradio web chat.

The UI only presents: it receives an :class:`~rag.engine.Engine` and calls
its services (answers, articles, the catalogue, adding files); it never
searches or ranks anything itself.

Everything that comes from an article (text, titles, sources, urls) is
untrusted. It reaches the page in two ways, both inert:

* the chat message is Markdown in which every ASCII punctuation character of
  article text is backslash-escaped, so no tag, link or image can form;
* the sources panel and the article viewer are HTML built here with
  :func:`html.escape`, and links are only emitted for ``http(s)`` urls.

Load: one engine (one model, one index) serves every session. The chat event
runs at most ``settings.chat_concurrency`` answers at once; local-model
answers additionally pass a :class:`SlotGate` (``local_model_slots`` running,
``local_model_waiting`` waiting) so slow generations can never occupy every
worker and extractive answers keep flowing.
"""


import html
import re
import threading
from contextlib import contextmanager
from pathlib import Path

from ..text.dates import given_day
from ..types import Answer, Hit
from .render_corroboration import (
    CORROBORATION_CSS,
    render_comparison,
    render_corroboration,
)

__all__ = ["build_ui", "launch_kwargs", "render_sources", "render_answer", "render_article",
           "escape_markdown", "example_questions", "SlotGate", "CSS"]

#: Good first questions for the default seed articles.
SEED_EXAMPLES = [
    "Who decided not to use its veto?",
    "How did Netanyahu react to the UN vote?",
    "How many members backed the ceasefire resolution?",
]

CSS = """
.gradio-container { max-width: 1280px !important; margin: 0 auto; }
#chat-title h2 { margin-bottom: .1rem; }
.sources { display: flex; flex-direction: column; gap: .75rem; }
.source { border: 1px solid var(--border-color-primary); border-radius: 10px;
          padding: .7rem .9rem; background: var(--background-fill-secondary); }
.source header { font-weight: 600; margin-bottom: .2rem; line-height: 1.3; }
.source .num { display: inline-block; min-width: 1.8em; color: var(--color-accent); }
.source .meta { color: var(--body-text-color-subdued); font-size: .85em; margin-bottom: .4rem; }
.source .passage { white-space: pre-wrap; line-height: 1.45; font-size: .95em;
                   max-height: 14em; overflow-y: auto; }
.source mark, .article-view mark { background: #fde68a; color: #111; padding: 0 .1em;
                                   border-radius: 2px; }
.source .open-article { margin-top: .5rem; font-size: .85em; cursor: pointer;
                        border: 1px solid var(--border-color-primary); border-radius: 6px;
                        padding: .2rem .6rem; background: var(--background-fill-primary);
                        color: var(--body-text-color); }
.abstained, .placeholder { color: var(--body-text-color-subdued); font-style: italic; }
.article-view { border: 1px solid var(--border-color-primary); border-radius: 10px;
                padding: .8rem 1rem; }
.article-view .body { white-space: pre-wrap; line-height: 1.5; max-height: 60vh;
                      overflow-y: auto; }
.article-view .target { background: rgba(253, 230, 138, .35); outline: 2px solid #f59e0b;
                        border-radius: 3px; }
@media (max-width: 640px) {
  .source .passage { max-height: 10em; }
  .article-view .body { max-height: 50vh; }
}
""" + CORROBORATION_CSS

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

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$&:\"'=/])")


def escape_markdown(text: str) -> str:
    """Untrusted text made literal in Markdown: every ASCII punctuation
    character that Markdown or HTML could interpret is backslash-escaped."""
    return _MD_SPECIAL.sub(r"\\\1", text)


# ------------------------------------------------------------------ rendering
def render_answer(reply: Answer) -> str:
    """The chat message for an answer: escaped answer sentences with their
    citation markers, unsupported sentences flagged, and the numbered sources."""
    if reply.abstained:
        text = escape_markdown(reply.text)
        return f"{text}\n\n*Closest passages are shown under Sources.*" if reply.hits else text
    body = _answer_body(reply)
    notes = "".join(f"\n\n*{escape_markdown(n)}*" for n in reply.notes)
    refs = "\n".join(f"{c.number}\\. {escape_markdown(c.hit.citation)}" for c in reply.citations)
    corroboration = render_corroboration(reply, escape_markdown)
    return f"{body}{notes}\n\n**Sources**\n\n{refs}" + \
        (f"\n\n{corroboration}" if corroboration else "")


def _answer_body(reply: Answer) -> str:
    if not reply.sentences:
        return escape_markdown(reply.text)
    parts = []
    for sentence in reply.sentences:
        marks = "".join(f"\\[{n}\\]" for n in sentence.citations)
        flag = "" if sentence.supported else " ⚠️ *unsupported by the cited passages*"
        parts.append(f"{escape_markdown(sentence.text)} {marks}{flag}".rstrip())
    return " ".join(parts)


def render_sources(reply: Answer) -> str:
    """The sources panel: each cited passage with the quoted sentences highlighted
    and a button that opens the whole article at that passage."""
    if reply.citations:
        cards = [_card(c.number, c.hit, c.quotes)
                 for c in [*reply.citations, *reply.corroborations]]
    else:
        cards = [_card(None, h, ()) for h in reply.hits[:3]]
        cards.insert(0, '<p class="abstained">No passage answers the question; '
                        "these are the closest.</p>")
    return '<div class="sources">' + "".join(cards) + "</div>"


def _card(number, hit: Hit, quotes) -> str:
    marker = f"[{number}]" if number is not None else "·"
    meta = " · ".join(html.escape(p) for p in (hit.source, hit.date) if p)
    button = (f'<button class="open-article" data-cite="{number}">Open the article at this '
              f"passage</button>" if number is not None else "")
    return (f'<article class="source" data-citation="{number or ""}">'
            f'<header><span class="num">{html.escape(marker)}</span> {_title(hit)}</header>'
            f'<div class="meta">{meta or html.escape(hit.article_id)}</div>'
            f'<div class="passage">{_highlight(hit.text, hit.start, quotes)}</div>'
            f"{button}</article>")


def _title(hit_or_article) -> str:
    """Escaped title, linked only when the url is plain http(s)."""
    title = html.escape(hit_or_article.title or getattr(hit_or_article, "article_id", None)
                        or hit_or_article.id)
    url = hit_or_article.url or ""
    if re.match(r"https?://[^\s]+$", url, re.IGNORECASE):
        return (f'<a href="{html.escape(url, quote=True)}" target="_blank" '
                f'rel="noopener noreferrer nofollow">{title}</a>')
    return title


def _highlight(text: str, offset: int, spans) -> str:
    """Escape ``text`` (which starts at article offset ``offset``), wrapping the
    ``spans`` (article offsets) in ``<mark>``."""
    out, cursor = [], 0
    for start, end in sorted(spans):
        a, b = max(start - offset, cursor), min(end - offset, len(text))
        if a >= b:
            continue
        out += [html.escape(text[cursor:a]), "<mark>", html.escape(text[a:b]), "</mark>"]
        cursor = b
    out.append(html.escape(text[cursor:]))
    return "".join(out)


def render_article(article, number: int, start: int, end: int, quotes) -> str:
    """The whole article with the cited passage outlined (scrolled into view by
    the viewer) and the quoted sentences highlighted."""
    text = article.text
    meta = " · ".join(html.escape(p) for p in (article.source, article.date) if p)
    return (f'<div class="article-view" data-article="{html.escape(article.id, quote=True)}">'
            f"<h3>[{number}] {_title(article)}</h3>"
            f'<div class="meta">{meta}</div>'
            f'<div class="body">{html.escape(text[:start])}'
            f'<span class="target">{_highlight(text[start:end], start, quotes)}</span>'
            f"{html.escape(text[end:])}</div></div>")


_PLACEHOLDER_SOURCES = '<p class="placeholder">Cited passages appear here.</p>'


def example_questions(catalog, articles_dir: Path, seeds_dir: Path,
                      configured: str | None = None) -> list[str]:
    """Example questions about the loaded articles: the configured ones, curated
    ones for the seed collection, otherwise one per most recent titled article."""
    if configured:
        return [q.strip() for q in configured.split("|") if q.strip()]
    if Path(articles_dir).resolve() == Path(seeds_dir).resolve():
        return list(SEED_EXAMPLES)
    return [f"What happened: {t}?" for t in catalog.titles[-3:]]


# -------------------------------------------------------------- concurrency
class SlotGate:
    """At most ``slots`` holders at once and ``waiting`` waiters; anyone beyond
    is refused at once (the caller falls back instead of queueing)."""

    def __init__(self, slots: int, waiting: int):
        self._slots = threading.BoundedSemaphore(slots)
        self._admitted = threading.BoundedSemaphore(slots + waiting)

    @contextmanager
    def enter(self):
        """Yields ``True`` while holding a slot, or ``False`` if refused."""
        if not self._admitted.acquire(blocking=False):
            yield False
            return
        try:
            with self._slots:
                yield True
        finally:
            self._admitted.release()


# -------------------------------------------------------------------- the page
def build_ui(engine):
    """The chat page for ``engine``; also exposes the ``/ask`` API endpoint."""
    import gradio as gr

    from ..ingest.uploads import UploadRejected, accepted_suffixes, store_upload
    from ..settings import seeds_dir, uploads_root

    settings = engine.settings
    catalog = engine.catalog()
    modes = engine.answer_modes()
    local_gate = SlotGate(settings.local_model_slots, settings.local_model_waiting)

    def respond(message, history, turns, mode, k, sources, date_from, date_to, as_of):
        # ``history`` is what the chat shows (escaped Markdown, sources, notes);
        # ``turns`` is the same conversation as plain (question, answer text)
        # pairs, which is what the engine reads follow-ups with.
        question = (message or "").strip()
        if not question:
            yield history, gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
            return
        history = history + [{"role": "user", "content": escape_markdown(question)},
                             {"role": "assistant", "content": "*Searching the articles…*"}]
        yield history, gr.skip(), "", gr.skip(), gr.skip(), gr.skip()
        filters = _filters(sources, date_from, date_to, as_of)
        if filters is None:
            history[-1] = {"role": "assistant", "content":
                           "Dates must look like 2024-03-25 (year-month-day)."}
            yield history, gr.skip(), "", gr.skip(), gr.skip(), gr.skip()
            return
        earlier = [tuple(turn) for turn in turns or []]
        with _mode_slot(mode) as (mode, note):
            reply = None
            for part in engine.stream_answer(question, int(k), mode=mode, history=earlier,
                                             **filters):
                if isinstance(part, Answer):
                    reply = part
                else:
                    history[-1] = {"role": "assistant", "content": escape_markdown(part) + " ▍"}
                    yield history, gr.skip(), "", gr.skip(), gr.skip(), gr.skip()
        content = render_answer(reply) + (f"\n\n*{escape_markdown(note)}*" if note else "")
        history[-1] = {"role": "assistant", "content": content}
        turns = [*(turns or []), [question, reply.text]]
        yield history, render_sources(reply), "", _citation_table(reply), "", turns

    @contextmanager
    def _mode_slot(mode):
        """Local answers wait for the one model; if too many already wait, the
        question gets the extractive answer now instead of queueing."""
        if mode != "local":
            yield "extractive", None
            return
        with local_gate.enter() as admitted:
            if admitted:
                yield "local", None
            else:
                yield "extractive", "The local model is busy; this is the extractive answer."

    def open_citation(table, evt: gr.EventData):
        entry = (table or {}).get(str(getattr(evt, "cite", "")))
        if not entry:
            return gr.skip()
        article = engine.article(entry["article_id"])
        if article is None:
            return '<p class="placeholder">That article is no longer in the index.</p>'
        return render_article(article, entry["number"], entry["start"], entry["end"],
                              [tuple(q) for q in entry["quotes"]])

    def upload(files, progress=gr.Progress(track_tqdm=True)):
        stored, problems = [], []
        for path in files or []:
            try:
                stored.append(store_upload(path, Path(path).name,
                                           uploads_root(settings.articles_dir),
                                           subdir=settings.upload_subdir,
                                           max_bytes=settings.upload_max_bytes))
            except UploadRejected as exc:
                problems.append(str(exc))
        lines = [f"✗ {escape_markdown(p)}" for p in problems]
        if stored:
            progress(0, desc=f"Indexing {len(stored)} file(s)…")
            # The engine's embedding progress bar is mirrored in the page.
            summary = engine.add([s.path for s in stored], progress=True)
            for s in stored:
                reasons = [k.reason for k in summary.skipped
                           if Path(k.path).name.startswith(s.path.name)]
                if reasons:  # the loader refused it (e.g. no text after cleaning)
                    lines.append(f"✗ {escape_markdown(s.original_name)}: "
                                 f"{escape_markdown('; '.join(reasons))}")
                else:
                    lines.insert(0, f"✓ {escape_markdown(s.original_name)} added")
            lines.append(escape_markdown(f"The index now holds {summary.articles} articles "
                                         f"({summary.chunks} passages)."))
        fresh = engine.catalog()
        return ("\n\n".join(lines) or "No file received.", None,
                gr.update(choices=fresh.sources))

    def ask(question: str) -> str:
        """Answer a question about the articles; returns Markdown with numbered sources."""
        return engine.answer(question).to_markdown()

    def show_comparison(message, sources, date_from, date_to, as_of):
        question = (message or "").strip()
        filters = _filters(sources, date_from, date_to, as_of)
        if not question or filters is None:
            return gr.skip()
        return render_comparison(engine.compare_sources(question, **filters))

    def compare_api(question: str) -> str:
        """What each article says about a question: one Markdown section per article."""
        return "\n\n".join(f"### {c.outlet}\n{c.hit.text}"
                             for c in engine.compare_sources(question))

    # Uploaded files wait in Gradio's cache only until they are copied into the
    # articles directory; the cache is emptied of files older than an hour.
    with gr.Blocks(title="Newsroom retrieval chat", delete_cache=(3600, 3600)) as demo:
        gr.Markdown("## Newsroom retrieval chat\nAsk about the articles: every answer cites "
                    "the passages it comes from.", elem_id="chat-title")
        citations = gr.State({})
        turns = gr.State([])    # the conversation as plain (question, answer) pairs
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=320):
                chat = gr.Chatbot(label="Conversation", height=460, sanitize_html=True,
                                  latex_delimiters=[], elem_id="chat",
                                  placeholder="Ask a question about the articles.")
                question = gr.Textbox(label="Question", placeholder="Ask about the articles…",
                                      lines=1, max_lines=4, autofocus=True,
                                      elem_id="question")
                with gr.Row():
                    send = gr.Button("Ask", variant="primary", elem_id="ask", scale=3)
                    clear = gr.Button("Clear", elem_id="clear", scale=1)
                examples = example_questions(catalog, settings.articles_dir, seeds_dir(),
                                             settings.example_questions)
                if examples:
                    gr.Examples(examples, inputs=question, label="Try")
                with gr.Accordion("Answer options and filters", open=False,
                                  elem_id="options"):
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
                                              f"{settings.upload_max_bytes // 1_000_000} MB each",
                                        file_count="multiple",
                                        file_types=list(accepted_suffixes()),
                                        elem_id="upload")
                        upload_status = gr.Markdown(elem_id="upload-status")
            with gr.Column(scale=2, min_width=300):
                gr.Markdown("### Sources")
                sources_panel = gr.HTML(_PLACEHOLDER_SOURCES, js_on_load=_SOURCES_JS,
                                        elem_id="sources")
                article_view = gr.HTML("", js_on_load=_ARTICLE_JS, elem_id="article-view")
        with gr.Accordion("Compare sources: what each article says", open=False,
                          elem_id="compare-sources"):
            compare_panel = gr.HTML('<p class="placeholder">Ask a question to see each '
                                    "article's best passage side by side.</p>",
                                    elem_id="compare")

        inputs = [question, chat, turns, mode, k, sources, date_from, date_to, as_of]
        outputs = [chat, sources_panel, question, citations, article_view, turns]
        # Callable by clients (the load tests use it) but not advertised: /ask is the API.
        gr.on([send.click, question.submit], respond, inputs, outputs, api_name="chat",
              api_visibility="undocumented", concurrency_limit=settings.chat_concurrency,
              concurrency_id="chat")
        # Runs beside the answer (same trigger, same question), in its own slots.
        gr.on([send.click, question.submit], show_comparison,
              [question, sources, date_from, date_to, as_of], compare_panel,
              api_visibility="private", concurrency_limit=1, concurrency_id="compare")
        clear.click(lambda: ([], _PLACEHOLDER_SOURCES, {}, "", "", []), None,
                    [chat, sources_panel, citations, article_view, question, turns],
                    api_visibility="private", queue=False)
        sources_panel.open_citation(open_citation, citations, article_view,
                                    api_visibility="private", concurrency_limit=None)
        if settings.uploads:
            files.upload(upload, files, [upload_status, files, sources],
                         api_visibility="private", concurrency_limit=1,
                         concurrency_id="upload")
        gr.api(ask, api_name="ask", concurrency_limit=settings.chat_concurrency,
               concurrency_id="chat")
        gr.api(compare_api, api_name="compare", concurrency_limit=1, concurrency_id="compare")
    demo.queue(max_size=settings.queue_size)
    return demo


def _citation_table(reply: Answer) -> dict:
    """What the page remembers to open each citation's article (JSON-friendly)."""
    return {str(c.number): {"number": c.number, "article_id": c.article_id,
                            "start": c.hit.start, "end": c.hit.end,
                            "quotes": [list(q) for q in c.quotes]}
            for c in [*reply.citations, *reply.corroborations]}


def _filters(sources, date_from, date_to, as_of=None) -> dict | None:
    """Retrieval options from the controls; ``None`` when a date is malformed."""
    filters = {}
    if sources:
        filters["sources"] = list(sources)
    for name, value in (("date_from", date_from), ("date_to", date_to), ("as_of", as_of)):
        try:
            day = given_day(value, name)
        except ValueError:
            return None
        if day is not None:
            filters[name] = day.isoformat()
    return filters


def launch_kwargs(settings) -> dict:
    """Arguments for ``demo.launch`` that follow the settings (host, port, login,
    upload size, our CSS)."""
    kwargs = dict(server_name=settings.host, server_port=settings.port, css=CSS,
                  footer_links=["api"], max_file_size=settings.upload_max_bytes,
                  show_error=False)
    if settings.auth:
        user, _, password = settings.auth.partition(":")
        if not user or not password:
            raise ValueError("auth must look like user:password")
        kwargs.update(auth=(user, password), auth_message="Log in to the newsroom chat.")
    return kwargs
