"""What is embedded and what BM25 indexes for a passage.

A passage is searched under a header naming its article (title, then source
and date where known), so a passage deep in a story still matches questions
about the story's subject, and both retrievers see the same text. ``Hit.text``
shown to users stays the passage alone.
"""

from __future__ import annotations

from ..ingest.articles import Article

__all__ = ["FORMAT", "article_header", "searchable_text"]

#: What :func:`searchable_text` produces; recorded in each index's manifest.
#: Change it with the function: vectors and BM25 counts made from another
#: header no longer match the questions' side, so such an index must be rebuilt.
FORMAT = 1


def article_header(article: Article) -> str:
    """``"Title · source · date"`` with whatever of the three is known."""
    return " · ".join(part for part in (article.title, article.source, article.date) if part)


def searchable_text(article: Article, passage: str) -> str:
    """The passage under its article's header (the passage alone without one)."""
    header = article_header(article)
    return f"{header}\n{passage}" if header else passage
