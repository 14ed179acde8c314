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

A new version is written beside the live one (in ``.partial-<name>-<pid>``),
fsynced, renamed to its final name, and only then made live by atomically
replacing ``CURRENT``; a crash at any point leaves the previous version in
place. Writers hold :func:`rag.locking.write_lock` for the whole change.
Loading checks the manifest against the settings in use and every file
against its checksum, and explains how to fix a mismatch (``rag build``)
instead of returning wrong results.

Chunk ids are FAISS ids and never reused: an incremental update
(:meth:`StoredIndex.updated`) removes the ids of replaced chunks and gives new
chunks fresh ids, so the chunks of untouched articles keep theirs.

Other parts of an index (the BM25 index, :data:`rag.index.lexical.BM25_FILE`)
keep their own per-version file, described by a :class:`VersionFile` that
whoever saves or loads the index passes in: the file is written into every
new version, listed in the manifest's checksums (every listed file is
verified on load, whoever reads it) and read back into
:attr:`StoredIndex.extras`.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
import uuid
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from ..ingest.articles import Article
from ..ingest.chunking import Chunk
from .searchable import FORMAT as SEARCHABLE_FORMAT
from .vectors import (
    QUANTISED_SEARCH_FROM,
    QuantisedSearch,
    VectorIndexPolicy,
    build_vector_index,
    index_type,
    new_vector_index,
    search_vectors,
)

__all__ = ["FORMAT_VERSION", "current_version_name", "IndexError_", "IndexMissing", "IndexMismatch", "IndexCorrupt",
           "StoredIndex", "expected_config", "live_version", "read_manifest", "check_config",
           "config_differences", "VersionFile", "index_size_bytes"]

FORMAT_VERSION = 1
_FILES = ("articles.jsonl", "chunks.jsonl", "vectors.faiss")


@dataclass(frozen=True)
class VersionFile:
    """An extra file ``name`` kept in every index version by another part of the index.

    ``write(index, path)`` is called with the complete new version (all its
    chunks, after any incremental change) while it is being saved, so derived
    data such as a BM25 index always matches the vectors. After an incremental
    change, ``index.base_extras[name]`` holds what ``read`` returned for the
    previous version, which the writer may update rather than rebuild. The file
    is checksummed like the others. ``read(index, path)``, if given, is called
    on load and its result stored in ``index.extras[name]``.
    """

    name: str
    write: Callable[["StoredIndex", Path], None]
    read: Callable[["StoredIndex", Path], object] | None = None


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
        "searchable_format": SEARCHABLE_FORMAT,
    }


#: Values of manifest keys added later, for the indexes written before them.
_BEFORE_KEY_EXISTED = {"searchable_format": 1}


