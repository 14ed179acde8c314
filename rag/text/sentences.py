"""Splitting text into sentences and sentences into clauses, with character offsets.

The one sentence splitter: chunking cuts passages on these boundaries, the
answerer quotes these sentences, the citation checker and corroboration
compare them. The one clause splitter: the answerer reads a long sentence by
the clauses that share words with the question (and may cut the others),
corroboration matches facts clause by clause.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator, Sequence

from ..types import Hit

__all__ = ["split_sentences", "iter_sentences", "sentence_at", "clause_spans", "clauses",
           "PassageSentence", "passage_sentences"]


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
    return list(iter_sentences(text, offset))


def iter_sentences(text: str, offset: int = 0) -> Iterator[tuple[int, int]]:
    """:func:`split_sentences` one sentence at a time, for a reader that may stop
    early (the first sentence that is not an instruction; the one holding a
    position)."""
    start = 0
    for match in _BOUNDARY.finditer(text):
        if match.group(1):
            word = text[start:match.start(1)].rsplit(None, 1)[-1:] or [""]
            word = word[0].lower().lstrip("(\"'“‘")
            if word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha()):
                continue  # "Mr. Miller", "J. Smith": not a sentence end
            end = match.end(1)
        else:
            end = match.start()
        yield from _span(text, start, end, offset)
        start = match.end()
    yield from _span(text, start, len(text), offset)


def sentence_at(text: str, at: int, offset: int = 0) -> tuple[int, int] | None:
    """The span of the sentence of ``text`` holding position ``at`` (both with
    ``offset`` added, as :func:`split_sentences`), ``None`` if none does."""
    return next(((a, b) for a, b in iter_sentences(text, offset) if a <= at < b), None)


def _span(text: str, start: int, end: int, offset: int) -> Iterator[tuple[int, int]]:
    """``text[start:end]`` without its surrounding whitespace, as a span plus
    ``offset`` (none when it is only whitespace)."""
    piece = text[start:end]
    stripped = piece.strip()
    if stripped:
        lead = len(piece) - len(piece.lstrip())
        yield offset + start + lead, offset + start + lead + len(stripped)


# Where a clause ends: a comma, semicolon or colon, a dash, a quotation mark;
# and (unless told otherwise) the space before a conjunction that starts another clause.
_PUNCTUATION = r"""\s*[,;:]\s+|\s*[—–]\s+|\s+[—–]\s*|\s*[,;:]?["“”]\s*"""
_CONJUNCTION = (r"\s+(?=(?:after|while|as|because|but|which|who|allowing|adding|although|and"
                r"|where)\s)")
_BREAKS = {True: re.compile(f"{_PUNCTUATION}|{_CONJUNCTION}"), False: re.compile(_PUNCTUATION)}


def clause_spans(sentence: str, *, at_conjunctions: bool = True) -> list[tuple[int, int]]:
    """Character spans ``(start, end)`` of the clauses of ``sentence``; the
    text between two spans is what separates them (", ", "; ", " — ", a
    quotation mark, or a space before "and", "which", "after", ...; with
    ``at_conjunctions=False`` only punctuation separates clauses)."""
    spans, start = [], 0
    for match in _BREAKS[at_conjunctions].finditer(sentence):
        if match.start() > start:
            spans.append((start, match.start()))
        start = max(start, match.end())
    if start < len(sentence):
        spans.append((start, len(sentence)))
    return spans


def clauses(sentence: str, min_words: int = 4) -> list[str]:
    """The clauses of ``sentence`` as text, a piece shorter than ``min_words``
    joined to its neighbour; a piece that is the whole sentence is left out.

    A news sentence often packs several facts ("The council passed the
    resolution ... after the US withheld its veto"); matching an answer
    sentence against the clauses finds the one that states its fact.
    """
    spans = clause_spans(sentence)
    groups: list[list[int]] = []        # [start, end, words]
    for a, b in spans:
        words = len(sentence[a:b].split())
        if groups and (words < min_words or groups[-1][2] < min_words):
            groups[-1][1:] = [b, groups[-1][2] + words]
        else:
            groups.append([a, b, words])
    whole = (spans[0][0], spans[-1][1]) if spans else None
    return [sentence[a:b] for a, b, words in groups
            if words >= min_words and (a, b) != whole]


@dataclass(frozen=True)
class PassageSentence:
    """One sentence of a retrieved passage."""

    hit_pos: int        # position of its passage in the list of hits
    start: int          # character offsets in the article text
    end: int
    text: str


def passage_sentences(hits: Sequence[Hit]) -> list[PassageSentence]:
    """Each distinct sentence of ``hits`` once, with the first passage that
    holds it (overlapping chunks repeat sentences)."""
    seen, out = set(), []
    for pos, hit in enumerate(hits):
        for start, end in split_sentences(hit.text, offset=hit.start):
            if (hit.article_id, start) not in seen:
                seen.add((hit.article_id, start))
                out.append(PassageSentence(pos, start, end,
                                           hit.text[start - hit.start:end - hit.start]))
    return out
