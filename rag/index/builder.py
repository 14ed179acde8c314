"""Building and updating an index: articles → chunks → embeddings → a new version.

:class:`Index` is one index directory and the articles directory it is built
from. Every change is incremental by default: each article's content hash is
compared with the live version's manifest, only new and changed articles are
chunked and embedded, removed articles' chunks are dropped by id, and the
chunks of every other article keep their ids and vectors. ``full=True``
re-embeds everything (it also happens by itself when the model or the chunk
settings changed, or the previous version cannot be read).

Each change runs under the index's write lock (:mod:`rag.index.locking`) and ends by
saving a complete new version that replaces the live one atomically
(:meth:`rag.store.StoredIndex.save`); a crash at any point leaves the previous
version live. Each returns a :class:`BuildSummary` that counts what happened
and lists every file that was skipped and why.

Articles added with :meth:`Index.add` from outside the articles directory stay
indexed until :meth:`Index.remove`; a build only removes articles whose file
was inside the articles directory and is gone.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Iterable

import numpy as np

from ..ingest.articles import (
    ARTICLE_SUFFIXES,
    Article,
    Collection,
    read_files,
    scan_directory,
)
from ..ingest.chunking import Chunk, chunk_article
from ..ingest.reading import Skip, megabytes
from ..models.embedding import Embedder, encode_longest_first
from ..settings import Settings
from .lexical import BM25_FILE
from .locking import write_lock
from .searchable import searchable_text
from .sentences import sentence_vectors_file
from .store import (
    IndexCorrupt,
    IndexError_,
    IndexMissing,
    StoredIndex,
    VersionFile,
    check_config,
    config_differences,
    current_version_name,
    expected_config,
    index_size_bytes,
    live_version,
    read_manifest,
    rebuild_command,
    verify_files,
)
from .vectors import VectorIndexPolicy, fit_vector_index

__all__ = ["Index", "BuildSummary", "build_index", "index_status", "format_status",
           "chunk_articles", "embed_chunks", "chunk_and_embed", "embedding_text"]

logger = logging.getLogger("rag")


@dataclass(frozen=True)
class BuildSummary:
    """What one build, add or remove did."""

    articles: int                 # articles in the index afterwards
    chunks: int                   # chunks in the index afterwards
    seconds: float
    index_dir: Path | str         # where the index is (a Milvus collection: its name and URI)
    added: int = 0
    changed: int = 0
    removed: int = 0
    unchanged: int = 0
    chunks_embedded: int = 0
    skipped: tuple[Skip, ...] = ()
    notes: tuple[str, ...] = ()
    #: Why everything was re-embedded (``None`` for an incremental change).
    full_reason: str | None = None
    #: False when nothing changed, so no new version was written.
    written: bool = True
    #: Article ids given to ``remove`` that were not in the index.
    not_found: tuple[str, ...] = ()
    timings: dict = field(default_factory=dict, compare=False)

    def __str__(self) -> str:
        if self.written:
            lines = [f"Indexed {self.articles} articles into {self.chunks} chunks "
                     f"in {self.seconds:.1f} s -> {self.index_dir}"]
        else:
            lines = [f"Index is up to date: {self.articles} articles, {self.chunks} chunks "
                     f"({self.index_dir}); nothing to embed"]
        lines.append(f"  added {self.added}, changed {self.changed}, removed {self.removed}, "
                     f"unchanged {self.unchanged}; embedded {self.chunks_embedded} chunks")
        if not self.articles:
            lines.append(f"  the index holds no articles: every question will go unanswered; "
                         f"give --articles a directory of {', '.join(ARTICLE_SUFFIXES)} files "
                         "(or one .jsonl collection)")
        if self.full_reason:
            lines.append(f"  full rebuild: {self.full_reason}")
        if self.not_found:
            lines.append(f"  not in the index: {', '.join(self.not_found)}")
        if self.notes:
            lines.append(f"  {len(self.notes)} note(s):")
            lines += [f"    - {note}" for note in self.notes]
        if self.skipped:
            lines.append(f"  skipped {len(self.skipped)} file(s):")
            lines += [f"    - {skip}" for skip in self.skipped]
        return "\n".join(lines)


@dataclass
class _Plan:
    """The difference between the live version and the wanted articles."""

    added: list[Article] = field(default_factory=list)
    changed: list[Article] = field(default_factory=list)
    removed: set[str] = field(default_factory=set)
    #: Indexed articles that stay as they are.
    kept: list[Article] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.added or self.changed or self.removed)


# ---------------------------------------------------------------------- steps
def embedding_text(article: Article, chunk: Chunk) -> str:
    """What gets embedded for a chunk: the passage under its article's header
    (title, source, date; see :mod:`rag.index.searchable`), so a passage deep in a
    story still matches questions about the story's subject. ``Hit.text``
    shown to users stays the passage alone."""
    return searchable_text(article, chunk.text)


def chunk_articles(articles: Iterable[Article], settings: Settings) -> list[Chunk]:
    """All chunks of ``articles``, in order."""
    return [c for a in articles for c in chunk_article(
        a, settings.chunk_tokens, settings.chunk_overlap_tokens, settings.encoding)]


def embed_chunks(embedder: Embedder, articles: dict[str, Article], chunks: list[Chunk],
                 batch_size: int, progress: bool = False) -> np.ndarray:
    """The vectors of ``chunks`` (one row each, in order), embedded in batches.

    ``articles`` maps ids to the articles the chunks belong to (for their titles).
    """
    from tqdm import tqdm

    texts = [embedding_text(articles[c.article_id], c) for c in chunks]
    with tqdm(total=len(texts), desc="embedding", unit="chunk", file=sys.stderr,
              disable=not progress or not texts) as bar:
        return encode_longest_first(embedder, texts, batch_size, bar)


def chunk_and_embed(embedder: Embedder, articles: list[Article], settings: Settings, *,
                    progress: bool = False) -> tuple[list[Chunk], np.ndarray]:
    """Chunk ``articles`` and embed their chunks, the two overlapped.

    The one place a build spends model time, so it stays close to what the
    model alone achieves (``rag-bench perf``): a thread chunks the articles while
    the model embeds the chunks already cut, in waves of a few thousand; each
    wave is embedded longest first in tokens, so a batch holds texts of
    nearly the same length and little padding
    (:func:`~rag.models.embedding.encode_longest_first`).
    """
    import queue
    import threading

    from tqdm import tqdm

    waves: queue.Queue = queue.Queue()   # unbounded: the producer never blocks
    wave_size = 32 * settings.embed_batch_size

    def produce(bar) -> None:
        try:
            wave: list[Chunk] = []
            total = 0
            for article in articles:
                wave.extend(chunk_article(article, settings.chunk_tokens,
                                          settings.chunk_overlap_tokens, settings.encoding))
                if len(wave) >= wave_size:
                    total += len(wave)
                    waves.put(wave)
                    wave = []
            waves.put(wave)
            # All chunked (long before all embedded): the bar shows done/total
            # and an ETA from its next update on.
            bar.total = total + len(wave)
        except BaseException as exc:  # handed to the caller, raised there
            waves.put(exc)
        waves.put(None)

    by_id = {a.id: a for a in articles}
    chunks: list[Chunk] = []
    parts = []
    with tqdm(desc="embedding", unit="chunk", file=sys.stderr,
              disable=not (progress and articles)) as bar:
        threading.Thread(target=produce, args=(bar,), name="chunking", daemon=True).start()
        while (wave := waves.get()) is not None:
            if isinstance(wave, BaseException):
                raise wave
            texts = [embedding_text(by_id[c.article_id], c) for c in wave]
            parts.append(encode_longest_first(embedder, texts, settings.embed_batch_size, bar))
            chunks.extend(wave)
    vectors = np.vstack(parts) if parts else np.zeros((0, embedder.dim), dtype=np.float32)
    return chunks, vectors


# ---------------------------------------------------------------------- Index
class Index:
    """An index directory and the articles it is built from.

    >>> index = Index(Settings().replace(articles_dir="news", index_dir="news-index"))
    >>> print(index.build())            # incremental: embeds only new/changed articles
    >>> index.add(["late-story.txt"])   # index files now, without scanning the folder
    >>> index.remove(["late-story"])    # by article id
    >>> index.status()["stale"]

    ``version_files`` are the parts of the index kept beside the vectors in
    every version (default: the BM25 index and, unless ``settings.sentence_vectors`` is
    off, the sentence vectors, :mod:`rag.index.sentences`).
    """

    def __init__(self, settings: Settings | None = None, embedder: Embedder | None = None, *,
                 version_files: tuple[VersionFile, ...] | None = None):
        self.settings = Settings.given(settings, "Index")
        if embedder is None:
            from ..models.embedding import make_embedder

            embedder = make_embedder(self.settings)
        self.embedder = embedder
        if version_files is None:
            sentences = sentence_vectors_file(embedder, self.settings.sentence_precision)
            version_files = (BM25_FILE,) + ((sentences,)
                                            if self.settings.sentence_vectors else ())
        self.version_files = tuple(version_files)
        # The version this object last read or wrote: while it is still the
        # live one (no other process has switched CURRENT since), the next
        # change starts from it instead of reading and checksumming it again.
        self._live: StoredIndex | None = None

    @property
    def location(self) -> str:
        """Where the index is, for messages."""
        return str(self.settings.index_dir)

    # -------------------------------------------------------------- changes
    def build(self, *, full: bool = False, progress: bool = True,
              articles: list[Article] | None = None) -> BuildSummary:
        """Bring the index in line with the articles directory (or ``articles``).

        Only new and changed articles are embedded; articles whose file left
        the directory are removed. ``full=True`` re-embeds every article.
        """
        def plan(previous: StoredIndex | None) -> tuple[_Plan, Collection]:
            found = Collection(list(articles)) if articles is not None else \
                scan_directory(self.settings.articles_dir, max_bytes=self.settings.max_file_bytes)
            wanted = list(found.articles)
            if previous is not None and articles is None:
                # Articles added from elsewhere stay until removed explicitly.
                ids = {a.id for a in wanted}
                wanted += [a for a in previous.articles.values()
                           if a.id not in ids and not self._managed(a)]
            return _diff(previous.articles if previous else {}, wanted), found

        return self._change(plan, progress=progress, full=full, rebuild_if_unusable=True)

    def add(self, paths: Iterable[str | Path] | str | Path, *,
            progress: bool = False) -> BuildSummary:
        """Index these files (or this one file) now (``.txt``, ``.md``, ``.html``, ``.jsonl``).

        A file already indexed (same path, or same id from the articles
        directory) is updated if it changed; exact duplicates of indexed
        articles are skipped. Nothing else is touched.
        """
        paths = [Path(p).expanduser().resolve() for p in _one_or_many(paths)]

        def plan(previous: StoredIndex | None) -> tuple[_Plan, Collection]:
            found = read_files(paths, max_bytes=self.settings.max_file_bytes,
                               root=self.settings.articles_dir)
            known = previous.articles if previous else {}
            by_path = {a.path: a.id for a in known.values()
                       if a.path and not a.path.endswith(".jsonl")}
            texts = {a.fingerprint: a for a in known.values()}
            wanted = []
            for article in found.articles:
                article = _settle_id(article, known, by_path)
                twin = texts.get(article.fingerprint)
                if twin is not None and twin.id != article.id:
                    skip = Skip(article.path or article.id,
                                f"duplicate of indexed article {twin.id!r}; indexed once")
                    logger.warning("skipped %s", skip)
                    found.skipped.append(skip)
                    continue
                wanted.append(article)
            return _diff(known, wanted, remove_missing=False), found

        return self._change(plan, progress=progress)

    def remove(self, article_ids: Iterable[str] | str) -> BuildSummary:
        """Remove articles (or one article) from the index by id; unknown ids are listed in
        the summary's ``not_found``."""
        article_ids = list(dict.fromkeys(_one_or_many(article_ids)))
        missing: list[str] = []

        def plan(previous: StoredIndex | None) -> tuple[_Plan, Collection]:
            if previous is None:
                raise IndexMissing(f"no index in {self.location}; nothing to remove")
            known = previous.articles
            missing.extend(aid for aid in article_ids if aid not in known)
            gone = {aid for aid in article_ids if aid in known}
            notes = [f"{aid}: its file {known[aid].path} is still in the articles directory; "
                     "the next `rag build` indexes it again (delete or move the file to "
                     "remove it for good)"
                     for aid in sorted(gone) if known[aid].path and
                     Path(known[aid].path).exists() and self._managed(known[aid])]
            return (_Plan(removed=gone, kept=[a for a in known.values() if a.id not in gone]),
                    Collection(notes=notes))

        summary = self._change(plan, progress=False)
        return replace(summary, not_found=tuple(missing))

    # -------------------------------------------------------------- status
    def status(self) -> dict:
        """What the index holds, and whether it is stale (out of date with the
        articles directory or built with other settings)."""
        s = self.settings
        out: dict = {"index_dir": self.location, "articles_dir": str(s.articles_dir),
                     "backend": s.backend}
        try:
            manifest = self._manifest()
        except IndexError_ as exc:
            return {**out, "ok": False, "stale": True, "reason": str(exc)}
        expect = expected_config(s, self.embedder.name, self.embedder.dim)
        differs = config_differences(manifest, expect)
        version, size = self._version_and_size()
        out.update({
            "ok": not differs, "version": version,
            "articles": manifest.get("n_articles"), "chunks": manifest.get("n_chunks"),
            "model": manifest.get("model"), "dimension": manifest.get("dimension"),
            "tokenizer": manifest.get("tokenizer"), "chunking": manifest.get("chunking"),
            "built_at": manifest.get("built_at"), "size_bytes": size, "differs": differs})
        try:
            # The skipped files are part of the status, not warnings beside it.
            found = scan_directory(s.articles_dir, max_bytes=self.settings.max_file_bytes,
                                   log=False)
        except FileNotFoundError as exc:
            return {**out, "stale": bool(differs), "pending": None, "reason": str(exc)}
        indexed = self._indexed(manifest)
        current = {a.id: a.content_hash for a in found.articles}
        pending = {
            "added": sum(1 for aid in current if aid not in indexed),
            "changed": sum(1 for aid, h in current.items()
                           if aid in indexed and indexed[aid][0] != h),
            "removed": sum(1 for aid, (_, path) in indexed.items()
                           if aid not in current and self._managed_path(path)),
        }
        out.update({"stale": bool(differs) or any(pending.values()), "pending": pending,
                    "skipped": [str(x) for x in found.skipped]})
        return out

    # -------------------------------------------------------------- internals
    def _managed(self, article: Article) -> bool:
        return self._managed_path(article.path)

    def _managed_path(self, path: str | None) -> bool:
        """Whether an indexed article comes from the articles directory (so a
        build removes it once its file is gone)."""
        if not path:
            return True
        try:
            Path(path).resolve().relative_to(Path(self.settings.articles_dir).resolve())
            return True
        except ValueError:
            return False

    def _previous(self, full: bool, rebuild_if_unusable: bool) -> tuple[StoredIndex | None, str | None]:
        """The live version (``None`` if there is none) and, when it cannot be
        updated incrementally, why everything must be re-embedded."""
        try:
            previous = self._load_live()
        except IndexMissing:
            return None, None
        except IndexCorrupt as exc:
            if not rebuild_if_unusable:
                raise
            return None, f"the previous index could not be read ({exc})"
        expect = expected_config(self.settings, self.embedder.name, self.embedder.dim)
        if differs := config_differences(previous.config, expect):
            if not rebuild_if_unusable:
                check_config(previous.config, expect, self.location, self._rebuild_command)
            return previous, "the settings changed: " + "; ".join(differs)
        return previous, ("requested (--full)" if full else None)

    def _change(self, plan, *, progress: bool, full: bool = False,
                rebuild_if_unusable: bool = False) -> BuildSummary:
        """Plan, embed and save one change under the write lock.

        ``plan(previous)`` returns the :class:`_Plan` against the live version
        and the :class:`Collection` report of what was read.
        """
        s = self.settings
        started = time.perf_counter()
        timings: dict[str, float] = {}
        with self._write_lock():
            previous, full_reason = self._previous(full, rebuild_if_unusable)
            wanted, found = plan(previous)
            timings["read"] = time.perf_counter() - started
            report = dict(skipped=tuple(found.skipped), notes=tuple(found.notes),
                          added=len(wanted.added), changed=len(wanted.changed),
                          removed=len(wanted.removed), unchanged=len(wanted.kept))
            # A version without one of the version files (written before it
            # existed) gets it from the next build, even with nothing else to do.
            complete = self._complete(previous)
            if wanted.empty and full_reason is None and complete and (
                    previous is not None or not rebuild_if_unusable):
                # Nothing to do (an add of only skipped files creates no index).
                return BuildSummary(len(previous.articles) if previous else 0,
                                    self._chunk_count(previous),
                                    time.perf_counter() - started, self.location,
                                    written=False, timings=timings, **report)

            rebuild = previous is None or full_reason is not None
            fresh = wanted.added + wanted.changed + (wanted.kept if rebuild else [])
            mark = time.perf_counter()
            chunks, vectors = chunk_and_embed(self.embedder, fresh, s, progress=progress)
            timings["chunk+embed"] = time.perf_counter() - mark
            mark = time.perf_counter()
            n_articles, n_chunks = self._write(previous, wanted, rebuild, fresh, chunks,
                                               vectors)
            timings["save"] = time.perf_counter() - mark
        return BuildSummary(n_articles, n_chunks, time.perf_counter() - started, self.location,
                            chunks_embedded=len(chunks), full_reason=full_reason,
                            timings=timings, **report)

    # The backend's part of a change (:mod:`rag.index.milvus` overrides these).
    @property
    def _rebuild_command(self) -> str:
        """The command that rebuilds this index from its articles."""
        return rebuild_command(self.settings)

    def _load_live(self) -> StoredIndex:
        """The live version; raises :class:`IndexMissing` or :class:`IndexCorrupt`."""
        s = self.settings
        live = self._live
        if live is not None and live.version_dir is not None and \
                current_version_name(s.index_dir) == live.version_dir.name:
            return live
        self._live = StoredIndex.load(s.index_dir, version_files=self.version_files,
                                      rebuild=self._rebuild_command)
        return self._live

    def _manifest(self) -> dict:
        """The live manifest, its files checked against their checksums, for
        :meth:`status` (raises :class:`IndexError_`): a damaged index is not
        reported as up to date, and ``ensure_index`` rebuilds it."""
        index_dir = self.settings.index_dir
        manifest = read_manifest(index_dir)
        verify_files(live_version(index_dir), manifest, index_dir, self._rebuild_command)
        return manifest

    def _version_and_size(self) -> tuple[str, int | None]:
        """The live version's name and its bytes on disk, for :meth:`status`."""
        index_dir = self.settings.index_dir
        return live_version(index_dir).name, index_size_bytes(index_dir)

    def _indexed(self, manifest: dict) -> dict[str, tuple[str, str | None]]:
        """Article id -> (content hash, source path) of the live version,
        for :meth:`status` (without loading the vectors)."""
        hashes = manifest.get("articles", {})
        paths = _indexed_paths(self.settings.index_dir) if hashes else {}
        return {aid: (h, paths.get(aid)) for aid, h in hashes.items()}

    def _write_lock(self):
        """Held for a whole change: one writer per index."""
        s = self.settings
        return write_lock(s.index_dir, wait=s.build_lock_wait, on_wait=logger.warning)

    @staticmethod
    def _chunk_count(previous) -> int:
        return len(previous.chunks) if previous else 0

    def _complete(self, previous) -> bool:
        """Whether the live version holds every part this index keeps."""
        return previous is None or all(f.name in previous.extras
                                       for f in self.version_files if f.read)

    def _write(self, previous: StoredIndex | None, wanted: _Plan, rebuild: bool,
               fresh: list[Article], chunks: list[Chunk], vectors: np.ndarray) -> tuple[int, int]:
        """Make ``fresh`` articles' ``chunks`` and ``vectors`` live (beside the
        kept articles unless ``rebuild``); return the articles and chunks now indexed."""
        s = self.settings
        policy = VectorIndexPolicy.from_settings(s)
        if rebuild:
            config = expected_config(s, self.embedder.name, self.embedder.dim)
            result = StoredIndex.create(config, fresh, chunks, vectors, policy)
        else:
            result = previous.updated(wanted.removed | {a.id for a in wanted.changed},
                                      fresh, chunks, vectors)
            # Crossing the exact/approximate threshold (or outgrowing the
            # IVF clusters) needs a new vector index, trained on all vectors.
            result.faiss_index = fit_vector_index(result.faiss_index, policy)
        result.save(s.index_dir, self.version_files)
        result.base_extras = {}  # its own extras are written; let the old ones go
        self._live = result
        return len(result.articles), len(result.chunks)


