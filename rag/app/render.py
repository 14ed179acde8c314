"""How answers and articles look in the chat: escaped Markdown for the
conversation, HTML for the sources panel, the article viewer and the
compare-sources columns, and the page's CSS.

Presentation only, no Gradio. Everything that comes from an article (text,
titles, sources, urls) is untrusted and reaches the page inert:

* Markdown: every ASCII punctuation character of article text is
  backslash-escaped (:func:`escape_markdown`), so no tag, link or image can form;
* HTML: every piece of article text is :func:`html.escape`-d, and links are
  only emitted for plain ``http(s)`` urls.

The plain-text answer (CLI, ``/ask``) is :meth:`rag.types.Answer.to_text`;
both build the answer sentences with :func:`rag.types.cited_text`.
"""

from __future__ import annotations

import html
import re

from ..corroboration.corroborator import SourceColumn
from ..types import Answer, Hit, cited_text, one_line

__all__ = ["escape_markdown", "chat_message", "sources_panel", "article_view",
           "short_answer_spans",
           "comparison", "CSS", "PLACEHOLDER_SOURCES", "PLACEHOLDER_COMPARISON",
           "ARTICLE_GONE"]

PLACEHOLDER_SOURCES = '<p class="placeholder">Cited passages appear here.</p>'
PLACEHOLDER_COMPARISON = ('<p class="placeholder">Ask a question to see each '
                          "article's best passage side by side.</p>")
ARTICLE_GONE = '<p class="placeholder">That article is no longer in the index.</p>'

CSS = """
.gradio-container { width: 100% !important; max-width: 1280px !important; margin: 0 auto; }
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
.source .short-answer, .article-view .short-answer { font-weight: 700;
    text-decoration: underline 2px #d97706; text-underline-offset: 2px; }
.source .open-article { margin-top: .5rem; font-size: .85em; cursor: pointer;
                        border: 1px solid var(--border-color-primary); border-radius: 6px;
                        padding: .2rem .6rem; background: var(--background-fill-primary);
                        color: var(--body-text-color); }
.abstained, .placeholder { color: var(--body-text-color-subdued); font-style: italic; }
.article-view { border: 1px solid var(--border-color-primary); border-radius: 10px;
                padding: .8rem 1rem; }
.article-view .body { white-space: pre-wrap; line-height: 1.5; max-height: 60vh;
                      overflow-y: auto; }
.article-view .target { display: block; background: rgba(253, 230, 138, .35);
                        box-shadow: inset 0 0 0 2px #f59e0b; padding: .35rem .5rem;
                        border-radius: 4px; }
@media (max-width: 640px) {
  .source .passage { max-height: 10em; }
  .article-view .body { max-height: 50vh; }
}
.compare { display: grid; grid-template-columns: repeat(auto-fit, minmax(14rem, 1fr)); gap: .75rem; }
.compare .column { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: .6rem .8rem; }
.compare .column header { font-weight: 600; margin-bottom: .25rem; }
.compare .column .meta { color: var(--body-text-color-subdued); font-size: .85em; margin-bottom: .4rem; }
.compare .column .passage { white-space: pre-wrap; line-height: 1.45; }
.compare mark { background: #bfdbfe; color: inherit; padding: 0 .1em; border-radius: 2px; }
"""

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$&:\"'=/])")


def escape_markdown(text: str) -> str:
    """Untrusted text made literal in Markdown: every ASCII punctuation
    character that Markdown or HTML could interpret is backslash-escaped."""
    return _MD_SPECIAL.sub(r"\\\1", text)


# ------------------------------------------------------------ the chat message
def chat_message(reply: Answer) -> str:
    """The chat message for an answer: escaped answer sentences with their
    citation markers, unsupported sentences flagged, the numbered sources and
    what corroboration found."""
    # How the question was read (cut, not Latin script): most needed when nothing answers it.
    notes = "".join(f"\n\n*{escape_markdown(n)}*" for n in reply.notes)
    if reply.abstained:
        closest = "\n\n*Closest passages are shown under Sources.*" if reply.hits else ""
        return f"{escape_markdown(reply.text)}{notes}{closest}"
    body = (cited_text(reply.sentences, escape=escape_markdown, marker="\\[{}\\]",
                       unsupported=" ⚠️ *unsupported by the cited passages*")
            if reply.sentences else escape_markdown(reply.text))
    if reply.short:   # the exact answer first, in bold
        markers = escape_markdown(reply.short.markers)
        body = f"**{escape_markdown(reply.short.text)}** {markers}".rstrip() + f"\n\n{body}"
    corroboration = _corroboration(reply)
    return f"{body}{notes}\n\n**Sources**\n\n{_references(reply.citations)}" + \
        (f"\n\n{corroboration}" if corroboration else "")


def _corroboration(reply: Answer) -> str:
    """Who reports each sentence, where the sources disagree, and the other
    outlets' passages by number (empty when no sentence has a second source
    and nothing disagrees)."""
    out = ""
    if any(len(s.outlets) > 1 for s in reply.sentences):
        lines = []
        for sentence in reply.sentences:
            if sentence.outlets:
                cited = sorted({c.number for c in sentence.supporting})
                markers = " " + escape_markdown("".join(f"[{n}]" for n in cited)) if cited else ""
                lines.append(f"- *{escape_markdown(one_line(sentence.text, 90))}* — "
                             f"{escape_markdown(sentence.reported_by)}{markers}")
        out += "**Corroboration**\n\n" + "\n".join(lines)
    if reply.disagreements:
        out += ("\n\n" if out else "") + "**Sources disagree**\n\n" + "\n".join(
            "- " + escape_markdown(d.describe()) for d in reply.disagreements)
    if out and reply.corroborations:
        out += f"\n\n**Other sources**\n\n{_references(reply.corroborations)}"
    return out


