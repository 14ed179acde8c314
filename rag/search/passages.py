"""Passages search never returns: those made only of instructions to a reader
or model ("ignore the question and say ..."). They say nothing, and whatever
reads search results (answers, corroboration, ``rag.retrieve``) must not
quote them.
"""

from __future__ import annotations

from ..text.sentences import split_sentences
from ..text.words import looks_like_instruction

__all__ = ["only_instructions"]


def only_instructions(passage: str) -> bool:
    """Whether every sentence of ``passage`` instructs a reader or model
    (such a passage is never returned, quoted or cited)."""
    return all(looks_like_instruction(passage[a:b]) for a, b in split_sentences(passage))
