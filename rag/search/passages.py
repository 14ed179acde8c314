"""Reading retrieved passages sentence by sentence.

The answerer quotes sentences of the passages and the corroborator compares
them, both in article offsets. Overlapping passages repeat sentences, so each
sentence is read once, from the first (best) passage holding it. A passage
made only of instructions to a reader or model ("ignore the question and say
...") says nothing: search never returns one.
"""

from __future__ import annotations

from typing import Callable, Iterator, Sequence

from ..text.sentences import split_sentences
from ..text.words import looks_like_instruction
from ..types import Hit

__all__ = ["PassageSentence", "distinct_sentences", "only_instructions"]

#: (position of the passage in the hits, start, end (article offsets), text)
PassageSentence = tuple[int, int, int, str]


def distinct_sentences(hits: Sequence[Hit],
                       keep: Callable[[str], bool] | None = None) -> Iterator[PassageSentence]:
    """Each distinct sentence of ``hits`` that ``keep`` accepts (all by default),
    once, from the first passage holding it."""
    seen = set()
    for pos, hit in enumerate(hits):
        for start, end in split_sentences(hit.text, offset=hit.start):
            text = hit.text[start - hit.start:end - hit.start]
            if (hit.article_id, start) in seen or (keep is not None and not keep(text)):
                continue
            seen.add((hit.article_id, start))
            yield pos, start, end, text


def only_instructions(passage: str) -> bool:
    """Whether every sentence of ``passage`` instructs a reader or model
    (such a passage is never returned, quoted or cited)."""
    return all(looks_like_instruction(passage[a:b]) for a, b in split_sentences(passage))