# ---------------------------------------------------------------------- helpers
def _diff(known: dict[str, Article], wanted: list[Article], *,
          remove_missing: bool = True) -> _Plan:
    """Compare wanted articles with the indexed ones by content hash."""
    plan = _Plan()
    ids = set()
    for article in wanted:
        ids.add(article.id)
        old = known.get(article.id)
        if old is None:
            plan.added.append(article)
        elif old.content_hash != article.content_hash:
            plan.changed.append(article)
        else:
            plan.kept.append(old)
    for aid, old in known.items():
        if aid not in ids:
            if remove_missing:
                plan.removed.add(aid)
            else:
                plan.kept.append(old)
    return plan


def _settle_id(article: Article, known: dict[str, Article], by_path: dict[str, str]) -> Article:
    """The id an added file gets: the id it already has in the index (same
    file), else its own unless another file already uses that id."""
    if article.path and article.path in by_path:
        return replace(article, id=by_path[article.path])
    old = known.get(article.id)
    if old is None or old.path == article.path or article.path is None:
        return article
    n = 2
    while f"{article.id}~{n}" in known:
        n += 1
    return replace(article, id=f"{article.id}~{n}")


def _indexed_paths(index_dir: Path) -> dict[str, str | None]:
    """Article id -> source path of the live version, without loading vectors."""
    paths = {}
    with open(live_version(index_dir) / "articles.jsonl", encoding="utf-8") as rows:
        for line in rows:
            if line.strip():
                row = json.loads(line)
                paths[row["id"]] = row.get("path")
    return paths


