"""Building an index: articles → chunks → embeddings → a saved :class:`StoredIndex`."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .articles import Article, load_articles
from .chunking import Chunk, chunk_article
from .embedding import Embedder
from .settings import Settings
from .store import IndexError_, StoredIndex, expected_config, read_manifest

__all__ = ["BuildSummary", "build_index", "index_status", "embedding_text"]


@dataclass(frozen=True)
class BuildSummary:
    articles: int
    chunks: int
    seconds: float
    index_dir: Path

    def __str__(self) -> str:
        return (f"Indexed {self.articles} articles into {self.chunks} chunks "
                f"in {self.seconds:.1f} s -> {self.index_dir}")


def embedding_text(article: Article, chunk: Chunk) -> str:
    """What gets embedded for a chunk: the passage under its article's title, so
    a passage deep in a story still matches questions about the story's subject.
    ``Hit.text`` shown to users stays the passage alone."""
    return f"{article.title}\n{chunk.text}" if article.title else chunk.text


def build_index(settings: Settings, embedder: Embedder, *, progress: bool = True,
                articles: list[Article] | None = None) -> BuildSummary:
    """Index ``articles`` (default: every article in ``settings.articles_dir``)
    into ``settings.index_dir``."""
    started = time.perf_counter()
    if articles is None:
        articles = load_articles(settings.articles_dir)
    chunks = [c for a in articles for c in chunk_article(
        a, settings.chunk_tokens, settings.chunk_overlap_tokens, settings.encoding)]
    by_id = {a.id: a for a in articles}
    texts = [embedding_text(by_id[c.article_id], c) for c in chunks]
    vectors = _embed(embedder, texts, settings.embed_batch_size, progress)
    config = expected_config(settings, embedder.name, embedder.dim)
    StoredIndex.create(config, articles, chunks, vectors).save(settings.index_dir)
    return BuildSummary(len(articles), len(chunks), time.perf_counter() - started,
                        settings.index_dir)


def _embed(embedder: Embedder, texts: list[str], batch_size: int, progress: bool) -> np.ndarray:
    from tqdm import tqdm

    parts = []
    with tqdm(total=len(texts), desc="embedding", unit="chunk", file=sys.stderr,
              disable=not progress) as bar:
        for i in range(0, len(texts), batch_size):
            parts.append(embedder.encode(texts[i:i + batch_size]))
            bar.update(len(texts[i:i + batch_size]))
    return np.vstack(parts) if parts else np.zeros((0, embedder.dim), dtype=np.float32)


def index_status(settings: Settings, embedder: Embedder) -> dict:
    """Whether the index exists, matches the settings, and covers the articles."""
    try:
        manifest = read_manifest(settings.index_dir)
    except IndexError_ as exc:
        return {"ok": False, "stale": True, "reason": str(exc)}
    expect = expected_config(settings, embedder.name, embedder.dim)
    differs = [k for k, v in expect.items() if manifest.get(k) != v]
    current = {a.id: a.content_hash for a in load_articles(settings.articles_dir)}
    stale = bool(differs) or current != manifest.get("articles")
    return {"ok": not differs, "stale": stale, "differs": differs,
            "articles": manifest.get("n_articles"), "chunks": manifest.get("n_chunks"),
            "model": manifest.get("model"), "built_at": manifest.get("built_at")}
