"""The one normaliser of answer text: how a gold answer, a passage and a
short answer are compared (``rag eval`` metrics, grouping candidate answers).
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["normalize_answer_text"]

_ARTICLES = re.compile(r"\b(?:a|an|the)\b")


def normalize_answer_text(text: str, *, drop_articles: bool = False) -> str:
    """Lower-case, accents removed, every non-alphanumeric run folded to one
    space: ``"U.S.-based Café"`` -> ``"u s based cafe"``. Applied to both the
    gold answer and the text searched, so "Brasilia" matches "Brasília" either
    way round, and letters of any script are kept. ``drop_articles`` also
    removes "a", "an" and "the", as SQuAD's exact match does."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = re.sub(r"[\W_]+", " ", text)
    if drop_articles:
        text = _ARTICLES.sub(" ", text)
    return " ".join(text.split())
