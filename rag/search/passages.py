"""Passages search never returns: those made only of instructions to a reader
or model ("ignore the question and say ..."). They say nothing, and whatever
reads search results (answers, corroboration, ``rag.retrieve``) must not
quote them.
"""

from __future__ import annotations

from functools import lru_cache

from ..text.sentences import iter_sentences
from ..text.words import looks_like_instruction

__all__ = ["only_instructions"]


@lru_cache(maxsize=1 << 16)
def only_instructions(passage: str) -> bool:
    """Whether every sentence of ``passage`` instructs a reader or model
    (such a passage is never returned, quoted or cited). Remembered per text:
    every search asks it of its candidates, and the same passages come back
    (the cache holds the index's own strings and a bool each)."""
    return all(looks_like_instruction(passage[a:b]) for a, b in iter_sentences(passage))