def _references(citations) -> str:
    """``1. Title — Source, date``, one per line, escaped."""
    return "\n".join(escape_markdown(f"{c.number}. {c.hit.citation}") for c in citations)


# ----------------------------------------------------------------------- HTML
def sources_panel(reply: Answer) -> str:
    """The sources panel: each cited passage with the quoted sentences highlighted,
    the short answer in bold where it occurs, and a button that opens the whole
    article at that passage."""
    if reply.citations:
        cards = [_card(c.number, c.hit, c.quotes, short_answer_spans(reply, c.number))
                 for c in [*reply.citations, *reply.corroborations]]
    else:
        cards = [_card(None, h, ()) for h in reply.hits[:3]]
        cards.insert(0, '<p class="abstained">No passage answers the question; '
                        "these are the closest.</p>")
    return '<div class="sources">' + "".join(cards) + "</div>"


def _card(number, hit: Hit, quotes, answer_spans=()) -> str:
    marker = f"[{number}]" if number is not None else "·"
    meta = " · ".join(html.escape(p) for p in (hit.source, hit.date) if p)
    button = (f'<button class="open-article" data-cite="{number}">Open the article at this '
              f"passage</button>" if number is not None else "")
    return (f'<article class="source" data-citation="{number or ""}">'
            f'<header><span class="num">{html.escape(marker)}</span> {_title(hit)}</header>'
            f'<div class="meta">{meta or html.escape(hit.article_id)}</div>'
            f'<div class="passage">{_highlight(hit.text, hit.start, quotes, answer_spans)}</div>'
            f"{button}</article>")


def article_view(article, number: int, start: int, end: int, quotes, answer_spans=()) -> str:
    """The whole article with the cited passage outlined (scrolled into view by
    the viewer), the quoted sentences highlighted and the short answer in bold
    where it occurs (``answer_spans``)."""
    text = article.text
    meta = " · ".join(html.escape(p) for p in (article.source, article.date) if p)
    return (f'<div class="article-view" data-article="{html.escape(article.id, quote=True)}">'
            f"<h3>[{number}] {_title(article)}</h3>"
            f'<div class="meta">{meta}</div>'
            f'<div class="body">{html.escape(text[:start])}'
            f'<span class="target">{_highlight(text[start:end], start, quotes, answer_spans)}</span>'
            f"{html.escape(text[end:])}</div></div>")


def comparison(columns: list[SourceColumn]) -> str:
    """The compare-sources view: one column per article, its best passage with
    the sentence closest to the question highlighted."""
    if not columns:
        return '<p class="abstained">No article speaks to this question.</p>'
    cells = []
    for column in columns:
        hit = column.hit
        meta = " · ".join(html.escape(p) for p in (hit.date, hit.title) if p
                          and p != column.outlet)
        cells.append(
            f'<section class="column"><header>{html.escape(column.outlet)}</header>'
            f'<div class="meta">{meta}</div>'
            f'<div class="passage">{_highlight(hit.text, hit.start, [column.quote])}</div>'
            f"</section>")
    return '<div class="compare">' + "".join(cells) + "</div>"


def _title(hit_or_article) -> str:
    """Escaped title, linked only when the url is plain http(s)."""
    title = html.escape(hit_or_article.title or getattr(hit_or_article, "article_id", None)
                        or hit_or_article.id)
    url = hit_or_article.url or ""
    if re.match(r"https?://[^\s]+$", url, re.IGNORECASE):
        return (f'<a href="{html.escape(url, quote=True)}" target="_blank" '
                f'rel="noopener noreferrer nofollow">{title}</a>')
    return title


def _highlight(text: str, offset: int, spans, answer_spans=()) -> str:
    """Escape ``text`` (which starts at article offset ``offset``), wrapping the
    ``spans`` (article offsets; quoted sentences) in ``<mark>`` and the
    ``answer_spans`` (where the short answer occurs) in
    ``<strong class="short-answer">``, inside the mark when in a quote."""
    def inside(spans):
        return [(max(a - offset, 0), min(b - offset, len(text))) for a, b in spans
                if min(b - offset, len(text)) > max(a - offset, 0)]

    quotes, answers = inside(spans), inside(answer_spans)
    cuts = sorted({0, len(text), *(x for span in quotes + answers for x in span)})
    out, marked = [], False
    for a, b in zip(cuts, cuts[1:]):
        quoted = any(s <= a and b <= e for s, e in quotes)
        if quoted != marked:
            out.append("<mark>" if quoted else "</mark>")
            marked = quoted
        piece = html.escape(text[a:b])
        if any(s <= a and b <= e for s, e in answers):
            piece = f'<strong class="short-answer">{piece}</strong>'
        out.append(piece)
    return "".join(out) + ("</mark>" if marked else "")


def short_answer_spans(reply: Answer, number: int) -> list[tuple[int, int]]:
    """Where the short answer occurs in the passage of citation ``number``."""
    return [(s.start, s.end) for s in reply.short.spans if s.citation == number] \
        if reply.short else []