@dataclass
class StoredIndex:
    """Everything in one index version, in memory."""

    config: dict
    articles: dict[str, Article]
    chunks: list[Chunk]          # position i has FAISS id chunk_ids[i]
    chunk_ids: list[int]
    faiss_index: object
    built_at: float = field(default_factory=time.time)
    #: The next unused chunk id (ids are never reused, so they stay stable).
    next_id: int = -1
    #: The version directory this was loaded from (``None`` until saved/loaded).
    version_dir: Path | None = None
    #: What the :class:`VersionFile` s read on load (or wrote on save), by file name.
    extras: dict = field(default_factory=dict)
    #: ``extras`` of the version this one was derived from by :meth:`updated`,
    #: so a version-file writer can update its data instead of recomputing it
    #: for every chunk (BM25 does). Empty for a fresh index.
    base_extras: dict = field(default_factory=dict, repr=False)
    #: ``(the FAISS index it was made for, its QuantisedSearch or None)``: see
    #: :meth:`_quantised`.
    quantised_search: tuple | None = field(default=None, init=False, repr=False,
                                           compare=False)

    def __post_init__(self):
        #: FAISS id -> position in ``chunks``.
        self.position = {cid: i for i, cid in enumerate(self.chunk_ids)}
        if self.next_id < 0:
            self.next_id = max(self.chunk_ids, default=-1) + 1

    @property
    def article_hashes(self) -> dict[str, str]:
        return {aid: a.content_hash for aid, a in self.articles.items()}

    # ------------------------------------------------------------------ save
    def save(self, index_dir: Path, version_files: Sequence[VersionFile] = ()) -> Path:
        """Write a new version under ``index_dir`` with ``version_files`` and
        make it live atomically.

        Call it while holding :func:`rag.locking.write_lock` for ``index_dir``.
        """
        import faiss

        index_dir = Path(index_dir)
        index_dir.mkdir(parents=True, exist_ok=True)
        name = f"v-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}"
        partial = index_dir / f".partial-{name}-{os.getpid()}"
        partial.mkdir()
        try:
            _write_jsonl(partial / "articles.jsonl", (
                {**asdict(a), "hash": a.content_hash} for a in self.articles.values()))
            _write_jsonl(partial / "chunks.jsonl", (
                {"id": cid, "article_id": c.article_id, "start": c.start, "end": c.end,
                 "n_tokens": c.n_tokens} for cid, c in zip(self.chunk_ids, self.chunks)))
            faiss.write_index(self.faiss_index, str(partial / "vectors.faiss"))
            files = list(_FILES)
            for extra in version_files:
                extra.write(self, partial / extra.name)
                files.append(extra.name)
            manifest = {
                **self.config,
                "built_at": time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(self.built_at)),
                "n_articles": len(self.articles),
                "n_chunks": len(self.chunks),
                "next_chunk_id": self.next_id,
                "articles": self.article_hashes,
                "files": {f: _sha256(partial / f) for f in files},
            }
            (partial / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
            for f in (*files, "manifest.json"):
                _fsync(partial / f)
            _fsync(partial)
        except BaseException:
            # Disk full, an error in a version-file writer, Ctrl-C: drop our own
            # unfinished directory (SIGKILL leaves it to the next build).
            shutil.rmtree(partial, ignore_errors=True)
            raise
        final = index_dir / name
        os.rename(partial, final)
        _fsync(index_dir)
        _atomic_write(index_dir / "CURRENT", name + "\n")
        self.version_dir = final
        _remove_old_versions(index_dir, keep=name)
        return final

    # ------------------------------------------------------------------ load
    @classmethod
    def load(cls, index_dir: Path, expect: dict | None = None,
             version_files: Sequence[VersionFile] = (), rebuild: str | None = None
             ) -> "StoredIndex":
        """Load the live version; ``expect`` is :func:`expected_config` to
        check (``rebuild``: the command a mismatch suggests, see
        :func:`check_config`); ``version_files`` are read into :attr:`extras`
        when the version has them."""
        try:
            return cls._load(index_dir, expect, version_files, rebuild)
        except IndexCorrupt:
            # A build may have switched versions and removed the one we were
            # reading; if CURRENT moved, the new version is the one to load.
            before = current_version_name(index_dir)
            time.sleep(0.05)
            if before is None or before == current_version_name(index_dir) and \
                    (Path(index_dir) / before).is_dir():
                raise
            return cls._load(index_dir, expect, version_files, rebuild)

    @classmethod
    def _load(cls, index_dir: Path, expect: dict | None,
              version_files: Sequence[VersionFile], rebuild: str | None) -> "StoredIndex":
        import faiss

        version = live_version(index_dir)
        manifest = _read_manifest_of(version, index_dir, rebuild)
        verify_files(version, manifest, index_dir, rebuild)
        if expect is not None:
            check_config(manifest, expect, index_dir, rebuild)
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
        except (KeyError, ValueError, TypeError, RuntimeError, OSError) as exc:
            raise IndexCorrupt(f"cannot read the index in {version} ({exc}); "
                               f"run `rag build --full --index {index_dir}` to rebuild it") from exc
        if vectors.ntotal != len(chunks):
            raise IndexCorrupt(f"{version / 'vectors.faiss'} holds {vectors.ntotal} vectors but "
                               f"chunks.jsonl lists {len(chunks)}; run `rag build --full "
                               f"--index {index_dir}` to rebuild the index")
        config = {k: manifest[k] for k in ("format_version", "model", "dimension",
                                           "tokenizer", "chunking")}
        config["searchable_format"] = _manifest_value(manifest, "searchable_format")
        loaded = cls(config, articles, chunks, ids, vectors,
                     next_id=manifest.get("next_chunk_id", -1), version_dir=version)
        for extra in version_files:
            if extra.name in manifest.get("files", {}) and extra.read is not None:
                loaded.extras[extra.name] = extra.read(loaded, version / extra.name)
        return loaded

    @classmethod
    def create(cls, config: dict, articles: list[Article], chunks: list[Chunk],
               vectors: np.ndarray, policy: VectorIndexPolicy | None = None) -> "StoredIndex":
        """A fresh in-memory index over ``chunks`` with their ``vectors``; the
        vector index type follows ``policy`` (exact while small)."""
        ids = list(range(len(chunks)))
        vectors = np.asarray(vectors, dtype=np.float32).reshape(len(chunks), config["dimension"])
        index = build_vector_index(vectors, ids, policy)
        return cls(config, {a.id: a for a in articles}, list(chunks), ids, index)

    def updated(self, remove: set[str], articles: list[Article], chunks: list[Chunk],
                vectors: np.ndarray) -> "StoredIndex":
        """A new index: this one without the articles in ``remove``, plus
        ``articles`` with their ``chunks`` and ``vectors``.

        To replace an article, name it in ``remove`` and pass its new version.
        Chunks of every other article keep their ids; new chunks get fresh ids.
        This index is left untouched.
        """
        import faiss

        gone = remove | {a.id for a in articles}
        keep = [i for i, c in enumerate(self.chunks) if c.article_id not in gone]
        drop = np.asarray([cid for c, cid in zip(self.chunks, self.chunk_ids)
                           if c.article_id in gone], dtype="int64")
        index = faiss.clone_index(self.faiss_index)
        if len(drop):
            index = _without_ids(index, drop, [self.chunk_ids[i] for i in keep],
                                 self.config["dimension"])
        new_ids = list(range(self.next_id, self.next_id + len(chunks)))
        if chunks:
            index.add_with_ids(np.asarray(vectors, dtype=np.float32),
                               np.asarray(new_ids, dtype="int64"))
        kept_articles = {aid: a for aid, a in self.articles.items() if aid not in gone}
        kept_articles.update({a.id: a for a in articles})
        return StoredIndex(self.config, kept_articles,
                           [self.chunks[i] for i in keep] + list(chunks),
                           [self.chunk_ids[i] for i in keep] + new_ids, index,
                           next_id=self.next_id + len(chunks), base_extras=dict(self.extras))

    def prepare_search(self) -> None:
        """Make what :meth:`search` reads besides the vectors (the 8-bit copy of
        a large flat index) now: once, while the index is opened, rather than in
        whichever questions search it first, each making its own."""
        self._quantised()

    def _quantised(self) -> QuantisedSearch | None:
        """The 8-bit search of a large flat index, built by :meth:`prepare_search`
        or the first search (and again if ``faiss_index`` is replaced, or changed in place)."""
        index, built = self.faiss_index, self.quantised_search
        if built is None or built[0] is not index or built[1] and not built[1].current:
            large_flat = index_type(index) == "flat" and index.ntotal >= QUANTISED_SEARCH_FROM
            built = self.quantised_search = (index, QuantisedSearch(index) if large_flat else None)
        return built[1]

    def search(self, vectors: np.ndarray, k: int) -> list[list[tuple[int, float]]]:
        """For each query vector, up to ``k`` ``(chunk position, score)`` pairs."""
        if not self.chunks:
            return [[] for _ in range(len(vectors))]
        quantised = self._quantised()
        search = quantised.search if quantised else partial(search_vectors, self.faiss_index)
        scores, ids = search(vectors, min(k, len(self.chunks)))
        return [[(self.position[i], float(s)) for i, s in zip(row_ids, row_scores) if i >= 0]
                for row_ids, row_scores in zip(ids, scores)]

# ---------------------------------------------------------------------- helpers
def live_version(index_dir: Path) -> Path:
    index_dir = Path(index_dir)
    pointer = index_dir / "CURRENT"
    if not pointer.is_file():
        raise IndexMissing(f"no index in {index_dir}; build one with `rag build --index "
                           f"{index_dir} --articles DIR` (DIR: the articles to index)")
    version = index_dir / pointer.read_text().strip()
    if not (version / "manifest.json").is_file():
        raise IndexCorrupt(f"{pointer} names {version.name}, which is not a complete index; "
                           f"run `rag build --full --index {index_dir} --articles DIR` "
                           "(DIR: the articles it was built from)")
    return version


def verify_files(version: Path, manifest: dict, index_dir: Path,
                 rebuild: str | None = None) -> None:
    """Raise :class:`IndexCorrupt` naming the first file of ``version`` that is
    missing or does not match its checksum in ``manifest`` (and ``rebuild``,
    the command that rebuilds the index: :func:`rebuild_command`)."""
    for f, digest in manifest.get("files", {}).items():
        path = version / f
        if not path.is_file() or _sha256(path) != digest:
            raise IndexCorrupt(
                f"index file {path} is missing, truncated or modified (its checksum "
                f"does not match manifest.json); run "
                f"`{rebuild or f'rag build --full --index {index_dir}'}` to rebuild the index")


def read_manifest(index_dir: Path) -> dict:
    return _read_manifest_of(live_version(index_dir), index_dir)


def _read_manifest_of(version: Path, index_dir: Path, rebuild: str | None = None) -> dict:
    path = version / "manifest.json"
    try:
        manifest = json.loads(path.read_text())
        if not isinstance(manifest, dict):
            raise ValueError("not a JSON object")
        return manifest
    except (ValueError, OSError) as exc:
        raise IndexCorrupt(f"index file {path} is unreadable or truncated ({exc}); run "
                           f"`{rebuild or f'rag build --full --index {index_dir}'}` to "
                           "rebuild the index") from exc


def current_version_name(index_dir: Path) -> str | None:
    """The name of the live version (``None`` when there is none)."""
    try:
        return (Path(index_dir) / "CURRENT").read_text().strip()
    except OSError:
        return None


# Which setting (and environment variable) controls each manifest field.
_SETTING_OF = {"model": "model_name / RAG_MODEL_NAME, model_path / RAG_MODEL_PATH and "
                         "embed_backend / RAG_EMBED_BACKEND",
               "dimension": "the embedding model (model_name / model_path)",
               "tokenizer": "encoding / RAG_ENCODING",
               "chunking.max_tokens": "chunk_tokens / RAG_CHUNK_TOKENS",
               "chunking.overlap_tokens": "chunk_overlap_tokens / RAG_CHUNK_OVERLAP_TOKENS",
               "format_version": "the index format of this version of rag",
               "searchable_format": "the passage header this version of rag searches under "
                                    "(rag/searchable.py)"}


def config_differences(manifest: dict, expect: dict) -> list[str]:
    """One line per setting where the index and the settings in use disagree."""
    diffs = []
    for key, want in expect.items():
        have = _manifest_value(manifest, key)
        if isinstance(want, dict) and isinstance(have, dict):
            pairs = [(f"{key}.{sub}", have.get(sub), w) for sub, w in want.items()]
        else:
            pairs = [(key, have, want)]
        diffs += [f"{name}: the index has {h!r}, the settings want {w!r} "
                  f"(set by {_SETTING_OF.get(name, name)})"
                  for name, h, w in pairs if h != w]
    return diffs


def _manifest_value(manifest: dict, key: str):
    return manifest.get(key, _BEFORE_KEY_EXISTED.get(key))


def rebuild_command(settings, where: str | None = None) -> str:
    """The command that re-embeds the index of ``settings`` from its own
    articles (without ``--articles`` it would also index the default ones);
    ``where``: the flags naming the index (default ``--index <index_dir>``;
    the milvus backend's name its collection)."""
    where = where or f"--index {settings.index_dir}"
    return f"rag build --full {where} --articles {settings.articles_dir}"


def check_config(manifest: dict, expect: dict, index_dir: Path | str,
                 rebuild: str | None = None) -> None:
    """Raise :class:`IndexMismatch` listing every setting that differs;
    ``rebuild`` is the command that rebuilds the index (default: ``rag build
    --full --index <index_dir>``)."""
    if diffs := config_differences(manifest, expect):
        rebuild = rebuild or f"rag build --full --index {index_dir}"
        raise IndexMismatch(
            f"the index in {index_dir} was built with other settings:\n  - "
            + "\n  - ".join(diffs)
            + f"\nRebuild it for the current settings with `{rebuild}` (re-embeds every "
              "article), or go back to the settings it was built with.")


def index_size_bytes(index_dir: Path) -> int:
    """Bytes on disk of the live version."""
    return sum(f.stat().st_size for f in live_version(index_dir).iterdir() if f.is_file())


def _without_ids(index, drop: np.ndarray, keep_ids: list[int], dim: int):
    """``index`` without the vectors ``drop``.

    Flat and IVF indexes remove in place; index types that cannot (HNSW) are
    rebuilt from the kept vectors, reconstructed by id.
    """
    try:
        index.remove_ids(drop)
        return index
    except RuntimeError:
        kept = np.vstack([index.reconstruct(i) for i in keep_ids]) if keep_ids \
            else np.zeros((0, dim), dtype=np.float32)
        fresh = new_vector_index(dim, len(keep_ids))
        if keep_ids:
            if hasattr(fresh, "is_trained") and not fresh.is_trained:
                fresh.train(kept)
            fresh.add_with_ids(kept, np.asarray(keep_ids, dtype="int64"))
        return fresh


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
    """Drop superseded versions and leftovers of interrupted builds.

    Runs under the write lock, so no other build is writing; as a second
    guard, a ``.partial-*`` directory whose process is still alive is never
    touched.
    """
    for entry in index_dir.iterdir():
        if entry.is_file() and entry.name.startswith(".CURRENT.") and entry.name.endswith(".tmp"):
            entry.unlink(missing_ok=True)  # a switch interrupted before its rename
        if not entry.is_dir() or entry.name == keep:
            continue
        if entry.name.startswith(".partial-") and _writer_alive(entry.name):
            continue
        if entry.name.startswith(("v-", ".partial-")):
            shutil.rmtree(entry, ignore_errors=True)


def _writer_alive(partial_name: str) -> bool:
    pid = partial_name.rsplit("-", 1)[-1]
    if not pid.isdigit() or int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
