"""The ``milvus`` backend: the index in Milvus collections (see :mod:`rag.index.backend`).

One client (``pymilvus.MilvusClient``) talks to a local milvus-lite file
(``*.db``), a milvus-lite or Milvus server, a cluster or Zilliz Cloud alike.
Three collections (four with sentence vectors) hold an index named ``C``
(``settings.milvus_collection``):

``C``
    one record per passage: chunk id (primary key), the passage text and
    offsets, its article's id, content hash and metadata (title, source, url,
    date and ``day``, the date as a sortable ``yyyymmdd`` integer, 0 without
    one), the passage vector, and ``words``: the passage under its article
    header (:mod:`rag.index.searchable`) as *our* BM25 tokens
    (:func:`rag.text.words.tokenize`: stop-worded, stemmed) joined by spaces.
    A whitespace analyzer and Milvus's BM25 function turn ``words`` into the
    sparse field ``sparse`` on the server, so lexical matching is the
    embedded backend's, word for word.
``C_articles``
    one record per article: its metadata, content hash and fingerprint (what
    an incremental build compares), the start of its text and its whole text
    as BM25 words (article relevance).
``C_meta``
    the manifest (model, dimension, tokenizer, chunking, passage format;
    counts, and the articles per publication day that recency needs), the
    build lock, and the rest of any article longer than one text field.
``C_sentences``
    with ``settings.sentence_vectors`` on (the default): the vector of every
    sentence of the passages (:mod:`rag.index.sentences`, the same int8 codes
    the embedded index keeps, as the bits of a binary vector: Milvus 2.5 has
    no int8 vectors), one record per article and sentence, keyed like the
    passages by the article's content hash. Answers look sentences up here by
    the hash of their text instead of embedding them; a build embeds only the
    sentences no record holds yet.

**Visibility.** A passage counts only while its article's record carries the
same content hash; a build writes a changed article's new passages, then its
article record (the switch), then deletes the old passages. A build stopped
at any point leaves every article answering from one complete set of passages,
and the next build removes what it left behind: what the switch leaves to
remove is written down in ``C_meta`` first, and crossed out with the manifest.

**Chunk ids** are derived from the article id, its content hash and the
passage's place in it, so re-running an interrupted build writes the same ids.

**One build at a time.** A build holds a lease in ``C_meta`` (renewed while it
runs, expiring a minute after a crash); a second build waits up to
``build_lock_wait`` seconds and then stops with a message. Milvus has no
compare-and-set, so the lease is written, then read back after a pause. A
build that stood still past its lease never renews over the build that took
it, and stops before its switch and before its manifest.

BM25 scores are divided by ``k1 + 1``: Milvus scores with Lucene's
``tf·(k1+1)/(tf+K)``, the embedded index without the constant factor, so both
return the same scores.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import re
import socket
import sys
import threading
import time
import types
import uuid
from collections import OrderedDict
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import numpy as np

from ..ingest.articles import Article
from ..ingest.chunking import Chunk
from ..text.dates import parse_day
from ..text.words import tokenize
from .backend import Filters, Passage, count_days
from .builder import Index, _Plan
from .lexical import BM25_B, BM25_K1
from .locking import IndexBusy
from .searchable import searchable_text
from .sentences import (
    SentenceVectors,
    embed_sentences,
    quantize,
    sentence_key,
    sentence_texts,
)
from .store import (
    IndexCorrupt,
    IndexError_,
    IndexMissing,
    check_config,
    expected_config,
    rebuild_command,
)

__all__ = ["MilvusIndex", "MilvusSearchable", "MilvusUnavailable", "milvus_uri",
           "collection_exists", "drop_collections", "close", "start_lite_server",
           "filter_expression", "record_id"]

logger = logging.getLogger("rag")

#: Seconds a read or search may take, retries included, before it fails with a
#: message (the chat's reader waits no longer than this for a server that went away).
REQUEST_TIMEOUT = 10
#: Seconds a write (a batch of upserts, a delete) may take, retries included.
WRITE_TIMEOUT = 60
#: Seconds to reach the server at all.
CONNECT_TIMEOUT = 10
#: Milvus's BM25 scores are the embedded index's times this (module docstring).
_BM25_SCALE = BM25_K1 + 1
#: Characters of article text in one record (a VARCHAR holds at most 65,535
#: bytes; a character takes at most 4).
TEXT_PART = 16_000
#: Bytes of BM25 words kept for a whole article (a longer article's tail is
#: not scored for article relevance; its passages all are).
MAX_ARTICLE_WORDS = 60_000
#: A build's lease on the collection: renewed every LEASE/4 seconds.
LEASE_SECONDS = 60
#: Rows per insert (a gRPC message stays well under its 64 MB limit).
BATCH = 500
#: Passages (and their articles' days) a reader remembers from its searches.
REMEMBERED = 100_000
#: Milvus answers at most this many results per search.
MAX_LIMIT = 16_384
#: The meta records of what a build's switch leaves to remove, one per article
#: (``unfinished:<id>``), and the flag that a build switched but has not
#: finished (``unfinished``) (:meth:`MilvusIndex._write`).
UNFINISHED = "unfinished"

_PASSAGE_FIELDS = ["chunk_id", "article_id", "article_hash", "title", "source", "date", "url",
                   "path", "start_char", "end_char", "n_tokens", "text"]
_ARTICLE_FIELDS = ["article_id", "hash", "fingerprint", "title", "source", "date", "day", "url",
                   "path", "n_parts"]


class MilvusUnavailable(IndexError_):
    """The Milvus server cannot be reached or refused a request."""


# ---------------------------------------------------------------------- connection
def milvus_uri(settings) -> str:
    """The URI in use: the setting, else ``milvus.db`` in the index directory."""
    return settings.milvus_uri or str(Path(settings.index_dir) / "milvus.db")


def _is_local(uri: str) -> bool:
    return not uri.startswith(("http://", "https://"))


def _where(settings) -> str:
    return f"Milvus collection {settings.milvus_collection!r} at {milvus_uri(settings)}"


def _flags(settings) -> str:
    """The command-line flags that point a command at this collection."""
    flags = f"--backend milvus --milvus-uri {milvus_uri(settings)}"
    if settings.milvus_collection != "rag":
        flags += f" --milvus-collection {settings.milvus_collection}"
    return flags


class _NotMilvusLite(logging.Filter):
    """milvus-lite logs its failures on the root logger; ours say the same, once."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "milvus_lite" not in record.pathname


