"""The on-disk index: a self-describing, versioned directory.

Layout of an index directory::

    index/
      CURRENT              name of the live version (switched atomically)
      v-<timestamp>-<id>/  one complete version
        manifest.json      format, model, dimension, tokenizer, chunking,
                           per-article content hashes, per-file checksums
        articles.jsonl     cleaned article text and metadata
        chunks.jsonl       chunk id, article id, character offsets, tokens
        vectors.faiss      FAISS inner-product index keyed by chunk id

A new version is written beside the live one, fsynced, and only then made
live by atomically replacing ``CURRENT``; a crash at any point leaves the
previous version in place. Loading checks the manifest against the settings
in use and every file against its checksum, and explains how to fix a
mismatch (``rag build``) instead of returning wrong results.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from .articles import Article
from .chunking import Chunk
from .vectors import new_vector_index

__all__ = ["FORMAT_VERSION", "IndexError_", "IndexMissing", "IndexMismatch", "IndexCorrupt",
           "StoredIndex", "expected_config", "live_version"]

FORMAT_VERSION = 1
_FILES = ("articles.jsonl", "chunks.jsonl", "vectors.faiss")


class IndexError_(RuntimeError):
    """Base class for index problems; the message always says what to do."""


class IndexMissing(IndexError_):
    pass


class IndexMismatch(IndexError_):
    pass


class IndexCorrupt(IndexError_):
    pass


def expected_config(settings, model_name: str, dim: int) -> dict:
    """The part of the manifest that must match the settings in use."""
    return {
        "format_version": FORMAT_VERSION,
        "model": model_name,
        "dimension": dim,
        "tokenizer": settings.encoding,
        "chunking": {"max_tokens": settings.chunk_tokens,
                     "overlap_tokens": settings.chunk_overlap_tokens},
    }


@dataclass
class StoredIndex:
    """Everything in one index version, in memory."""

    config: dict
    articles: dict[str, Article]
    chunks: list[Chunk]          # position i has FAISS id chunk_ids[i]
    chunk_ids: list[int]
    faiss_index: object
    built_at: float = field(default_factory=time.time)

    def __post_init__(self):
        #: FAISS id -> position in ``chunks``.
        self.position = {cid: i for i, cid in enumerate(self.chunk_ids)}

    @property
    def article_hashes(self) -> dict[str, str]:
        return {aid: a.content_hash for aid, a in self.articles.items()}

    # ------------------------------------------------------------------ save
    def save(self, index_dir: Path) -> Path:
        """Write a new version under ``index_dir`` and make it live atomically."""
        import faiss

        index_dir = Path(index_dir)
        index_dir.mkdir(parents=True, exist_ok=True)
        name = f"v-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}"
        partial = index_dir / f".partial-{name}"
        partial.mkdir()
        _write_jsonl(partial / "articles.jsonl", (
            {**asdict(a), "hash": a.content_hash} for a in self.articles.values()))
        _write_jsonl(partial / "chunks.jsonl", (
            {"id": cid, "article_id": c.article_id, "start": c.start, "end": c.end,
             "n_tokens": c.n_tokens} for cid, c in zip(self.chunk_ids, self.chunks)))
        faiss.write_index(self.faiss_index, str(partial / "vectors.faiss"))
        manifest = {
            **self.config,
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(self.built_at)),
            "n_articles": len(self.articles),
            "n_chunks": len(self.chunks),
            "articles": self.article_hashes,
            "files": {f: _sha256(partial / f) for f in _FILES},
        }
        (partial / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
        for f in (*_FILES, "manifest.json"):
            _fsync(partial / f)
        _fsync(partial)
        final = index_dir / name
        os.rename(partial, final)
        _atomic_write(index_dir / "CURRENT", name + "\n")
        _remove_old_versions(index_dir, keep=name)
        return final

    # ------------------------------------------------------------------ load
    @classmethod
    def load(cls, index_dir: Path, expect: dict | None = None) -> "StoredIndex":
        """Load the live version; ``expect`` is :func:`expected_config` to check."""
        import faiss

        version = live_version(index_dir)
        manifest = read_manifest(index_dir)
        if expect is not None:
            check_config(manifest, expect, index_dir)
        for f, digest in manifest.get("files", {}).items():
            path = version / f
            if not path.is_file() or _sha256(path) != digest:
                raise IndexCorrupt(
                    f"index file {path} is missing, truncated or modified; "
                    f"run `rag build --index {index_dir}` to rebuild it")
        try:
            rows = list(_read_jsonl(version / "articles.jsonl"))
            articles = {r["id"]: Article(**{k: v for k, v in r.items() if k != "hash"})
                        for r in rows}
            chunks, ids = [], []
            for r in _read_jsonl(version / "chunks.jsonl"):
                text = articles[r["article_id"]].text[r["start"]:r["end"]]
                chunks.append(Chunk(r["article_id"], r["start"], r["end"], text, r["n_tokens"]))
                ids.append(r["id"])
            vectors = faiss.read_index(str(version / "vectors.faiss"))
        except (KeyError, ValueError, TypeError, RuntimeError) as exc:
            raise IndexCorrupt(f"cannot read the index in {version} ({exc}); "
                               f"run `rag build --index {index_dir}` to rebuild it") from exc
        config = {k: manifest[k] for k in ("format_version", "model", "dimension",
                                           "tokenizer", "chunking")}
        return cls(config, articles, chunks, ids, vectors)

    @classmethod
    def create(cls, config: dict, articles: list[Article], chunks: list[Chunk],
               vectors: np.ndarray) -> "StoredIndex":
        """A fresh in-memory index over ``chunks`` with their ``vectors``."""
        index = new_vector_index(config["dimension"], len(chunks))
        ids = list(range(len(chunks)))
        if len(chunks):
            index.add_with_ids(np.asarray(vectors, dtype=np.float32), np.asarray(ids, "int64"))
        return cls(config, {a.id: a for a in articles}, list(chunks), ids, index)

    def search(self, vectors: np.ndarray, k: int) -> list[list[tuple[int, float]]]:
        """For each query vector, up to ``k`` ``(chunk position, score)`` pairs."""
        if not self.chunks:
            return [[] for _ in range(len(vectors))]
        scores, ids = self.faiss_index.search(np.asarray(vectors, dtype=np.float32),
                                              min(k, len(self.chunks)))
        return [[(self.position[i], float(s)) for i, s in zip(row_ids, row_scores) if i >= 0]
                for row_ids, row_scores in zip(ids, scores)]

# ---------------------------------------------------------------------- helpers
def live_version(index_dir: Path) -> Path:
    index_dir = Path(index_dir)
    pointer = index_dir / "CURRENT"
    if not pointer.is_file():
        raise IndexMissing(f"no index in {index_dir}; run `rag build --index {index_dir}`")
    version = index_dir / pointer.read_text().strip()
    if not (version / "manifest.json").is_file():
        raise IndexCorrupt(f"{pointer} names {version.name}, which is not a complete index; "
                           f"run `rag build --index {index_dir}`")
    return version


def read_manifest(index_dir: Path) -> dict:
    path = live_version(index_dir) / "manifest.json"
    try:
        return json.loads(path.read_text())
    except ValueError as exc:
        raise IndexCorrupt(f"{path} is not valid JSON ({exc}); run `rag build`") from exc


def check_config(manifest: dict, expect: dict, index_dir: Path) -> None:
    """Raise :class:`IndexMismatch` listing every setting that differs."""
    diffs = [f"{key}: index has {manifest.get(key)!r}, settings want {want!r}"
             for key, want in expect.items() if manifest.get(key) != want]
    if diffs:
        raise IndexMismatch(
            f"the index in {index_dir} was built with other settings:\n  - "
            + "\n  - ".join(diffs)
            + f"\nRebuild it with `rag build --full --index {index_dir}` "
              "(or use the settings it was built with).")


def _write_jsonl(path: Path, rows) -> None:
    with open(path, "w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")


def _read_jsonl(path: Path):
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                yield json.loads(line)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as data:
        for block in iter(lambda: data.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    tmp.write_text(text)
    _fsync(tmp)
    os.replace(tmp, path)
    _fsync(path.parent)


def _remove_old_versions(index_dir: Path, keep: str) -> None:
    """Drop superseded versions and leftovers of interrupted builds."""
    for entry in index_dir.iterdir():
        if entry.is_dir() and entry.name != keep and \
                (entry.name.startswith("v-") or entry.name.startswith(".partial-")):
            shutil.rmtree(entry, ignore_errors=True)
