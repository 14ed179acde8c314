"""Splitting text into sentences, with character offsets.

The one sentence splitter: chunking cuts passages on these boundaries, the
answerer quotes these sentences, the citation checker and corroboration
compare them.
"""

from __future__ import annotations

import re

__all__ = ["split_sentences"]


# Words whose trailing period does not end a sentence.
_ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "prof", "sen", "rep", "gov", "gen", "col", "lt", "sgt", "st",
    "jr", "sr", "inc", "ltd", "co", "corp", "vs", "etc", "no", "vol", "fig", "jan", "feb",
    "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "u.s", "u.k",
    "u.n", "e.g", "i.e", "a.m", "p.m", "approx", "dept", "est", "mt", "ft",
}
# A sentence ends at . ! ? (plus closing quotes/brackets) followed by space and
# something that can start a sentence, or at a paragraph break.
_BOUNDARY = re.compile(r"""([.!?…]+["'”’)\]]*)\s+(?=["'“‘(\[]?[A-Z0-9])|\n\s*\n""")


def split_sentences(text: str, offset: int = 0) -> list[tuple[int, int]]:
    """Character spans ``(start, end)`` of the sentences in ``text``.

    Spans exclude surrounding whitespace; ``offset`` is added to every span.
    """
    spans, start = [], 0
    for match in _BOUNDARY.finditer(text):
        if match.group(1):
            word = text[start:match.start(1)].rsplit(None, 1)[-1:] or [""]
            word = word[0].lower().lstrip("(\"'“‘")
            if word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha()):
                continue  # "Mr. Miller", "J. Smith": not a sentence end
            end = match.end(1)
        else:
            end = match.start()
        _add_span(text, start, end, offset, spans)
        start = match.end()
    _add_span(text, start, len(text), offset, spans)
    return spans


def _add_span(text: str, start: int, end: int, offset: int, spans: list) -> None:
    piece = text[start:end]
    stripped = piece.strip()
    if stripped:
        lead = len(piece) - len(piece.lstrip())
        spans.append((offset + start + lead, offset + start + lead + len(stripped)))
