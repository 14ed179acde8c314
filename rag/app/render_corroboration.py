"""How corroboration looks in the chat: "reported by N sources", disagreements,
and the compare-sources columns.

Presentation only (the UI calls these); every piece of article text, title and
url is HTML-escaped here.
"""

from __future__ import annotations

import html
from typing import Callable

from ..corroboration.corroborator import SourceColumn
from ..types import Answer, Hit

__all__ = ["render_corroboration", "render_comparison", "CORROBORATION_CSS"]

CORROBORATION_CSS = """
.compare { display: grid; grid-template-columns: repeat(auto-fit, minmax(14rem, 1fr)); gap: .75rem; }
.compare .column { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: .6rem .8rem; }
.compare .column header { font-weight: 600; margin-bottom: .25rem; }
.compare .column .meta { color: var(--body-text-color-subdued); font-size: .85em; margin-bottom: .4rem; }
.compare .column .passage { white-space: pre-wrap; line-height: 1.45; }
.compare mark { background: #bfdbfe; color: inherit; padding: 0 .1em; border-radius: 2px; }
"""


def render_corroboration(reply: Answer, escape: Callable[[str], str] = html.escape) -> str:
    """Markdown for the chat message: who reports each sentence, where the
    sources disagree, and the other outlets' passages by number (empty when
    no sentence has a second source and nothing disagrees). ``escape`` makes
    untrusted article text literal (the chat passes its Markdown escaper)."""
    out = ""
    if any(len(s.outlets) > 1 for s in reply.sentences):
        lines = []
        for sentence in reply.sentences:
            if sentence.outlets:
                cited = sorted({c.number for c in sentence.supporting})
                markers = " " + escape("".join(f"[{n}]" for n in cited)) if cited else ""
                lines.append(f"- *{escape(_clip(sentence.text))}* — "
                             f"{escape(sentence.reported_by)}{markers}")
        out += "**Corroboration**\n\n" + "\n".join(lines)
    if reply.disagreements:
        out += ("\n\n" if out else "") + "**Sources disagree**\n\n" + "\n".join(
            "- " + escape(d.describe()) for d in reply.disagreements)
    if out and reply.corroborations:
        refs = "\n".join(escape(f"{c.number}. {c.hit.citation}") for c in reply.corroborations)
        out += f"\n\n**Other sources**\n\n{refs}"
    return out


def render_comparison(columns: list[SourceColumn]) -> str:
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
            f'<div class="passage">{_highlight(hit, column.quote)}</div></section>')
    return '<div class="compare">' + "".join(cells) + "</div>"


def _highlight(hit: Hit, quote: tuple[int, int]) -> str:
    a, b = max(quote[0] - hit.start, 0), min(quote[1] - hit.start, len(hit.text))
    if a >= b:
        return html.escape(hit.text)
    return (html.escape(hit.text[:a]) + "<mark>" + html.escape(hit.text[a:b]) + "</mark>"
            + html.escape(hit.text[b:]))


def _clip(text: str, limit: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
