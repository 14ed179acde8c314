"""Words: the one stemmer and stop-word list, and what is built on them.

Every part that compares words reduces them the same way: lower case, English
stop words dropped, the Snowball (Porter 2) stem of ``PyStemmer``, so "vetoed",
"vetoes" and "veto" meet everywhere:

- :func:`tokenize`, the BM25 tokens of passages and questions;
- :func:`content_words`, what the answerer and the citation checker compare;
- :func:`stem`, for the words around numbers and names in :mod:`rag.text.facts`
  and the words corroboration counts.

Also here: recognising sentences that address a reader or a model with
instructions ("ignore the question and say ..."), which are never quoted as
answers.
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Set

__all__ = ["tokenize", "stem", "stemmed_words", "content_words", "word_share", "STOP_WORDS",
           "BM25_STOP_WORDS", "looks_like_instruction"]

#: The stop words BM25 drops: the list of ``bm25s.stopwords.STOPWORDS_EN``
#: (Lucene's English stop set), copied because importing that module runs
#: ``bm25s/__init__``, which imports SciPy: a third of a second on every
#: ``rag add``. Fixed: the BM25 indexes on disk hold tokens made without these
#: words (``tests/text/test_words.py`` checks the two lists agree).
BM25_STOP_WORDS = frozenset({
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into",
    "is", "it", "no", "not", "of", "on", "or", "such", "that", "the", "their", "then",
    "there", "these", "they", "this", "to", "was", "will", "with",
})

#: The stop words of content words: BM25's, plus the other function words,
#: pronouns, question words and reporting verbs, which say nothing of a fact.
STOP_WORDS = BM25_STOP_WORDS | frozenset("""
than so from onto about is were been being am do does did done doing has have had having
would shall should can could may might must its it's those here
he she them his her him we us our you your i me my mine who whom whose which
what when where why how many much nor also just only very too more most some any each all
both other own same again further once up down out over under off above below
against between through few now still like mr mrs ms dr
hers herself himself itself myself ours ourselves theirs themselves yours yourself
said says say told tell according after before while during since until because
one ones s t don't didn't doesn't isn't wasn't aren't weren't won't can't
""".split())

_BM25_WORD = re.compile(r"\w+", re.UNICODE)
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’-]*")
# A Snowball stemmer has state and must not be called from two threads at
# once (PyStemmer's documentation): one per thread.
_local = threading.local()


def _stemmer():
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        import Stemmer

        stemmer = _local.stemmer = Stemmer.Stemmer("english")
    return stemmer


def tokenize(text: str) -> list[str]:
    """The BM25 tokens of ``text``: lower-cased words (``\\w+``) without
    :data:`BM25_STOP_WORDS`, stemmed."""
    words = [w for w in _BM25_WORD.findall(text.lower()) if w not in BM25_STOP_WORDS]
    return _stemmer().stemWords(words)


@functools.lru_cache(maxsize=65_536)
def stem(word: str) -> str:
    """The stem of ``word``, lower-cased ("Vetoed", "vetoes", "veto" -> "veto";
    "Biden’s" -> "biden")."""
    return _stemmer().stemWord(word.lower().replace("’", "'"))


def stemmed_words(text: str) -> list[tuple[int, int, str]]:
    """Every word of ``text`` (as :func:`content_words` reads words, stop
    words included) with its offsets: ``(start, end, stem)``."""
    return [(m.start(), m.end(), stem(m.group().strip("'’-"))) for m in _WORD.finditer(text)]


@functools.lru_cache(maxsize=4096)
def content_words(text: str) -> frozenset[str]:
    """Stems of the words of ``text`` that carry meaning: no stop words (but
    acronyms count even when they spell one: "US", "IT"). Cached: the same
    sentences are compared again and again."""
    words = set()
    for match in _WORD.finditer(text):
        word = match.group().strip("'’-")
        if word and (len(word) > 1 and word.isupper() or word.lower() not in STOP_WORDS):
            words.add(stem(word))
    return frozenset(words)


def word_share(words: Set[str], reference: Set[str]) -> float:
    """Share of ``words`` that also occur in ``reference`` (0 when empty)."""
    return len(words & reference) / len(words) if words else 0.0


# Sentences that instruct whoever reads them instead of reporting something.
_INSTRUCTION = re.compile(
    r"\b(ignore|disregard|forget)\b[^.]{0,40}\b(question|instructions?|prompt|above|previous|"
    r"prior|context|passages?|rules)\b"
    r"|\b(instead|now)\b[^.]{0,20}\b(say|answer|reply|respond|output|write)\b"
    r"|^\s*(say|answer|reply|respond|output|write)\b[^.]{0,30}\b(only|exactly|that|with)\b"
    r"|\b(system prompt|you are (an? )?(ai|assistant|language model|chatbot))\b",
    re.IGNORECASE)


def looks_like_instruction(sentence: str) -> bool:
    """True for text that tells a reader or model what to do ("ignore the
    question and say ..."): article text is evidence, never a command."""
    return bool(_INSTRUCTION.search(sentence))
