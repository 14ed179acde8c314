"""Follow-up questions: turning "What did he say about it?" into a search query.

A conversation is a list of earlier turns (question, answer). Without a
model, a follow-up that leans on earlier turns (a pronoun, "that decision",
or too few words of its own) is searched together with the previous question
and the start of its answer. With the local model, the question-rewriting
template in ``prompts/rewrite.txt`` asks the model for a standalone question
(see :mod:`rag.answering.generation`), and this heuristic is the fallback.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Union

from ..text.sentences import split_sentences
from ..text.words import content_words

__all__ = ["Turn", "History", "normalize_history", "needs_context", "contextual_query",
           "format_history"]


@dataclass(frozen=True)
class Turn:
    """One earlier exchange of the conversation."""

    question: str
    answer: str = ""


#: What ``history=`` accepts: turns, ``(question, answer)`` pairs, bare
#: question strings, or chat messages ``{"role": "user"|"assistant", "content": ...}``.
History = Union[Iterable[Union[Turn, tuple, str, dict]], None]

_LEANS_ON_CONTEXT = re.compile(
    r"\b(he|she|him|his|her|hers|they|them|their|it|its|this|that|these|those|there|"
    r"the (former|latter|same)|said|above|earlier|then|else|also|too)\b", re.IGNORECASE)
_MARKERS = re.compile(r"\s*\[\d+\]")
_MD_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")


def normalize_history(history: History) -> list[Turn]:
    """The earlier turns, oldest first, whatever documented shape they came in:
    ``(question, answer)`` pairs, bare questions, :class:`Turn`\ s or chat
    messages ``{"role": ..., "content": ...}``. Anything else is a TypeError
    saying what was given (a string alone would be read letter by letter)."""
    if history is None:
        return []
    if isinstance(history, (str, bytes, dict)) or not isinstance(history, Iterable):
        raise TypeError("history must be a list of earlier turns ((question, answer) pairs "
                        f"or chat messages), not a {type(history).__name__}")
    turns: list[Turn] = []
    for item in history:
        if isinstance(item, Turn):
            turns.append(item)
        elif isinstance(item, str):
            turns.append(Turn(item))
        elif isinstance(item, dict) and "role" in item:
            content = _text(item.get("content"))
            if item.get("role") == "user":
                turns.append(Turn(content))
            elif item.get("role") == "assistant" and turns and not turns[-1].answer:
                turns[-1] = Turn(turns[-1].question, content)
        elif isinstance(item, (tuple, list)):
            if item:
                turns.append(Turn(_text(item[0]), _text(item[1]) if len(item) > 1 else ""))
        else:
            raise TypeError("each turn of history must be a (question, answer) pair or a chat "
                            f"message {{'role': ..., 'content': ...}}, not {item!r:.80}")
    return [t for t in turns if t.question.strip()]


def _text(content) -> str:
    # Gradio messages may carry a list of content parts, and the chat shows
    # Markdown-escaped text ("Who is John Kirby\?"): read it back as typed.
    if isinstance(content, list):
        return " ".join(_text(c.get("text") if isinstance(c, dict) else c) for c in content)
    return _MD_ESCAPE.sub(r"\1", str(content or ""))


def needs_context(question: str) -> bool:
    """Whether a question leans on earlier turns to be understood."""
    return bool(_LEANS_ON_CONTEXT.search(question)) or len(content_words(question)) < 3


def _first_sentence(answer: str, limit: int = 200) -> str:
    answer = _MARKERS.sub("", answer)
    spans = split_sentences(answer)
    return answer[spans[0][0]:spans[0][1]][:limit] if spans else ""


def contextual_query(question: str, history: History, *, with_answer: bool = True) -> str:
    """The search query for ``question`` given the earlier turns.

    A self-contained question is returned unchanged; a follow-up gets the
    previous question and (``with_answer``) the first sentence of its answer
    appended (an abstention adds nothing).
    """
    turns = normalize_history(history)
    if not turns or not needs_context(question):
        return question
    last = turns[-1]
    context = [last.question]
    if with_answer and last.answer and not last.answer.startswith("The articles do not answer"):
        context.append(_first_sentence(last.answer))
    return f"{question} ({' '.join(context)})"


def format_history(history: History, turns: int = 3) -> str:
    """The last ``turns`` exchanges as plain "Q: / A:" lines for a prompt."""
    lines = []
    for turn in normalize_history(history)[-turns:]:
        lines.append(f"Q: {turn.question.strip()}")
        if turn.answer:
            lines.append(f"A: {_first_sentence(turn.answer)}")
    return "\n".join(lines)
