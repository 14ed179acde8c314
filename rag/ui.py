"""The Gradio web chat.

The UI only presents: it receives an :class:`~rag.engine.Engine` and calls
its services; it never searches or ranks anything itself. Article text,
titles and urls are always HTML-escaped before they reach the page.
"""

from __future__ import annotations

import html

from .citations import Answer, Hit

__all__ = ["build_ui", "render_sources", "render_answer"]

EXAMPLES = [
    "Who decided not to use its veto?",
    "How did Netanyahu react to the UN vote?",
    "How many members backed the ceasefire resolution?",
]

CSS = """
.sources { display: flex; flex-direction: column; gap: .75rem; }
.source { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: .6rem .8rem; }
.source header { font-weight: 600; margin-bottom: .25rem; }
.source .meta { color: var(--body-text-color-subdued); font-size: .85em; margin-bottom: .4rem; }
.source .passage { white-space: pre-wrap; line-height: 1.45; }
.source mark { background: #fde68a; color: inherit; padding: 0 .1em; border-radius: 2px; }
.abstained { color: var(--body-text-color-subdued); font-style: italic; }
"""


def render_answer(reply: Answer) -> str:
    """The chat message for an answer: escaped answer text plus a short source list."""
    text = html.escape(reply.text)
    if reply.abstained:
        return f"{text}\n\n*Closest passages are shown under Sources.*" if reply.hits else text
    refs = "\n".join(f"{c.number}. {html.escape(c.hit.citation)}" for c in reply.citations)
    return f"{text}\n\n**Sources**\n{refs}"


def render_sources(reply: Answer) -> str:
    """The sources panel: each cited passage with the quoted sentences highlighted."""
    if reply.citations:
        cards = [_card(f"[{c.number}]", c.hit, c.quotes) for c in reply.citations]
    else:
        cards = [_card("·", h, ()) for h in reply.hits[:3]]
        cards.insert(0, '<p class="abstained">No passage answers the question; '
                        "these are the closest.</p>")
    return '<div class="sources">' + "".join(cards) + "</div>"


def _card(marker: str, hit: Hit, quotes) -> str:
    meta = " · ".join(html.escape(p) for p in (hit.source, hit.date) if p)
    title = html.escape(hit.title or hit.citation)
    if hit.url and hit.url.lower().startswith(("http://", "https://")):
        title = f'<a href="{html.escape(hit.url, quote=True)}" target="_blank" ' \
                f'rel="noopener noreferrer">{title}</a>'
    return (f'<article class="source"><header>{html.escape(marker)} {title}</header>'
            f'<div class="meta">{meta or html.escape(hit.article_id)}</div>'
            f'<div class="passage">{_highlight(hit, quotes)}</div></article>')


def _highlight(hit: Hit, quotes) -> str:
    """Escape the passage, wrapping the quoted spans (article offsets) in <mark>."""
    out, cursor = [], 0
    for start, end in sorted(quotes):
        a, b = max(start - hit.start, cursor), min(end - hit.start, len(hit.text))
        if a >= b:
            continue
        out += [html.escape(hit.text[cursor:a]), "<mark>", html.escape(hit.text[a:b]), "</mark>"]
        cursor = b
    out.append(html.escape(hit.text[cursor:]))
    return "".join(out)


def build_ui(engine):
    """The chat page for ``engine``; also exposes the ``/ask`` API endpoint."""
    import gradio as gr

    def respond(message: str, history: list):
        question = (message or "").strip()
        if not question:
            return history, gr.update(), ""
        reply = engine.answer(question)
        history = history + [{"role": "user", "content": question},
                             {"role": "assistant", "content": render_answer(reply)}]
        return history, render_sources(reply), ""

    def ask(question: str) -> str:
        """Answer a question about the articles; returns Markdown with numbered sources."""
        return engine.answer(question).to_markdown()

    with gr.Blocks(title="Newsroom retrieval chat") as demo:
        gr.Markdown("## Newsroom retrieval chat\nAsk about the articles; every answer "
                    "cites the passages it comes from.")
        with gr.Row():
            with gr.Column(scale=3):
                chat = gr.Chatbot(label="Conversation", height=480, sanitize_html=True)
                question = gr.Textbox(label="Question", placeholder="Ask about the articles…",
                                      lines=1, autofocus=True)
                with gr.Row():
                    send = gr.Button("Ask", variant="primary")
                    gr.ClearButton([chat, question])
                gr.Examples(EXAMPLES, inputs=question)
            with gr.Column(scale=2):
                gr.Markdown("### Sources")
                sources = gr.HTML('<p class="abstained">Cited passages appear here.</p>')
        for trigger in (send.click, question.submit):
            trigger(respond, [question, chat], [chat, sources, question],
                    api_visibility="private")
        gr.api(ask, api_name="ask")
    return demo
