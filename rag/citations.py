"""Result types: what a retrieved passage and a cited answer carry.

Everything a citation needs travels with it (article id, title, source, date,
url, character offsets of the passage in the cleaned article text), so the
UI, the CLI and API users never need to look anything up again.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .articles import Article
from .chunking import Chunk

__all__ = ["Hit", "Citation", "Answer", "AnswerSentence", "citation_label", "make_hit"]


@dataclass(frozen=True)
class Hit:
    """One retrieved passage; ``article.text[start:end] == text``."""

    text: str
    score: float
    article_id: str
    title: str | None
    source: str | None
    date: str | None
    url: str | None
    start: int
    end: int
    citation: str
    chunk_id: int = -1


@dataclass(frozen=True)
class Citation:
    """Marker ``[number]`` in an answer, pointing at one passage.

    ``quotes`` are the character spans (in the article text) of the sentences
    the answer took from this passage: what the UI highlights.
    """

    number: int
    article_id: str
    hit: Hit
    quotes: tuple[tuple[int, int], ...] = ()

    @property
    def label(self) -> str:
        return f"[{self.number}] {self.hit.citation}"


@dataclass(frozen=True)
class AnswerSentence:
    """One sentence of an answer and the citation numbers that support it.

    ``supported`` is False when the citation check found no support for the
    sentence in the passages it cites (generated answers only; quotes are
    supported by construction).
    """

    text: str
    citations: tuple[int, ...]
    supported: bool = True


@dataclass(frozen=True)
class Answer:
    question: str
    text: str
    citations: list[Citation]
    hits: list[Hit]
    mode: str = "extractive"
    abstained: bool = False
    notes: list[str] = field(default_factory=list)
    sentences: list[AnswerSentence] = field(default_factory=list)
    #: How well the best passage sentence supports an answer (the score that
    #: is compared with ``Settings.abstain_below``).
    support: float = 0.0

    def to_markdown(self) -> str:
        """The answer followed by its numbered sources (used by the CLI and /ask)."""
        lines = [self.text]
        if self.notes:
            lines += [""] + [f"Note: {note}" for note in self.notes]
        if self.citations:
            lines += ["", "Sources:"]
            lines += [f"{c.label}: \"{_one_line(c.hit.text)}\"" for c in self.citations]
        elif self.abstained and self.hits:
            lines += ["", "Closest passages:"]
            lines += [f"- {h.citation}: \"{_one_line(h.text)}\"" for h in self.hits[:3]]
        return "\n".join(lines)


def _one_line(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def citation_label(article: Article) -> str:
    """'Title — Source, 2024-03-25', using the file name when there is no title."""
    parts = [p for p in (article.source, article.date) if p]
    return article.label + (f" — {', '.join(parts)}" if parts else "")


def make_hit(article: Article, chunk: Chunk, score: float, chunk_id: int = -1) -> Hit:
    return Hit(text=chunk.text, score=float(score), article_id=article.id, title=article.title,
               source=article.source, date=article.date, url=article.url, start=chunk.start,
               end=chunk.end, citation=citation_label(article), chunk_id=chunk_id)
