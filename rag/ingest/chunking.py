"""Splitting articles into token-counted passages on sentence boundaries.

A chunk is a run of whole sentences of at most ``max_tokens`` tokens (tiktoken
count); consecutive chunks share up to ``overlap_tokens`` tokens of trailing
sentences so a fact that straddles a boundary is still found whole. A single
sentence longer than the limit is cut at token boundaries. Every chunk keeps
the character offsets of its passage in the cleaned article text, so
``article.text[chunk.start:chunk.end] == chunk.text`` always holds.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..text.sentences import split_sentences
from .articles import Article
from .tokens import get_encoding

__all__ = ["Chunk", "chunk_article"]


@dataclass(frozen=True)
class Chunk:
    article_id: str
    start: int
    end: int
    text: str
    n_tokens: int


def chunk_article(article: Article, max_tokens: int = 200, overlap_tokens: int = 40,
                  encoding: str = "cl100k_base") -> list[Chunk]:
    """Pack the sentences of ``article`` into chunks of at most ``max_tokens``."""
    if max_tokens <= 0 or not 0 <= overlap_tokens < max_tokens:
        raise ValueError("need max_tokens > 0 and 0 <= overlap_tokens < max_tokens")
    enc = get_encoding(encoding)
    text = article.text
    units = []  # (start, end, tokens) sentences, long ones cut to fit
    for start, end in split_sentences(text):
        units.extend(_fit(text, start, end, max_tokens, enc))

    chunks, i = [], 0
    while i < len(units):
        j, total = i, 0
        while j < len(units) and total + units[j][2] <= max_tokens:
            total += units[j][2]
            j += 1
        j = max(j, i + 1)
        # Sentence counts are estimates of the joined text's count; trust only
        # the exact count of the passage itself.
        while (n := len(enc.encode(text[units[i][0]:units[j - 1][1]], disallowed_special=()))) \
                > max_tokens and j > i + 1:
            j -= 1
        start, end = units[i][0], units[j - 1][1]
        chunks.append(Chunk(article.id, start, end, text[start:end], n))
        if j >= len(units):
            break
        # Step back over trailing sentences that fit in the overlap budget,
        # but always move forward by at least one sentence.
        back, carried = j, 0
        while back - 1 > i and carried + units[back - 1][2] <= overlap_tokens:
            back -= 1
            carried += units[back][2]
        i = back
    return chunks


def _fit(text: str, start: int, end: int, max_tokens: int, enc) -> list[tuple[int, int, int]]:
    """One sentence as ``(start, end, n_tokens)`` pieces of at most ``max_tokens``."""
    sentence = text[start:end]
    tokens = enc.encode(sentence, disallowed_special=())
    if len(tokens) <= max_tokens:
        return [(start, end, len(tokens))]
    _, offsets = enc.decode_with_offsets(tokens)
    pieces = []
    for k in range(0, len(tokens), max_tokens):
        a = offsets[k]
        b = offsets[k + max_tokens] if k + max_tokens < len(tokens) else len(sentence)
        piece = sentence[a:b]
        lead = len(piece) - len(piece.lstrip())
        if piece.strip():
            s = start + a + lead
            pieces.append((s, s + len(piece.strip()), min(max_tokens, len(tokens) - k)))
    return pieces
