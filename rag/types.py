"""Result types: what a retrieved passage and a cited answer carry.

Everything a citation needs travels with it (article id, title, source, date,
url, character offsets of the passage in the cleaned article text), so the
UI, the CLI and API users never need to look anything up again.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Callable, Iterable

__all__ = ["Hit", "Citation", "Answer", "AnswerSentence", "ShortAnswer", "ShortAnswerSpan",
           "Disagreement", "DisagreementSide",
           "outlet_name", "cited_text", "one_line", "UNSUPPORTED"]

#: Follows a sentence, in plain text, that the passages it cites do not support.
UNSUPPORTED = "[unsupported]"


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

    @property
    def excerpt(self) -> str:
        """What the answer took from the passage (its quoted sentences, joined
        by " … "; overlapping quotes shown once), or the passage itself when it
        quotes nothing."""
        merged: list[list[int]] = []
        for a, b in sorted(self.quotes):
            if merged and a <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], b)
            else:
                merged.append([a, b])
        quoted = [self.hit.text[max(a - self.hit.start, 0):b - self.hit.start].strip()
                  for a, b in merged]
        return " … ".join(q for q in quoted if q) or self.hit.text


@dataclass(frozen=True)
class AnswerSentence:
    """One sentence of an answer and the citation numbers that support it.

    ``supported`` is False when the citation check found no support for the
    sentence in the passages it cites (generated answers only; quotes are
    supported by construction).

    Corroboration (see :mod:`rag.corroboration.corroborator`) fills the last three fields:
    ``supporting`` are passages of *other* articles stating the same fact,
    ``conflicting`` passages giving a different value for it, and ``outlets``
    every outlet reporting the sentence (its own first).
    """

    text: str
    citations: tuple[int, ...]
    supported: bool = True
    supporting: tuple[Citation, ...] = ()
    conflicting: tuple[Citation, ...] = ()
    outlets: tuple[str, ...] = ()

    @property
    def reported_by(self) -> str:
        """'reported by 2 sources: The Independent, US rejects ...' ('' if unknown)."""
        if not self.outlets:
            return ""
        n = len(self.outlets)
        return f"reported by {n} source{'s' if n > 1 else ''}: {', '.join(self.outlets)}"


@dataclass(frozen=True)
class ShortAnswerSpan:
    """Where a short answer occurs: ``article.text[start:end]`` of the article
    behind citation ``citation`` (a number of :attr:`Answer.citations`). A
    verdict's ("True", "False") is the sentence deciding it, not its text."""

    citation: int
    article_id: str
    start: int
    end: int


@dataclass(frozen=True)
class ShortAnswer:
    """The answer phrase itself ("14", "Kevin McCarthy", "January 6, 2023").

    ``kind`` is what the question asked for (``"number"``, ``"date"``,
    ``"person"``, ``"place"``, ``"name"``, ``"thing"``); ``score`` the
    cross-source vote that chose it; ``outlets`` every outlet stating it;
    ``spans`` where it occurs in the cited articles. A true-or-false
    question's is a ``"verdict"``, "True" or "False": its spans are the
    sentence that states (or contradicts) the claim, its score the share of
    the claim's words that sentence holds.
    """

    text: str
    kind: str
    spans: tuple[ShortAnswerSpan, ...]
    score: float = 0.0
    outlets: tuple[str, ...] = ()

    @property
    def citations(self) -> tuple[int, ...]:
        """The citation numbers stating it, in order, once each."""
        return tuple(dict.fromkeys(s.citation for s in self.spans))

    @property
    def markers(self) -> str:
        return "".join(f"[{n}]" for n in self.citations)


@dataclass(frozen=True)
class DisagreementSide:
    """One value given for a disputed fact, by one outlet, with its passage."""

    outlet: str
    value: str
    citation: Citation


@dataclass(frozen=True)
class Disagreement:
    """Retrieved passages give different values for the same thing.

    ``kind`` is ``"number"``, ``"date"`` or ``"name"``; ``about`` names what
    the value is about (context words around it).
    """

    kind: str
    about: str
    sides: tuple[DisagreementSide, ...]

    def describe(self, markers: bool = True) -> str:
        """'Sources disagree (number, backed nations): The Independent: 14 nations [3]; ...'"""
        sides = "; ".join(f"{s.outlet}: {s.value}" + (f" [{s.citation.number}]" if markers else "")
                          for s in self.sides)
        return f"Sources disagree ({self.kind}, {self.about}): {sides}"


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
    #: Passages of other articles cited by corroboration, numbered after ``citations``.
    corroborations: list[Citation] = field(default_factory=list)
    disagreements: list[Disagreement] = field(default_factory=list)
    #: The exact answer phrase, shown first; ``None`` when the answer abstains,
    #: the question asks for an explanation (why / how did ...) or a statement
    #: (what did X say), or names no kind of thing to look for.
    short: ShortAnswer | None = None

    def to_text(self) -> str:
        """The answer as plain text with ``[n]`` markers, followed by its numbered
        sources: what the CLI prints and the ``/ask`` API returns. Plain text
        (article text is quoted as written, unescaped); the chat's escaped
        Markdown is :func:`rag.app.render.chat_message`."""
        lines = [self.text]
        if self.short:
            lines = [f"Answer: {self.short.text} {self.short.markers}", ""] + lines
        if self.notes:
            lines += [""] + [f"Note: {note}" for note in self.notes]
        if self.citations:
            lines += ["", "Sources:"]
            lines += [f"{c.label}: \"{one_line(c.excerpt)}\"" for c in self.citations]
        reported = [f"- \"{one_line(s.text, 80)}\" {s.reported_by}"
                    for s in self.sentences if len(s.outlets) > 1]
        if reported:
            lines += ["", "Corroboration:"] + reported
        if self.disagreements:
            lines += [""] + [d.describe() for d in self.disagreements]
        if self.corroborations:
            lines += ["", "Other sources:"]
            lines += [f"{c.label}: \"{one_line(c.excerpt)}\"" for c in self.corroborations]
        elif self.abstained and self.hits:
            lines += ["", "Closest passages:"]
            lines += [f"- {h.citation}: \"{one_line(h.text)}\"" for h in self.hits[:3]]
        return "\n".join(lines)

    def to_json(self) -> str:
        """Every field of the answer as indented JSON (``rag ask --json``)."""
        return json.dumps(asdict(self), indent=2, ensure_ascii=False)


def cited_text(sentences: Iterable[AnswerSentence], *, escape: Callable[[str], str] = str,
               marker: str = "[{}]", unsupported: str = f" {UNSUPPORTED}") -> str:
    """Answer sentences with their citation markers: ``"A sentence. [1][2] Next. [3]"``.

    The one way sentences become text: plain for :attr:`Answer.text`, and with
    ``escape``, ``marker`` and ``unsupported`` for the chat's Markdown.
    """
    return " ".join(f"{escape(s.text)} {''.join(marker.format(n) for n in s.citations)}".rstrip()
                    + ("" if s.supported else unsupported) for s in sentences)


def one_line(text: str, limit: int = 300) -> str:
    """``text`` on one line, clipped to ``limit`` characters with an ellipsis."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def outlet_name(hit: Hit) -> str:
    """Who published a passage: its source, else its article title, else its id."""
    return hit.source or hit.title or hit.article_id