# ---------------------------------------------------------------------- functions
def build_index(settings: Settings, embedder: Embedder, *, progress: bool = True,
                articles: list[Article] | None = None, full: bool = False) -> BuildSummary:
    """Index ``articles`` (default: every article in ``settings.articles_dir``)
    into ``settings.index_dir``, incrementally unless ``full``."""
    return Index(settings, embedder).build(full=full, progress=progress, articles=articles)


def index_status(settings: Settings, embedder: Embedder) -> dict:
    """See :meth:`Index.status`."""
    return Index(settings, embedder).status()


def _one_or_many(items) -> list:
    """``add("story.txt")`` and ``remove("story")`` mean that one file or id,
    not each of its letters."""
    return [items] if isinstance(items, (str, Path)) else list(items)


def _build_command(status: dict) -> str:
    """The ``rag build`` that updates the index ``status`` describes, from
    those articles (a bare ``rag build`` would update the default index)."""
    if status.get("backend", "embedded") != "embedded":
        return "rag build"
    return f"rag build --index {status['index_dir']} --articles {status['articles_dir']}"


def format_status(status: dict) -> str:
    """``rag status`` for people."""
    if "version" not in status:
        return f"No usable index: {status.get('reason')}"
    chunking = status.get("chunking") or {}
    size = f"{megabytes(status['size_bytes'])}, " if status.get("size_bytes") is not None \
        else ""
    lines = [
        f"index      {status['index_dir']} ({status['version']}, {size}"
        f"built {status['built_at']})",
        f"articles   {status['articles']} ({status['chunks']} chunks)",
        f"model      {status['model']} ({status['dimension']}-d)",
        f"chunking   {chunking.get('max_tokens')} tokens, {chunking.get('overlap_tokens')} "
        f"overlap, tokenizer {status['tokenizer']}",
    ]
    pending = status.get("pending")
    if status["differs"]:
        lines.append("stale      built with other settings:")
        lines += [f"             - {d}" for d in status["differs"]]
        lines.append(f"             run `{_build_command(status)} --full` to rebuild")
    elif pending is None:
        lines.append(f"stale      unknown: {status.get('reason')}")
    elif status["stale"]:
        lines.append(f"stale      yes: {pending['added']} new, {pending['changed']} changed, "
                     f"{pending['removed']} removed article(s) in {status['articles_dir']}; "
                     f"run `{_build_command(status)}`")
    else:
        lines.append(f"stale      no (up to date with {status['articles_dir']})")
    if status.get("skipped"):
        lines.append(f"skipped    {len(status['skipped'])} file(s) would be skipped:")
        lines += [f"             - {x}" for x in status["skipped"]]
    return "\n".join(lines)
