"""Checking a generated answer against the passages it cites.

A model's answer is split into sentences with their citation markers. Markers
that point to no passage are dropped. Each sentence is then compared with the
passages it cites, lexically (the share of its content words found in one
sentence of the passage) and by meaning (cosine similarity to the passage's
closest sentence); both must pass, and every figure it states must occur in
the passage. A sentence no cited passage supports is marked unsupported; a
sentence without a marker, or whose markers point to passages that do not
support it, is credited to the passage that does support it, if any (the
answer's notes say so); a supported sentence also cites the passages of other
articles that support it too (the same fact reported twice, as extractive
answers cite it). The best-matching sentence of each cited passage
becomes the citation's quote, so the UI can highlight it. The citations are
then numbered 1..n in order of first mention, as an extractive answer's are
(the model cites the prompt's passage numbers).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Callable

import numpy as np

from ..text.sentences import split_sentences
from ..text.words import content_words, word_share
from ..types import UNSUPPORTED, AnswerSentence, Citation, Hit, cited_text

__all__ = ["CitationChecker", "CheckResult", "split_cited_sentences", "UNSUPPORTED"]

_MARKER_GROUP = re.compile(r"\[\s*\d+(?:\s*[,;]\s*\d+)*\s*\]")
_NUMBER = re.compile(r"\d+")
_FIGURE = re.compile(r"\d[\d,.]*\d|\d")


@dataclass
class CheckResult:
    sentences: list[AnswerSentence]
    citations: list[Citation]
    notes: list[str] = field(default_factory=list)
    removed_markers: list[int] = field(default_factory=list)

    @property
    def usable(self) -> bool:
        """At least one sentence is supported by a passage."""
        return any(s.supported and s.citations for s in self.sentences)

    @property
    def text(self) -> str:
        """The checked answer: sentences with their markers, unsupported ones flagged."""
        return cited_text(self.sentences)


def split_cited_sentences(text: str) -> list[tuple[str, list[int]]]:
    """``(sentence without markers, marker numbers)`` for each sentence.

    A marker written after the full stop ("... veto. [1]") belongs to the
    sentence before it.
    """
    text = " ".join(text.split())
    # Move markers that follow a full stop in front of it.
    text = re.sub(r"([.!?])\s*((?:\[[\d,;\s]+\]\s*)+)", lambda m: f" {m.group(2).strip()}{m.group(1)} ",
                  text)
    out = []
    for start, end in split_sentences(text):
        sentence = text[start:end]
        numbers = [int(n) for group in _MARKER_GROUP.findall(sentence)
                   for n in _NUMBER.findall(group)]
        clean = " ".join(_MARKER_GROUP.sub(" ", sentence).split())
        clean = re.sub(r"\s+([.,;:!?])", r"\1", clean)
        if content_words(clean):
            out.append((clean, list(dict.fromkeys(numbers))))
    return out


class CitationChecker:
    """Checks generated sentences against passages; ``encode`` embeds texts."""

    def __init__(self, encode: Callable[[list[str]], np.ndarray], *,
                 word_share_needed: float = 0.6, similarity_needed: float = 0.5):
        self.encode = encode
        self.word_share_needed = word_share_needed
        self.similarity_needed = similarity_needed

    def check(self, text: str, hits: list[Hit], question: str = "") -> CheckResult:
        """Check ``text`` against ``hits`` (``question``: what it answers)."""
        parsed = split_cited_sentences(text)
        removed = sorted({n for _, numbers in parsed for n in numbers
                          if not 1 <= n <= len(hits)})
        spans = [list(split_sentences(h.text, h.start)) for h in hits]
        passage_sentences = [[h.text[a - h.start:b - h.start] for a, b in s]
                             for h, s in zip(hits, spans)]
        flat = [t for group in passage_sentences for t in group]
        # Compared by meaning both alone and as the claim it makes together
        # with the question: "The US." or "He cancelled the visit." mean
        # little without it. (The lexical test uses the sentence alone.)
        claims = [s for s, _ in parsed] + [f"{question} {s}" if question else s
                                           for s, _ in parsed]
        vectors = self.encode(claims + flat) if parsed else None
        credited, sentences = [], []
        quotes: dict[int, list[tuple[int, int]]] = {}
        offset = 2 * len(parsed)
        starts = np.cumsum([0] + [len(g) for g in passage_sentences])
        for row, (sentence, numbers) in enumerate(parsed):
            words = content_words(sentence)
            # Support of this sentence by every passage: (passes, strength, best sentence).
            numbers_said = set(_FIGURE.findall(sentence))
            evidence = {}
            for pos, hit in enumerate(hits):
                if not passage_sentences[pos]:
                    evidence[pos + 1] = (False, 0.0, 0, 0.0)
                    continue
                block = vectors[offset + starts[pos]:offset + starts[pos + 1]]
                sims = np.maximum(block @ vectors[row], block @ vectors[len(parsed) + row])
                # A sentence may fuse two neighbouring ones: share per pair.
                group = passage_sentences[pos]
                shares = [word_share(words, content_words(" ".join(group[i:i + 2])))
                          for i in range(len(group))]
                best = int(np.argmax(sims + np.asarray(shares)))
                # Lexical and semantic overlap with one sentence of the
                # passage, and every figure the sentence states found there.
                passes = (max(shares) >= self.word_share_needed
                          and float(sims.max()) >= self.similarity_needed
                          and numbers_said <= set(_FIGURE.findall(hit.text)))
                evidence[pos + 1] = (passes, max(shares) + float(sims.max()), best,
                                     float(sims.max()))
            valid = [n for n in numbers if 1 <= n <= len(hits)]
            cited = [n for n in valid if evidence[n][0]]
            if not cited:
                backers = sorted((n for n, e in evidence.items() if e[0]),
                                 key=lambda n: -evidence[n][1])
                if backers:
                    cited = backers[:1]
                    credited.append((cited[0], "added to" if not valid else "corrected in",
                                     sentence))
            supported = bool(cited)
            if supported:
                articles = {hits[n - 1].article_id for n in cited}
                for n in sorted(evidence, key=lambda n: -evidence[n][1]):
                    if evidence[n][0] and hits[n - 1].article_id not in articles:
                        cited.append(n)
                        articles.add(hits[n - 1].article_id)
            for n in cited:
                span = spans[n - 1][evidence[n][2]]
                if span not in quotes.setdefault(n, []):
                    quotes[n].append(span)
            sentences.append(AnswerSentence(sentence, tuple(cited if supported else valid),
                                            supported=supported))
        # Numbered 1..n in order of first mention, as extractive answers are
        # (the model's markers are the prompt's passage numbers: "[3][1]").
        new = {pos: i for i, pos in enumerate(
            dict.fromkeys(n for s in sentences for n in s.citations), 1)}
        sentences = [replace(s, citations=tuple(new[n] for n in s.citations)) for s in sentences]
        citations = [Citation(new[n], hits[n - 1].article_id, hits[n - 1],
                              tuple(quotes.get(n, ()))) for n in new]
        notes = [f"Citation [{new[n]}] was {how} the sentence “{sentence}”"
                 for n, how, sentence in credited]
        if removed:
            # In the model's numbering (its prompt's passages), not the answer's.
            notes.insert(0, f"The model cited {'a passage' if len(removed) == 1 else 'passages'} "
                         f"it was not given (its number{'s' if len(removed) > 1 else ''} "
                         + ", ".join(str(n) for n in removed) + "); removed.")
        return CheckResult(sentences, citations, notes, removed)
