"""Word-level helpers shared by the answerer and the citation checker.

Content words are lower-cased word tokens minus stop words, with a light
suffix strip so "vetoed", "vetoes" and "veto" meet. Also here: recognising
sentences that address a reader or a model with instructions ("ignore the
question and say ..."), which are never quoted as answers.
"""

from __future__ import annotations

import re

__all__ = ["content_words", "word_share", "looks_like_instruction", "question_kind",
           "has_answer_type"]

_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’-]*")

STOP_WORDS = frozenset("""
a an the and or but if then than so of to in on at by for with from into onto about as
is are was were be been being am do does did done doing has have had having will would
shall should can could may might must it its it's this that these those there here
he she they them their his her him we us our you your i me my mine who whom whose which
what when where why how not no nor also just only very too more most some any each all
both other such own same again further once up down out over under off above below
said says say told tell according after before while during since until because
one ones s t don't didn't doesn't isn't wasn't aren't weren't won't can't
""".split())

_QUESTION_WORDS = frozenset("who whom whose what which when where why how many much".split())


def _stem(word: str) -> str:
    for suffix in ("'s", "’s", "ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def content_words(text: str) -> set[str]:
    """Stemmed, lower-cased words of ``text`` that carry meaning. Acronyms
    count even when they spell a stop word ("US", "IT")."""
    words = set()
    for match in _WORD.finditer(text):
        word = match.group().strip("'’-")
        lower = word.lower()
        if word and (len(word) > 1 and word.isupper()
                     or lower not in STOP_WORDS and lower not in _QUESTION_WORDS):
            words.add(_stem(lower))
    return words


def word_share(words: set[str], reference: set[str]) -> float:
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


def question_kind(question: str) -> str | None:
    """``"number"``, ``"time"``, ``"person"``, ``"place"``, ``"name"`` (which
    country, which company...) or ``"statement"`` (what did X say) when the
    question asks for one; ``None`` otherwise."""
    q = question.lower()
    if re.search(r"\bhow (many|much|long|old|far)\b|\bwhat (number|percentage|share)\b"
                 r"|\b(which|what)( [\w-]+){0,3} (number|amount|figure)\b", q):
        return "number"
    if re.search(r"\bwhen\b|\b(what|which) (year|day|date|month|time)\b", q):
        return "time"
    if re.search(r"\bwho(m|se)?\b", q):
        return "person"
    if re.search(r"\bwhere\b", q):
        return "place"
    if re.search(r"\bwhat did\b[^?]*\b(say|tell|call|claim|announce|write)\b", q):
        return "statement"
    if re.search(r"\bwhich\b", q):
        return "name"
    return None


_NUMBER = re.compile(r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
                     r"dozens?|hundreds?|thousands?|millions?|billions?|half)\b", re.IGNORECASE)
_TIME = re.compile(r"\b(19|20)\d\d\b|\b(monday|tuesday|wednesday|thursday|friday|saturday|"
                   r"sunday|january|february|march|april|may|june|july|august|september|"
                   r"october|november|december|yesterday|today|last (week|month|year)|"
                   r"(days|weeks|months|years) (ago|after|before|later))\b", re.IGNORECASE)
_SPEECH = re.compile(r"[\"“”]|\b(said|says|say|saying|told|tells|called|calls|claimed|claims|"
                     r"announced|wrote|added|stated|according to)\b", re.IGNORECASE)
_NAME = re.compile(r"(?<!^)(?<![.!?]\s)\b[A-Z][a-z]+|\b[A-Z]{2,}\b")


def has_answer_type(sentence: str, kind: str | None, question: str) -> bool:
    """Whether ``sentence`` contains the kind of thing the question asks for
    (a number, a time, a name not already in the question)."""
    if kind == "number":
        return bool(_NUMBER.search(sentence))
    if kind == "time":
        return bool(_TIME.search(sentence))
    if kind in ("person", "place", "name"):
        asked = content_words(question)
        return any(_stem(m.group().lower()) not in asked for m in _NAME.finditer(sentence))
    if kind == "statement":
        return bool(_SPEECH.search(sentence))
    return False