def _prepare_milvus_lite() -> None:
    """milvus-lite 2.5.1 imports ``pkg_resources`` (for its version number),
    which setuptools 81+ no longer ships: stand in for the two names it uses.
    Also keeps its root-logger messages off stderr (ours name the file)."""
    root = logging.getLogger()
    if not any(isinstance(f, _NotMilvusLite) for f in root.filters):
        root.addFilter(_NotMilvusLite())
    try:
        import pkg_resources  # noqa: F401
    except ImportError:
        import importlib.metadata as metadata

        shim = types.ModuleType("pkg_resources")

        class DistributionNotFound(Exception):
            pass

        def get_distribution(name):
            try:
                return types.SimpleNamespace(version=metadata.version(name))
            except metadata.PackageNotFoundError as exc:
                raise DistributionNotFound(name) from exc

        shim.DistributionNotFound = DistributionNotFound
        shim.get_distribution = get_distribution
        sys.modules.setdefault("pkg_resources", shim)


def _reason(exc: BaseException) -> str:
    """The server's or the client's own words, on one line."""
    message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    return " ".join(str(message).split())


_clients: dict = {}
_clients_lock = threading.Lock()


def _milvus_client_class():
    """pymilvus's ``MilvusClient``, its logging quietened and its slow string check off."""
    try:
        from pymilvus import MilvusClient
        from pymilvus.client import entity_helper
    except ImportError:
        raise MilvusUnavailable("the milvus backend needs pymilvus and milvus-lite: "
                                "`pip install -e .` installs them") from None
    # pymilvus logs every failed request at ERROR; our messages say what
    # failed, once (set after the import, which configures its loggers).
    for name in ("pymilvus", "pymilvus.milvus_client"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    # pymilvus 2.5 "checks" each VARCHAR value of a row character by character
    # (a string taken for a list of strings): a third of a build's time, and no
    # check at all. A Milvus server checks lengths (milvus-lite 2.5.1 does not);
    # we cut values to fit.
    entity_helper.CHECK_STR_ARRAY = False
    return MilvusClient


def _client(settings):
    """A connected ``MilvusClient`` for the settings (one per URI and token)."""
    uri = milvus_uri(settings)
    key = (uri, settings.milvus_token)
    with _clients_lock:
        client = _clients.get(key)
        if client is not None:
            return client
        connect = _milvus_client_class()
        if _is_local(uri):
            _prepare_local_file(Path(uri))
        try:
            client = connect(uri=uri, token=settings.milvus_token or "", timeout=CONNECT_TIMEOUT)
        except Exception as exc:  # pymilvus raises several kinds; all mean "not usable"
            hint = ("is another process (a build, the chat) using the file? milvus-lite "
                    "opens a .db file in one process only; run it as a server to share it"
                    if _is_local(uri) else
                    "check that the server runs, the address (--milvus-uri / RAG_MILVUS_URI) "
                    "and the credentials (RAG_MILVUS_TOKEN)")
            raise MilvusUnavailable(f"cannot connect to Milvus at {uri}: {_reason(exc)}; "
                                    f"{hint}") from None
        _clients[key] = client
        return client


def _prepare_local_file(path: Path) -> None:
    """Check a milvus-lite file's name and make its folder (milvus-lite does neither)."""
    if not re.fullmatch(r"[A-Za-z0-9.\-_]{1,35}", path.name):
        raise MilvusUnavailable(
            f"milvus-lite cannot use the file name {path.name!r}: use letters, digits, "
            f"'.', '-' and '_', at most 35 characters (--milvus-uri)")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise MilvusUnavailable(f"cannot make the folder {path.parent} for {path.name}: "
                                f"{exc.strerror}; choose another --milvus-uri") from None
    _prepare_milvus_lite()


def close(settings) -> None:
    """Let go of the settings' client; for a milvus-lite file, also stop the
    milvus-lite server this process runs for it (it holds the file until then)."""
    uri = milvus_uri(settings)
    with _clients_lock:
        clients = [_clients.pop(key) for key in list(_clients) if key[0] == uri]
        for client in clients:
            client.close()
        if clients and _is_local(uri):
            from milvus_lite.server_manager import server_manager_instance

            server_manager_instance.release_server(uri)


@contextmanager
def _request(settings, what: str):
    """Turn a failed request into one readable :class:`MilvusUnavailable`."""
    try:
        yield
    except IndexError_:
        raise
    except Exception as exc:
        if type(exc).__module__.split(".")[0] not in ("pymilvus", "grpc"):
            raise
        raise MilvusUnavailable(f"{_where(settings)}: {what} failed: {_reason(exc)}") from None


def drop_collections(settings) -> None:
    """Drop the index's collections (a scratch index, after an evaluation)."""
    c = _Collections(settings)
    c.drop(c.passages, c.articles, c.meta, c.sentences)


def collection_exists(settings) -> bool:
    """Whether the collection holds an index (a manifest has been written)."""
    return _Collections(settings).manifest() is not None


# ---------------------------------------------------------------------- records
def record_id(article: Article, part: int) -> int:
    """The id of one record of an article's (a passage's by its place, a
    sentence's by its key): the same for the same article text, so a build
    run again writes over what it wrote; never negative."""
    digest = hashlib.blake2b(f"{article.id}\0{article.content_hash}\0{part}".encode(),
                             digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 1


def _signed(key: int) -> int:
    """A 64-bit sentence key (:func:`rag.index.sentences.sentence_key`) as
    Milvus's signed INT64."""
    return key - (1 << 64) if key >= 1 << 63 else key


def _unsigned(key: int) -> int:
    return key + (1 << 64) if key < 0 else key


def _fit(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` UTF-8 bytes (a Milvus server counts a
    VARCHAR's ``max_length`` in bytes), at a character's end."""
    data = text.encode("utf-8")
    return text if len(data) <= limit else data[:limit].decode("utf-8", "ignore")


def _words(text: str, limit: int | None = None) -> str:
    """The BM25 words of ``text``, joined; at most ``limit`` bytes of whole words."""
    words = " ".join(tokenize(text))
    if limit is not None and len(words.encode("utf-8")) > limit:
        words = _fit(words, limit).rsplit(" ", 1)[0]
    return words


def _day_number(day: dt.date | None) -> int:
    """A day as Milvus filters compare it: ``yyyymmdd``, 0 for none."""
    return day.year * 10_000 + day.month * 100 + day.day if day else 0


def _day_of(number: int) -> dt.date | None:
    return dt.date(number // 10_000, number // 100 % 100, number % 100) if number else None


def _literal(text: str) -> str:
    """A string literal in Milvus's filter language."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def filter_expression(filters: Filters) -> str:
    """``filters`` as a Milvus boolean expression (``""``: everything)."""
    parts = []
    if filters.sources:
        keys = ", ".join(_literal(s.lower()) for s in dict.fromkeys(filters.sources))
        parts.append(f"source_key in [{keys}]")
    if filters.date_from or filters.date_to:
        parts.append("day > 0")
    if filters.date_from:
        parts.append(f"day >= {_day_number(filters.date_from)}")
    if filters.date_to:
        parts.append(f"day <= {_day_number(filters.date_to)}")
    return " and ".join(parts)


def _metadata(article: Article) -> dict:
    return {"article_id": article.id, "title": _fit(article.title or "", 4000),
            "source": _fit(article.source or "", 1000),
            "source_key": _fit((article.source or "").lower(), 1000),
            "date": _fit(article.date or "", 60), "day": _day_number(parse_day(article.date)),
            "url": _fit(article.url or "", 4000), "path": _fit(article.path or "", 4000)}


def _passage_record(article: Article, chunk: Chunk, cid: int, vector) -> dict:
    return {"chunk_id": cid, "article_hash": article.content_hash, **_metadata(article),
            "start_char": chunk.start, "end_char": chunk.end, "n_tokens": chunk.n_tokens,
            "text": chunk.text, "words": _words(searchable_text(article, chunk.text)),
            "vector": np.asarray(vector, dtype=np.float32).tolist()}


def _article_records(article: Article) -> tuple[dict, list[dict]]:
    """The article's record and the records of the rest of its text."""
    parts = [article.text[i:i + TEXT_PART] for i in range(0, len(article.text), TEXT_PART)]
    record = {"key": article.id, **_metadata(article), "hash": article.content_hash,
              "fingerprint": article.fingerprint, "n_parts": max(1, len(parts)),
              "text": parts[0] if parts else "",
              "words": _words(searchable_text(article, article.text), MAX_ARTICLE_WORDS)}
    rest = [_meta_record(_text_key(article.content_hash, i, article.id), part)
            for i, part in enumerate(parts[1:], start=1)]
    return record, rest


def _meta_record(key: str, value: str) -> dict:
    """A record of the meta collection (its vector field only satisfies Milvus)."""
    return {"key": key, "value": value, "dummy": [0.0, 0.0]}


def _text_key(content_hash: str, part: int, article_id: str) -> str:
    """The meta record of part ``part`` (1, 2, ...) of an article's text."""
    return f"text:{content_hash}:{part}:{article_id}"


def _text_records(content_hash: str = "") -> str:
    """The filter of the meta text records of the articles with this content
    hash (``""``: of every article)."""
    return f"key like {_literal(f'text:{content_hash}:%' if content_hash else 'text:%')}"


def _unfinished_records() -> str:
    """The filter of the meta records of a build's unfinished work."""
    return f"key like {_literal(UNFINISHED + '%')}"


def _text_parts(rows: Iterable[dict]) -> dict[tuple[str, str], dict[int, str]]:
    """(content hash, article id) -> {part: text} of meta text records."""
    out: dict = {}
    for row in rows:
        _, content_hash, part, aid = row["key"].split(":", 3)
        out.setdefault((content_hash, aid), {})[int(part)] = row["value"]
    return out


def _whole_text(row: dict, parts: dict[tuple[str, str], dict[int, str]]) -> str:
    """An article record's text with the rest of it from ``parts`` (:func:`_text_parts`)."""
    rest = parts.get((row["hash"], row["article_id"]), {})
    return row["text"] + "".join(rest[i] for i in sorted(rest))


def _article_of(row: dict, text: str = "") -> Article:
    """An article from its record; ``text`` is empty unless given. Its content
    hash and fingerprint are the recorded ones (they cannot be recomputed
    without the text)."""
    article = Article(row["article_id"], text, title=row.get("title") or None,
                      source=row.get("source") or None, date=row.get("date") or None,
                      url=row.get("url") or None, path=row.get("path") or None)
    if "hash" in row:   # cached properties: set them as the build computed them
        article.__dict__["content_hash"] = row["hash"]
    if "fingerprint" in row:
        article.__dict__["fingerprint"] = row["fingerprint"]
    return article


# ---------------------------------------------------------------------- collections
class _Collections:
    """The collections of one index, and the requests made to them."""

    def __init__(self, settings):
        self.settings = settings
        self.passages = settings.milvus_collection
        self.articles = f"{settings.milvus_collection}_articles"
        self.meta = f"{settings.milvus_collection}_meta"
        self.sentences = f"{settings.milvus_collection}_sentences"

    @property
    def client(self):
        return _client(self.settings)

    def request(self, what: str):
        return _request(self.settings, what)

    # -- reading
    def manifest(self) -> dict | None:
        with self.request("reading the manifest"):
            if not self.client.has_collection(self.meta, timeout=REQUEST_TIMEOUT):
                return None
            rows = self.client.query(self.meta, filter='key == "manifest"',
                                     output_fields=["value"], timeout=REQUEST_TIMEOUT)
        if not rows:
            return None
        try:
            manifest = json.loads(rows[0]["value"])
            if not isinstance(manifest, dict):
                raise ValueError("not a JSON object")
        except ValueError as exc:
            rebuild = rebuild_command(self.settings, _flags(self.settings))
            raise IndexCorrupt(f"the manifest of {_where(self.settings)} is unreadable ({exc}); "
                               f"run `{rebuild}`") from None
        return manifest

    def built_manifest(self) -> dict:
        """The manifest; without one, :class:`IndexMissing` saying how to build."""
        manifest = self.manifest()
        if manifest is None:
            raise IndexMissing(f"no index in {_where(self.settings)}; "
                               f"run `rag build {_flags(self.settings)}`")
        return manifest

    def query_all(self, name: str, expression: str, fields: list[str], what: str) -> list[dict]:
        """Every record of ``name`` that ``expression`` selects (``""``: all),
        page by page: one query returns at most 16,384 records, silently."""
        rows: list[dict] = []
        with self.request(what):
            iterator = self.client.query_iterator(name, batch_size=1000, filter=expression,
                                                  output_fields=fields, timeout=REQUEST_TIMEOUT)
            try:
                while batch := iterator.next():
                    rows += batch
            finally:
                iterator.close()
        return rows

    def article_rows(self, ids: Iterable[str] | None = None,
                     fields: list[str] = _ARTICLE_FIELDS) -> list[dict]:
        """The records of the articles ``ids`` (``None``: of every article)."""
        if ids is None:
            return self.query_all(self.articles, "", fields, "reading the articles")
        rows = []
        with self.request("reading articles"):
            for batch in _batches(sorted(set(ids))):   # one query: at most a batch of rows
                rows += self.client.query(self.articles, filter=_in("key", batch),
                                          output_fields=fields, timeout=REQUEST_TIMEOUT)
        return rows

    def text_parts(self, expression: str) -> dict[tuple[str, str], dict[int, str]]:
        """:func:`_text_parts` of the meta text records ``expression`` selects."""
        return _text_parts(self.query_all(self.meta, expression, ["key", "value"],
                                          "reading article text"))

    def count(self, name: str) -> int:
        with self.request("counting"):
            rows = self.client.query(name, filter="", output_fields=["count(*)"],
                                     timeout=REQUEST_TIMEOUT)
        return int(rows[0]["count(*)"]) if rows else 0

    # -- creating
    def create(self, dim: int) -> None:
        """Create whichever of the three collections is missing."""
        from pymilvus import DataType, Function, FunctionType

        client = self.client
        analyzed = dict(enable_analyzer=True, analyzer_params={"tokenizer": "whitespace"})

        def metadata(schema):
            schema.add_field("article_id", DataType.VARCHAR, max_length=1024)
            schema.add_field("title", DataType.VARCHAR, max_length=4096)
            schema.add_field("source", DataType.VARCHAR, max_length=1024)
            schema.add_field("source_key", DataType.VARCHAR, max_length=1024)
            schema.add_field("date", DataType.VARCHAR, max_length=64)
            schema.add_field("day", DataType.INT64)
            schema.add_field("url", DataType.VARCHAR, max_length=4096)
            schema.add_field("path", DataType.VARCHAR, max_length=4096)

        def bm25(schema, index):
            schema.add_function(Function(name="bm25", function_type=FunctionType.BM25,
                                         input_field_names=["words"],
                                         output_field_names=["sparse"]))
            index.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25",
                            params={"bm25_k1": BM25_K1, "bm25_b": BM25_B})

        with self.request("creating the collections"):
            if not client.has_collection(self.passages, timeout=REQUEST_TIMEOUT):
                schema = client.create_schema(auto_id=False)
                schema.add_field("chunk_id", DataType.INT64, is_primary=True)
                metadata(schema)
                schema.add_field("article_hash", DataType.VARCHAR, max_length=64)
                for name in ("start_char", "end_char", "n_tokens"):
                    schema.add_field(name, DataType.INT64)
                schema.add_field("text", DataType.VARCHAR, max_length=65535)
                schema.add_field("words", DataType.VARCHAR, max_length=65535, **analyzed)
                schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
                schema.add_field("vector", DataType.FLOAT_VECTOR, dim=dim)
                index = client.prepare_index_params()
                bm25(schema, index)
                # Exact search, as the embedded index does up to 200,000 passages;
                # a cluster operator may build HNSW/IVF instead (docs/scaling.md).
                index.add_index("vector", index_type="FLAT", metric_type="IP")
                index.add_index("article_id", index_type="INVERTED")
                client.create_collection(self.passages, schema=schema, index_params=index,
                                         consistency_level="Strong", timeout=REQUEST_TIMEOUT)
            if not client.has_collection(self.articles, timeout=REQUEST_TIMEOUT):
                schema = client.create_schema(auto_id=False)
                schema.add_field("key", DataType.VARCHAR, max_length=1100, is_primary=True)
                metadata(schema)
                schema.add_field("hash", DataType.VARCHAR, max_length=64)
                schema.add_field("fingerprint", DataType.VARCHAR, max_length=128)
                schema.add_field("n_parts", DataType.INT64)
                schema.add_field("text", DataType.VARCHAR, max_length=65535)
                schema.add_field("words", DataType.VARCHAR, max_length=65535, **analyzed)
                schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
                index = client.prepare_index_params()
                bm25(schema, index)
                client.create_collection(self.articles, schema=schema, index_params=index,
                                         consistency_level="Strong", timeout=REQUEST_TIMEOUT)
        self.create_meta()

    def create_meta(self) -> None:
        """Create the meta collection (manifest, lease, long texts) if missing."""
        from pymilvus import DataType

        client = self.client
        with self.request("creating the meta collection"):
            if not client.has_collection(self.meta, timeout=REQUEST_TIMEOUT):
                schema = client.create_schema(auto_id=False)
                schema.add_field("key", DataType.VARCHAR, max_length=1200, is_primary=True)
                schema.add_field("value", DataType.VARCHAR, max_length=65535)
                # Milvus wants a vector field in every collection.
                schema.add_field("dummy", DataType.FLOAT_VECTOR, dim=2)
                index = client.prepare_index_params()
                index.add_index("dummy", index_type="FLAT", metric_type="L2")
                client.create_collection(self.meta, schema=schema, index_params=index,
                                         consistency_level="Strong", timeout=REQUEST_TIMEOUT)

    def create_sentences(self, dim: int) -> None:
        """Create the sentence-vector collection if missing."""
        from pymilvus import DataType

        client = self.client
        with self.request("creating the sentence collection"):
            if client.has_collection(self.sentences, timeout=REQUEST_TIMEOUT):
                return
            schema = client.create_schema(auto_id=False)
            schema.add_field("id", DataType.INT64, is_primary=True)
            schema.add_field("article_id", DataType.VARCHAR, max_length=1024)
            schema.add_field("article_hash", DataType.VARCHAR, max_length=64)
            schema.add_field("key", DataType.INT64)
            schema.add_field("codes", DataType.BINARY_VECTOR, dim=8 * dim)
            index = client.prepare_index_params()
            index.add_index("codes", index_type="BIN_FLAT", metric_type="HAMMING")
            index.add_index("key", index_type="INVERTED")
            index.add_index("article_id", index_type="INVERTED")
            client.create_collection(self.sentences, schema=schema, index_params=index,
                                     consistency_level="Strong", timeout=REQUEST_TIMEOUT)

    def sentence_codes(self, keys: Iterable[int]) -> dict[int, bytes]:
        """Sentence key (:func:`~rag.index.sentences.sentence_key`) -> its
        stored int8 codes (as bytes), for the stored ones."""
        out: dict[int, bytes] = {}
        with self.request("reading sentence vectors"):
            for batch in _batches(sorted({_signed(k) for k in keys}), 1000):
                rows = self.client.query(self.sentences,
                                         filter=f"key in [{', '.join(map(str, batch))}]",
                                         output_fields=["key", "codes"], timeout=REQUEST_TIMEOUT)
                for row in rows:
                    codes = row["codes"]
                    out[_unsigned(int(row["key"]))] = bytes(codes[0] if isinstance(codes, list)
                                                            else codes)
        return out

    def passage_chunks(self, articles: dict[str, str]) -> list[Chunk]:
        """The visible passages of ``articles`` (article id -> content hash)."""
        fields = ["article_id", "article_hash", "start_char", "end_char", "n_tokens", "text"]
        rows = [r for batch in _batches(sorted(articles))
                for r in self.query_all(self.passages, _in("article_id", batch), fields,
                                        "reading passages")]
        return sorted((Chunk(r["article_id"], r["start_char"], r["end_char"], r["text"],
                             r["n_tokens"])
                       for r in rows if articles.get(r["article_id"]) == r["article_hash"]),
                      key=lambda c: (c.article_id, c.start))

    # -- writing
    def drop(self, *names: str) -> None:
        with self.request("dropping collections"):
            for name in names:
                if self.client.has_collection(name, timeout=REQUEST_TIMEOUT):
                    self.client.drop_collection(name, timeout=REQUEST_TIMEOUT)

    def drop_index(self) -> None:
        """Drop the passages, articles and sentence vectors, and the manifest,
        long texts and unfinished work (not the meta collection: it holds the
        lease)."""
        self.drop(self.passages, self.articles, self.sentences)
        with self.request("dropping the old index"):
            if self.client.has_collection(self.meta, timeout=REQUEST_TIMEOUT):
                self.client.delete(self.meta, filter=f'{_text_records()} or key == "manifest" '
                                   f'or {_unfinished_records()}', timeout=REQUEST_TIMEOUT)

    def upsert(self, name: str, rows: list[dict], what: str) -> None:
        for batch in _batches(rows):
            with self.request(what):
                self.client.upsert(name, batch, timeout=WRITE_TIMEOUT)

    def flush(self) -> None:
        """Seal what a build wrote, so the server searches it through its indexes
        (growing segments are searched by brute force, BM25 included)."""
        with self.request("flushing"):
            for name in (self.passages, self.articles, self.meta, self.sentences):
                if self.client.has_collection(name, timeout=REQUEST_TIMEOUT):
                    self.client.flush(name, timeout=WRITE_TIMEOUT)

    def delete(self, name: str, expression: str, what: str) -> None:
        with self.request(what):
            self.client.delete(name, filter=expression, timeout=WRITE_TIMEOUT)

    def put(self, key: str, value: str) -> None:
        self.upsert(self.meta, [_meta_record(key, value)],
                    f"writing {key}")

    def get(self, key: str) -> str | None:
        with self.request(f"reading {key}"):
            rows = self.client.query(self.meta, filter=f"key == {_literal(key)}",
                                     output_fields=["value"], timeout=REQUEST_TIMEOUT)
        return rows[0]["value"] if rows else None


def _in(field_name: str, values: Iterable[str]) -> str:
    return f"{field_name} in [{', '.join(_literal(v) for v in values)}]"


def _batches(values: list, size: int = BATCH):
    for start in range(0, len(values), size):
        yield values[start:start + size]


# ---------------------------------------------------------------------- the lease
class _Lease:
    """One build at a time per collection (see the module's docstring)."""

    def __init__(self, collections: _Collections, wait: float):
        self.collections = collections
        self.wait = wait
        self.owner = f"pid {os.getpid()} on {socket.gethostname()} ({uuid.uuid4().hex[:8]})"
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _holder(self) -> dict | None:
        """The lease in force (``None``: none, or expired)."""
        value = self.collections.get("lock")
        try:
            holder = json.loads(value) if value is not None else None
        except ValueError:
            return None
        return holder if isinstance(holder, dict) and holder.get("expires", 0) > time.time() \
            else None

    def _write(self) -> None:
        """Take or renew the lease (``since``: when it was taken)."""
        self.collections.put("lock", json.dumps({
            "owner": self.owner, "since": self._since, "expires": time.time() + LEASE_SECONDS}))

    def __enter__(self):
        self.collections.create_meta()
        deadline = time.monotonic() + max(0.0, self.wait)
        told = False
        while True:
            holder = self._holder()
            if holder is None:
                self._since = time.strftime("%H:%M:%S")
                self._write()
                time.sleep(0.3)   # a build that wrote at the same moment: the last one wins
                holder = self._holder()
                if holder is not None and holder.get("owner") == self.owner:
                    break
            other = f"{holder.get('owner')}, since {holder.get('since')}" if holder \
                else "unknown"
            where = _where(self.collections.settings)
            if time.monotonic() >= deadline:
                raise IndexBusy(
                    f"another build ({other}) is changing {where}; wait for it to finish and "
                    "try again (or allow waiting with RAG_BUILD_LOCK_WAIT=<seconds>)")
            if not told:
                logger.warning("waiting for another build (%s) to finish changing %s...",
                               other, where)
                told = True
            time.sleep(1.0)
        self._thread = threading.Thread(target=self._keep, name="milvus-lease", daemon=True)
        self._thread.start()
        return self

    def _keep(self) -> None:
        """Renew the lease every quarter of it while the build runs, but never
        over another build's (:meth:`check`)."""
        while not self._stop.wait(LEASE_SECONDS / 4):
            try:
                self.check()
                self._write()
            except IndexBusy:
                return     # the build's next check stops it
            except IndexError_:
                pass   # the build's own requests report the server's state

    def check(self) -> None:
        """Raise :class:`IndexBusy` if another build holds the lease: this one
        stood still for longer than the lease (a stopped process, a minute
        without the server), which expired and was taken."""
        holder = self._holder()
        if holder is not None and holder.get("owner") != self.owner:
            raise IndexBusy(
                f"another build ({holder.get('owner')}, since {holder.get('since')}) took over "
                f"{_where(self.collections.settings)} after this build's lease ran out; this "
                "build stopped: run it again once that one has finished")

    def __exit__(self, *exc):
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        try:
            holder = self._holder()
            if holder is not None and holder.get("owner") == self.owner:
                self.collections.delete(self.collections.meta, 'key == "lock"',
                                        "releasing the build lock")
        except IndexError_:
            pass   # the lease expires by itself


# ---------------------------------------------------------------------- writer
@dataclass
class _Live:
    """What an incremental build needs of the collection: its config and its
    articles (metadata, hash and fingerprint; text only for a full rebuild)."""

    config: dict
    articles: dict[str, Article]
    n_chunks: int


class MilvusIndex(Index):
    """:class:`~rag.index.builder.Index` for a Milvus collection: the same
    planning (content hashes, skipped files, ids), written to Milvus."""

    def __init__(self, settings=None, embedder=None):
        super().__init__(settings, embedder, version_files=())
        self.collections = _Collections(self.settings)

    @property
    def location(self) -> str:
        return _where(self.settings)

    def _write_lock(self):
        self._lease = _Lease(self.collections, self.settings.build_lock_wait)
        return self._lease

    @staticmethod
    def _chunk_count(previous) -> int:
        return previous.n_chunks if previous else 0

    @property
    def _rebuild_command(self) -> str:
        return rebuild_command(self.settings, _flags(self.settings))

    def _load_live(self) -> _Live:
        manifest = self._manifest()
        return _Live(manifest, {}, manifest.get("n_chunks", 0))

    def _previous(self, full: bool, rebuild_if_unusable: bool):
        previous, reason = super()._previous(full, rebuild_if_unusable)
        if previous is not None:   # a rebuild embeds the kept articles again: with their text
            previous.articles = self._articles(with_text=reason is not None)
        return previous, reason

    def _articles(self, with_text: bool) -> dict[str, Article]:
        """Every indexed article; its text only ``with_text`` (a rebuild)."""
        c = self.collections
        if not with_text:
            return {row["article_id"]: _article_of(row) for row in c.article_rows()}
        rows = c.article_rows(fields=[*_ARTICLE_FIELDS, "text"])
        parts = c.text_parts(_text_records()) if any(r["n_parts"] > 1 for r in rows) else {}
        return {row["article_id"]: _article_of(row, _whole_text(row, parts)) for row in rows}

    def _write(self, previous, wanted: _Plan, rebuild: bool, fresh: list[Article],
               chunks: list[Chunk], vectors: np.ndarray) -> tuple[int, int]:
        """Write ``fresh`` articles' passages, then their records (the switch:
        see the module's docstring), then remove what is no longer visible."""
        c = self.collections
        sentences = self.settings.sentence_vectors
        if rebuild:   # also what an interrupted first build left (it wrote no manifest)
            c.drop_index()
        c.create(self.embedder.dim)
        if sentences:
            c.create_sentences(self.embedder.dim)
        else:
            c.drop(c.sentences)
        if not rebuild:   # what an interrupted build left of the articles new now
            self._delete_records(sorted(a.id for a in wanted.added), "unfinished")
        self._write_passages(fresh, chunks, vectors)
        if sentences:   # and, once, those of an index built without them
            articles, of = list(fresh), list(chunks)
            if not rebuild and not (previous and previous.config.get("sentence_vectors")):
                articles += wanted.kept
                of += c.passage_chunks({a.id: a.content_hash for a in wanted.kept})
            self._write_sentences(articles, of)
        self._lease.check()   # before the switch: still this build's to make
        left = self._work_left(previous, wanted, rebuild)
        self._switch(fresh, wanted.removed)
        self._remove_old(left)
        everything = fresh if rebuild else [*wanted.kept, *fresh]
        n_chunks = c.count(c.passages)
        self._lease.check()   # taken over: the work left stays noted for the next build
        self._write_manifest(everything, n_chunks)
        c.delete(c.meta, _unfinished_records(), "finishing the build")
        return len(everything), n_chunks

    def _switch(self, fresh: list[Article], removed: set[str]) -> None:
        """Make the ``fresh`` articles' new passages visible and the ``removed``
        articles' invisible: the article records (after the rest of long
        articles' text), the removed ones deleted."""
        c = self.collections
        records, rest = [], []
        for article in fresh:
            record, parts = _article_records(article)
            records.append(record)
            rest += parts
        c.upsert(c.meta, rest, "writing article text")
        c.upsert(c.articles, records, "writing articles")
        for ids in _batches(sorted(removed)):
            c.delete(c.articles, _in("key", ids), "removing articles")

    def _write_passages(self, articles: list[Article], chunks: list[Chunk],
                        vectors: np.ndarray) -> None:
        """The passages, invisible until their article's record carries their hash."""
        by_id = {a.id: a for a in articles}
        place: dict[str, int] = {}
        ids = []
        for chunk in chunks:
            place[chunk.article_id] = place.get(chunk.article_id, -1) + 1
            ids.append(record_id(by_id[chunk.article_id], place[chunk.article_id]))
        # Records made batch by batch: a vector as a list is 10x its array.
        for batch in _batches(list(zip(chunks, ids, vectors))):
            self.collections.upsert(self.collections.passages, [
                _passage_record(by_id[chunk.article_id], chunk, cid, vector)
                for chunk, cid, vector in batch], "writing passages")

    def _write_sentences(self, articles: list[Article], chunks: list[Chunk]) -> None:
        """One record per article and distinct sentence of its ``chunks``; a
        sentence whose vector any record already holds is not embedded again."""
        c = self.collections
        by_article: dict[str, list[Chunk]] = {}
        for chunk in chunks:
            by_article.setdefault(chunk.article_id, []).append(chunk)
        texts = {a.id: sentence_texts(by_article.get(a.id, [])) for a in articles}
        keys = {t: sentence_key(t) for ts in texts.values() for t in ts}
        codes = c.sentence_codes(keys.values())
        new = [t for t, key in keys.items() if key not in codes]
        if new:
            fresh = quantize(embed_sentences(self.embedder, new,
                                                   self.settings.sentence_precision))
            codes.update((keys[t], row.tobytes()) for t, row in zip(new, fresh))
        for batch in _batches(articles):
            c.upsert(c.sentences, [
                {"id": record_id(a, _signed(keys[t])), "article_id": a.id,
                 "article_hash": a.content_hash, "key": _signed(keys[t]),
                 "codes": codes[keys[t]]}
                for a in batch for t in texts[a.id]],
                "writing sentence vectors")

    def _delete_records(self, article_ids: list[str], what: str) -> None:
        """The passages and sentences of these articles."""
        c = self.collections
        for ids in _batches(article_ids):
            c.delete(c.passages, _in("article_id", ids), f"removing {what} passages")
            if self.settings.sentence_vectors:
                c.delete(c.sentences, _in("article_id", ids), f"removing {what} sentences")

    def _work_left(self, previous, wanted: _Plan, rebuild: bool) -> dict[str, list[str]]:
        """Article id -> the content hashes whose records the switch leaves to
        remove (:meth:`_remove_old`): of the changed and removed articles, and
        what a build stopped after its switch left. Written down until the
        manifest is, so that the next build finishes a build stopped after its
        switch (:meth:`_complete`)."""
        left = {} if rebuild else self._unfinished()
        for aid in wanted.removed | {a.id for a in wanted.changed}:
            left.setdefault(aid, []).append(previous.articles[aid].content_hash)
        if not rebuild:   # one record per article (a record holds 64 KB), then the flag
            c = self.collections
            c.upsert(c.meta, [_meta_record(f"{UNFINISHED}:{aid}", json.dumps(hashes))
                              for aid, hashes in left.items()], "noting the work left")
            c.put(UNFINISHED, "")
        return left

    def _unfinished(self) -> dict[str, list[str]]:
        """Article id -> old content hashes whose records a build stopped after
        its switch left (``{}``: none; see :meth:`_write`)."""
        c = self.collections
        rows = c.query_all(c.meta, f"key like {_literal(UNFINISHED + ':%')}", ["key", "value"],
                           "reading the work a build left")
        return {row["key"].split(":", 1)[1]: json.loads(row["value"]) for row in rows}

    def _remove_old(self, old: dict[str, list[str]]) -> None:
        """What is no longer visible of the articles ``old`` (id -> content
        hashes they had): the passages and sentences their article record does
        not carry (all of a removed article's), and the rest of the old texts."""
        c = self.collections
        current = {row["article_id"]: row["hash"]
                   for row in c.article_rows(old, ["article_id", "hash"])}
        for aid, content_hash in sorted(current.items()):
            replaced = f"article_id == {_literal(aid)} and " \
                       f"article_hash != {_literal(content_hash)}"
            c.delete(c.passages, replaced, "removing replaced passages")
            if self.settings.sentence_vectors:
                c.delete(c.sentences, replaced, "removing replaced sentences")
        self._delete_records(sorted(set(old) - set(current)), "removed")
        for aid, hashes in old.items():
            for content_hash in set(hashes) - {current.get(aid)}:
                c.delete(c.meta, _text_records(content_hash), "removing article text")

    def _write_manifest(self, articles: list[Article], n_chunks: int) -> None:
        """The config, the counts and the articles per day (recency); then
        everything is sealed (:meth:`_Collections.flush`)."""
        days = count_days(parse_day(a.date) for a in articles)
        manifest = {**expected_config(self.settings, self.embedder.name, self.embedder.dim),
                    "built_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
                    "n_articles": len(articles), "n_chunks": n_chunks,
                    "sentence_vectors": self.settings.sentence_vectors,
                    "days": {d.isoformat(): n for d, n in sorted(days.items())}}
        self.collections.put("manifest", json.dumps(manifest))
        self.collections.flush()

    def _complete(self, previous) -> bool:
        """Whether the collection has the sentence vectors the settings want (a
        collection built without them gets them from the next build) and no
        build stopped after its switch (the next one finishes it)."""
        return previous is None or (
            (not self.settings.sentence_vectors or bool(previous.config.get("sentence_vectors")))
            and self.collections.get(UNFINISHED) is None)

    def _manifest(self) -> dict:
        return self.collections.built_manifest()

    def _version_and_size(self) -> tuple[str, None]:
        return f"milvus {milvus_uri(self.settings)}", None

    def _indexed(self, manifest: dict) -> dict[str, tuple[str, str | None]]:
        return {aid: (a.content_hash, a.path) for aid, a in self._articles(with_text=False).items()}


# ---------------------------------------------------------------------- reader
class MilvusSearchable:
    """The milvus backend's reader (:class:`~rag.index.backend.Searchable`):
    candidates come from the server, filters applied there."""

    def __init__(self, settings, manifest: dict):
        self.settings = settings
        self.collections = _Collections(settings)
        self.size = int(manifest.get("n_chunks", 0))
        self._days = {dt.date.fromisoformat(d): n for d, n in manifest.get("days", {}).items()}
        self.newest_day = max(self._days, default=None)
        self._sentences = bool(manifest.get("sentence_vectors"))
        # What the searches returned, for passages() and article_days(): the
        # most recent ones (a query reads back its own, which are the newest).
        self._passages: OrderedDict[int, Passage] = OrderedDict()
        self._article_days: OrderedDict[str, dt.date | None] = OrderedDict()
        self._lock = threading.Lock()

    @classmethod
    def open(cls, settings, embedder) -> "MilvusSearchable":
        manifest = _Collections(settings).built_manifest()
        check_config(manifest, expected_config(settings, embedder.name, embedder.dim),
                     _where(settings), rebuild=rebuild_command(settings, _flags(settings)))
        return cls(settings, manifest)

    def _search(self, name: str, data, field_name: str, metric: str, n: int, filters: Filters,
                fields: list[str]) -> list[dict]:
        c = self.collections
        params = {"metric_type": metric}
        if metric == "BM25":
            params["params"] = {"drop_ratio_search": 0.0}
        with c.request("searching"):
            return c.client.search(name, data=[data], anns_field=field_name,
                                   limit=max(1, min(n, MAX_LIMIT)),
                                   filter=filter_expression(filters), output_fields=fields,
                                   search_params=params, timeout=REQUEST_TIMEOUT)[0]

    def _visible(self, results: list[dict], scale: float = 1.0) -> dict[int, float]:
        """Chunk id -> score (the distance divided by ``scale``) of the results
        whose article record carries their hash (see the module docstring)."""
        if not results:
            return {}
        current = {row["article_id"]: row for row in self.collections.article_rows(
            {r["entity"]["article_id"] for r in results}, ["article_id", "hash", "day"])}
        out = {}
        for result in results:
            entity = result["entity"]
            record = current.get(entity["article_id"])
            if record is not None and record["hash"] == entity["article_hash"]:
                self._remember(entity, _day_of(record["day"]))
                out[int(entity["chunk_id"])] = float(result["distance"]) / scale
        return out

    def _remember(self, entity: dict, day: dt.date | None) -> None:
        """Keep a found passage and its article's day, for :meth:`passages` and
        :meth:`article_days` (the most recent :data:`REMEMBERED`)."""
        cid, aid = int(entity["chunk_id"]), entity["article_id"]
        chunk = Chunk(aid, entity["start_char"], entity["end_char"], entity["text"],
                      entity["n_tokens"])
        with self._lock:
            self._passages[cid] = Passage(cid, _article_of(entity), chunk)
            self._passages.move_to_end(cid)
            self._article_days[aid] = day
            self._article_days.move_to_end(aid)
            for remembered in (self._passages, self._article_days):
                while len(remembered) > REMEMBERED:
                    remembered.popitem(last=False)

    def dense(self, vector: np.ndarray, n: int, filters: Filters) -> dict[int, float]:
        vector = np.asarray(vector, dtype=np.float32).ravel().tolist()
        return self._visible(self._search(self.collections.passages, vector, "vector", "IP",
                                          n, filters, _PASSAGE_FIELDS))

    def _bm25(self, name: str, question: str, n: int, filters: Filters,
              fields: list[str]) -> list[dict]:
        """The BM25 results that score (none for a question of stop words only)."""
        words = _words(question)
        if not words:
            return []
        return [r for r in self._search(name, words, "sparse", "BM25", n, filters, fields)
                if r["distance"] > 0]

    def bm25(self, question: str, n: int, filters: Filters) -> dict[int, float]:
        results = self._bm25(self.collections.passages, question, n, filters, _PASSAGE_FIELDS)
        return self._visible(results, _BM25_SCALE)

    def bm25_articles(self, question: str, n: int, filters: Filters) -> dict[str, float]:
        results = self._bm25(self.collections.articles, question, n, filters, ["article_id"])
        return {r["entity"]["article_id"]: float(r["distance"]) / _BM25_SCALE for r in results}

    def passages(self, ids: Iterable[int]) -> dict[int, Passage]:
        with self._lock:
            return {cid: self._passages[cid] for cid in ids}

    def article_days(self, article_ids=()) -> dict[str, dt.date | None]:
        return {aid: self._article_days.get(aid) for aid in article_ids}

    def day_counts(self) -> dict[dt.date, int]:
        return self._days

    def article(self, article_id: str) -> Article | None:
        c = self.collections
        rows = c.article_rows([article_id], [*_ARTICLE_FIELDS, "text"])
        if not rows:
            return None
        row = rows[0]
        parts = c.text_parts(_text_records(row["hash"])) if row["n_parts"] > 1 else {}
        return _article_of(row, _whole_text(row, parts))

    def articles(self) -> list[Article]:
        return [_article_of(row) for row in self.collections.article_rows()]

    def sentence_vectors(self, texts) -> dict:
        if not self._sentences or not texts:
            return {}
        codes = self.collections.sentence_codes(sentence_key(t) for t in texts)
        if not codes:
            return {}
        stored = SentenceVectors.from_codes(
            np.fromiter(codes, dtype=np.uint64, count=len(codes)),
            np.frombuffer(b"".join(codes.values()), dtype=np.int8).reshape(len(codes), -1))
        return stored.lookup(texts)

    def warm_up(self) -> None:
        c = self.collections
        with c.request("loading the collections"):
            for name in (c.passages, c.articles) + ((c.sentences,) if self._sentences else ()):
                c.client.load_collection(name, timeout=REQUEST_TIMEOUT)


# ---------------------------------------------------------------------- a local server
def start_lite_server(db_file: Path, port: int):
    """Start milvus-lite serving ``db_file`` on ``127.0.0.1:port`` (the network
    path a Milvus server is reached by); returns the server, whose ``stop()``
    ends it. For tests and trials: production runs a Milvus server or cluster."""
    _prepare_milvus_lite()
    from milvus_lite.server import Server

    server = Server(str(db_file), address=f"127.0.0.1:{port}")
    if not server.init() or not server.start():
        raise MilvusUnavailable(f"milvus-lite could not start on 127.0.0.1:{port} "
                                f"with {db_file}")
    return server
