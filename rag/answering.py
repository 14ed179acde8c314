"""Answers with citations, built from the retrieved passages.

The extractive answerer picks the sentences of the retrieved passages that are
closest in meaning to the question, quotes them verbatim with a citation
marker each, and abstains when even the best sentence is not close enough.
"""

from __future__ import annotations

import numpy as np

from .chunking import split_sentences
from .citations import Answer, AnswerSentence, Citation, Hit
from .embedding import Embedder
from .retrieval import Retriever
from .settings import Settings

__all__ = ["Answerer", "NO_ANSWER"]

NO_ANSWER = "The articles do not answer this question."


class Answerer:
    def __init__(self, settings: Settings, retriever: Retriever, embedder: Embedder):
        self.settings = settings
        self.retriever = retriever
        self.embedder = embedder

    def answer(self, question: str, k: int | None = None) -> Answer:
        hits = self.retriever.retrieve(question, k)
        return self.extractive(question, hits)

    def extractive(self, question: str, hits: list[Hit]) -> Answer:
        candidates = _candidate_sentences(hits)
        if not candidates:
            return Answer(question, NO_ANSWER, [], hits, abstained=True)
        vectors = self.embedder.encode([question] + [text for _, _, _, text in candidates])
        similarity = vectors[1:] @ vectors[0]
        order = np.argsort(-similarity, kind="stable")
        best = float(similarity[order[0]])
        if best < self.settings.abstain_below:
            return Answer(question, NO_ANSWER, [], hits, abstained=True)

        # Keep sentences nearly as good as the best one, up to the limit.
        floor = max(self.settings.abstain_below, best - 0.15)
        chosen = [candidates[i] for i in order[: self.settings.max_answer_sentences]
                  if similarity[i] >= floor]
        numbers: dict[int, int] = {}          # hit position -> citation number
        quotes: dict[int, list[tuple[int, int]]] = {}
        sentences = []
        for hit_pos, start, end, text in chosen:
            number = numbers.setdefault(hit_pos, len(numbers) + 1)
            quotes.setdefault(hit_pos, []).append((start, end))
            sentences.append(AnswerSentence(text, (number,)))
        citations = [Citation(number, hits[pos].article_id, hits[pos], tuple(quotes[pos]))
                     for pos, number in numbers.items()]
        text = " ".join(f"{s.text} " + "".join(f"[{n}]" for n in s.citations) for s in sentences)
        return Answer(question, text, citations, hits, sentences=sentences)


def _candidate_sentences(hits: list[Hit]) -> list[tuple[int, int, int, str]]:
    """``(hit position, start, end, text)`` for each distinct sentence.

    Overlapping chunks repeat sentences; each is kept once, with the best hit.
    """
    seen, out = set(), []
    for pos, hit in enumerate(hits):
        for start, end in split_sentences(hit.text, offset=hit.start):
            key = (hit.article_id, start)
            if key not in seen:
                seen.add(key)
                out.append((pos, start, end, hit.text[start - hit.start:end - hit.start]))
    return out
