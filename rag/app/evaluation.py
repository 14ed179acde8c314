"""Measuring retrieval quality on a directory of data (``rag eval beir|news``).

Two formats:

* **BEIR** (``corpus.jsonl`` with ``_id``/``title``/``text``, ``queries.jsonl``
  with ``_id``/``text``, ``qrels/test.tsv``): document-level nDCG@10 and
  Recall@100 as BEIR computes them (``pytrec_eval``'s ``ndcg_cut`` with the
  qrels' graded gains, ``recall``; a query's own id is never a result). A
  document scores as its best passage.
* **News** (``articles.jsonl`` with ``id``/``url``/``source``/``title``/
  ``date``/``text``, ``questions.jsonl`` with ``question``/``answers``/
  ``answer_in_corpus``): over questions whose answer is in the corpus, AR@k is
  the share whose top k passages contain a gold answer after lower-casing and
  folding punctuation (:func:`normalize_answer_text`), for k = 1, 5, 10, plus
  MRR@10 and the mean passage length in tokens. A question with a ``date``
  (the day it was asked) is retrieved as of that day, so "this week" means
  that week (:mod:`rag.search.recency`); ``question_dates=False`` ignores the dates.

The data is indexed into a fresh index directory with the settings given (so
variants can be compared); an embedding cache makes repeated runs cheap.
Answers are measured in :mod:`rag.app.answer_evaluation` (``rag eval
answers``), with the same gold-answer matching (:func:`contains_answer`).
"""

from __future__ import annotations

import csv
import json
import logging
import math
import statistics
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

from ..index.store import IndexError_
from ..ingest.articles import Article, article_from_record, read_jsonl_articles
from ..search.recency import asked_on
from ..text.normalize import normalize_answer_text

__all__ = ["ndcg_at_k", "recall_at_k", "normalize_answer_text", "contains_answer",
           "exact_match", "token_f1", "answer_rank", "read_beir", "read_news", "news_articles",
           "BeirData", "NewsData", "EvalReport", "evaluate_beir", "evaluate_news",
           "RETRIEVAL_SETTINGS", "scratch_index", "engine_for", "settings_used"]

#: Settings that shape retrieval; the report lists the values used.
RETRIEVAL_SETTINGS = ("retrieval_method", "candidates", "fusion", "dense_weight", "rrf_k",
                      "article_weight", "duplicate_above", "max_per_article", "reranker_path",
                      "rerank_candidates", "recency_weight", "recency_half_life_days",
                      "as_of", "chunk_tokens", "chunk_overlap_tokens", "model_name",
                      "embed_backend", "query_backend")


# ------------------------------------------------------------------ metrics
def ndcg_at_k(ranked: Sequence[str], qrels: dict[str, int], k: int = 10) -> float:
    """nDCG@k as trec_eval's ``ndcg_cut``: gain = the qrels grade, discount
    ``log2(rank + 1)``, ideal = the judged grades sorted, cut at ``k``."""
    dcg = sum(qrels.get(doc, 0) / math.log2(rank + 1)
              for rank, doc in enumerate(ranked[:k], 1))
    ideal = sorted((g for g in qrels.values() if g > 0), reverse=True)[:k]
    idcg = sum(g / math.log2(rank + 1) for rank, g in enumerate(ideal, 1))
    return dcg / idcg if idcg > 0 else 0.0


def recall_at_k(ranked: Sequence[str], qrels: dict[str, int], k: int = 100) -> float:
    """Share of the relevant (grade > 0) documents found in the top ``k``."""
    relevant = {doc for doc, grade in qrels.items() if grade > 0}
    if not relevant:
        return 0.0
    return len(relevant & set(ranked[:k])) / len(relevant)


def contains_answer(passage: str, answers: Iterable[str]) -> bool:
    """Whether a gold answer occurs in ``passage`` as whole words, after
    :func:`normalize_answer_text` on both."""
    text = f" {normalize_answer_text(passage)} "
    return any(norm and f" {norm} " in text for norm in map(normalize_answer_text, answers))


def exact_match(prediction: str | None, answers: Iterable[str]) -> float:
    """SQuAD exact match: 1.0 when ``prediction`` equals a gold answer after
    :func:`normalize_answer_text` (articles dropped); 0.0 for no prediction."""
    if not prediction:
        return 0.0
    norm = normalize_answer_text(prediction, drop_articles=True)
    return float(any(norm == normalize_answer_text(a, drop_articles=True) for a in answers))


def token_f1(prediction: str | None, answers: Iterable[str]) -> float:
    """SQuAD F1: the best over gold answers of the harmonic mean of token
    precision and recall (tokens of :func:`normalize_answer_text`, articles
    dropped); 0.0 for no prediction."""
    if not prediction:
        return 0.0
    predicted = normalize_answer_text(prediction, drop_articles=True).split()
    best = 0.0
    for answer in answers:
        gold = normalize_answer_text(answer, drop_articles=True).split()
        common = sum((Counter(predicted) & Counter(gold)).values())
        if common:
            precision, recall = common / len(predicted), common / len(gold)
            best = max(best, 2 * precision * recall / (precision + recall))
    return best


def answer_rank(passages: Sequence[str], answers: Sequence[str]) -> int | None:
    """1-based rank of the first passage containing an answer, or ``None``."""
    for rank, passage in enumerate(passages, 1):
        if contains_answer(passage, answers):
            return rank
    return None


# --------------------------------------------------------------------- data
@dataclass
class BeirData:
    articles: list[Article]
    queries: dict[str, str]                 # query id -> text (only judged ones)
    qrels: dict[str, dict[str, int]]        # query id -> {doc id: grade}


@dataclass
class NewsData:
    articles: list[Article]
    questions: list[dict]                   # those with answer_in_corpus
    skipped: int = 0                        # questions without an answer in the corpus


def _jsonl(path: Path) -> list[dict]:
    rows = []
    with open(path, encoding="utf-8") as lines:
        for n, line in enumerate(lines, 1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except ValueError as exc:
                    raise ValueError(f"{path}:{n}: not valid JSON ({exc})") from None
    return rows


def _check_data(directory: Path, kind: str, files: tuple[str, ...]) -> Path:
    """``directory``, or a one-line error naming what is missing and what a
    ``kind`` directory holds."""
    directory = Path(directory)
    holds = f"a {kind} directory holds {', '.join(files)}"
    if not directory.is_dir():
        raise FileNotFoundError(f"{directory} is not a directory: {holds}")
    if missing := [f for f in files if not (directory / f).is_file()]:
        raise FileNotFoundError(f"{directory} has no {' or '.join(missing)}: {holds}")
    return directory


def read_beir(directory: Path, split: str = "test") -> BeirData:
    directory = _check_data(directory, "BEIR",
                            ("corpus.jsonl", "queries.jsonl", f"qrels/{split}.tsv"))
    articles = [article_from_record(row, str(row["_id"]), str(directory / "corpus.jsonl"))
                for row in _jsonl(directory / "corpus.jsonl")]
    qrels: dict[str, dict[str, int]] = {}
    with open(directory / "qrels" / f"{split}.tsv", encoding="utf-8") as table:
        rows = csv.reader(table, delimiter="\t")
        for row in rows:
            if len(row) < 3 or not row[2].strip().lstrip("-").isdigit():
                continue  # the header line
            qrels.setdefault(row[0], {})[row[1]] = int(row[2])
    queries = {str(q["_id"]): q["text"] for q in _jsonl(directory / "queries.jsonl")
               if str(q["_id"]) in qrels}
    qrels = {qid: docs for qid, docs in qrels.items() if qid in queries}
    return BeirData([a for a in articles if a.text.strip()], queries, qrels)


def news_articles(directory: Path) -> list[Article]:
    """The articles of a news directory's ``articles.jsonl`` (empty ones left out)."""
    return [a for a in read_jsonl_articles(Path(directory) / "articles.jsonl") if a.text.strip()]


def read_news(directory: Path) -> NewsData:
    directory = _check_data(directory, "news", ("articles.jsonl", "questions.jsonl"))
    articles = news_articles(directory)
    rows = _jsonl(directory / "questions.jsonl")
    kept = [q for q in rows if q.get("answer_in_corpus", True) and q.get("answers")]
    return NewsData(articles, kept, len(rows) - len(kept))


# ------------------------------------------------------------------ running
@dataclass
class EvalReport:
    """What ``rag eval`` prints: the metrics, then how they were obtained."""

    metrics: dict[str, float]
    n_queries: int
    build_seconds: float
    query_ms_p50: float
    settings: dict = field(default_factory=dict)
    #: Each query's own figures, by query id (news: the question's ``id``, or the
    #: question when it has none, ``#2``, ``#3``... added to an id that repeats;
    #: a news question's rank of its first passage with a gold answer, ``None``
    #: when none in the top 10):
    #: which queries two runs rank differently (``rag eval ... --per-query FILE``).
    per_query: dict[str, dict] = field(default_factory=dict)

    def to_json(self) -> dict:
        """The metrics unrounded (a decision may rest on their fifth digit; the
        table rounds them to four), then the run's details."""
        return {**self.metrics,
                "n_queries": self.n_queries, "build_seconds": round(self.build_seconds, 1),
                "query_ms_p50": round(self.query_ms_p50, 1), "settings": self.settings}

    def per_query_lines(self) -> list[str]:
        """One JSON line a query, sorted by query: two runs' files ``diff``."""
        return [json.dumps({"query": query, **values}, ensure_ascii=False)
                for query, values in sorted(self.per_query.items())]

    def to_table(self, title: str) -> str:
        rows = [(name, f"{value:.4f}" if name != "mean_passage_tokens" else f"{value:.1f}")
                for name, value in self.metrics.items()]
        rows += [("n_queries", str(self.n_queries)),
                 ("build_seconds", f"{self.build_seconds:.1f}"),
                 ("query_ms_p50", f"{self.query_ms_p50:.1f}")]
        rows += [(f"  {k}", str(v)) for k, v in self.settings.items()]
        width = max(len(name) for name, _ in rows)
        return "\n".join([title, *(f"{name.ljust(width)}  {value}" for name, value in rows)])


def engine_for(settings, articles: list[Article], embedder, progress: bool):
    """An engine over ``articles`` indexed into ``settings.index_dir``.

    With ``settings.embedding_cache_dir`` the passages' vectors come from (and
    go to) the cache; questions are always embedded afresh, so the query
    timings are honest."""
    from ..engine import Engine
    from ..index.backend import make_index
    from ..models.cache import CachedEmbedder
    from ..models.embedding import make_embedder, make_query_embedder

    if settings.retrieval_method == "bm25" and embedder is None:
        embedder = _NoVectors()  # BM25 alone needs no model: skip minutes of embedding
    # The settings' own model: questions on their query backend (a given
    # embedder answers its own questions).
    own = embedder is None
    embedder = embedder or make_embedder(settings)
    corpus_embedder = (CachedEmbedder(embedder, cache_dir=settings.embedding_cache_dir)
                       if settings.embedding_cache_dir else embedder)
    started = time.perf_counter()
    make_index(settings, corpus_embedder).build(progress=progress, articles=articles)
    engine = Engine(settings, make_query_embedder(settings, embedder) if own else embedder)
    engine.retriever.warm_up()
    return engine, time.perf_counter() - started


def _timed(engine, questions: Sequence[str], k: int, options: dict,
           as_of: Sequence[str | None] | None = None):
    """Hits per question (each as of its ``as_of`` day, if given) and the
    per-query milliseconds."""
    results, millis = [], []
    for question, day in zip(questions, as_of or [None] * len(questions)):
        started = time.perf_counter()
        results.append(engine.retrieve(question, k, as_of=day, **options))
        millis.append((time.perf_counter() - started) * 1000)
    return results, millis


def settings_used(settings, options: dict) -> dict:
    from ..models.embedding import resolve_query_backend

    used = {name: getattr(settings, name) for name in RETRIEVAL_SETTINGS}
    used["query_backend"] = resolve_query_backend(settings.query_backend)   # auto: which
    if options.get("method"):
        used["retrieval_method"] = options["method"]
    if options.get("max_per_article") is not None:
        used["max_per_article"] = options["max_per_article"]
    for name in ("sources", "date_from", "date_to"):
        if options.get(name):
            used[name] = options[name]
    return {k: str(v) if isinstance(v, Path) else v for k, v in used.items()}


def evaluate_beir(directory: Path, settings, embedder=None, *, progress: bool = True,
                  options: dict | None = None) -> EvalReport:
    """nDCG@10 and Recall@100 of retrieval over a BEIR-format directory."""
    options = dict(options or {})
    data = read_beir(directory)
    with scratch_index(settings) as scratch:
        # Retrieval only: no sentence vectors (answers are not measured here).
        engine, build_seconds = engine_for(scratch.replace(sentence_vectors=False),
                                           data.articles, embedder, progress)
        # Enough passages for 100 distinct documents (a document scores as its
        # best passage, so later passages of a seen document add nothing).
        chunks_per_doc = engine.retriever.searchable.size / max(1, len(data.articles))
        k = max(100, math.ceil(100 * chunks_per_doc * 1.5))
        ids = list(data.queries)
        results, millis = _timed(engine, [data.queries[q] for q in ids], k, options)
    per_query = {}
    for qid, hits in zip(ids, results):
        ranked = list(dict.fromkeys(h.article_id for h in hits if h.article_id != qid))
        per_query[qid] = {"ndcg@10": ndcg_at_k(ranked, data.qrels[qid], 10),
                          "recall@100": recall_at_k(ranked, data.qrels[qid], 100)}
    metrics = {name: _mean([q[name] for q in per_query.values()])
               for name in ("ndcg@10", "recall@100")}
    return EvalReport(metrics, len(ids), build_seconds, _p50(millis),
                      settings_used(settings, options), per_query)


def evaluate_news(directory: Path, settings, embedder=None, *, progress: bool = True,
                  options: dict | None = None, question_dates: bool = True) -> EvalReport:
    """AR@1/5/10, MRR@10 and the mean passage length over a news directory.

    Each question is retrieved as of its ``date`` when it has one (and no
    ``as_of`` is set in ``settings``) unless ``question_dates`` is false."""
    options = dict(options or {})
    data = read_news(directory)
    as_of = [asked_on(q, settings).get("as_of") for q in data.questions] \
        if question_dates else None
    with scratch_index(settings) as scratch:
        # Retrieval only: no sentence vectors (answers are not measured here).
        engine, build_seconds = engine_for(scratch.replace(sentence_vectors=False),
                                           data.articles, embedder, progress)
        mean_tokens = _mean([c.n_tokens for c in _chunks_of(engine, data.articles)])
        results, millis = _timed(engine, [q["question"] for q in data.questions], 10, options,
                                 as_of)
    ranks = [answer_rank([h.text for h in hits], q["answers"])
             for q, hits in zip(data.questions, results)]
    metrics = {f"ar@{k}": _mean([r is not None and r <= k for r in ranks]) for k in (1, 5, 10)}
    metrics["mrr@10"] = _mean([1 / r if r else 0.0 for r in ranks])
    metrics["mean_passage_tokens"] = mean_tokens
    used = settings_used(settings, options)
    if as_of and any(as_of):
        used["as_of"] = "each question's date"
    ids = _distinct(str(q.get("id", q["question"])) for q in data.questions)
    per_query = {qid: {"rank": r, "question": q["question"]}
                 for qid, q, r in zip(ids, data.questions, ranks)}
    return EvalReport(metrics, len(ranks), build_seconds, _p50(millis), used, per_query)


def _distinct(ids) -> list[str]:
    """``ids`` with ``#2``, ``#3``... added to the second, third... of an id
    that repeats: every question keeps a line of its own."""
    taken: set[str] = set()
    distinct = []
    for qid in ids:
        name, n = qid, 1
        while name in taken:
            n += 1
            name = f"{qid}#{n}"
        taken.add(name)
        distinct.append(name)
    return distinct


class _NoVectors:
    """Stands in for the model when only BM25 is measured: the scratch index
    gets constant placeholder vectors that no query ever searches."""

    name = "no-vectors"
    dim = 8

    def encode(self, texts, *, progress: bool = False):
        import numpy as np

        vectors = np.zeros((len(texts), self.dim), dtype=np.float32)
        vectors[:, 0] = 1.0
        return vectors

    def warm_up(self) -> None:
        pass


def _chunks_of(engine, articles):
    """The passages of the engine's index (chunked again when a server holds them)."""
    from ..index.backend import EmbeddedSearchable
    from ..index.builder import chunk_articles

    searchable = engine.retriever.searchable
    if isinstance(searchable, EmbeddedSearchable):
        return searchable.index.chunks
    return chunk_articles(articles, engine.settings)


class scratch_index:
    """The settings pointed at a scratch index directory, removed afterwards.
    On a Milvus server (``milvus_uri`` set) the index goes into a scratch
    collection, dropped afterwards; otherwise into a milvus-lite file in the
    scratch directory."""

    def __init__(self, settings):
        self.settings = settings

    def __enter__(self):
        self._tmp = tempfile.TemporaryDirectory(prefix="rag-eval-")
        settings = self.settings.replace(index_dir=Path(self._tmp.name) / "index")
        if settings.backend == "milvus" and settings.milvus_uri:
            import uuid

            settings = settings.replace(
                milvus_collection=f"{settings.milvus_collection}_eval_{uuid.uuid4().hex[:8]}")
        self._used = settings
        return settings

    def __exit__(self, kind, value, traceback):
        try:
            if self._used.backend == "milvus":
                from ..index import milvus

                if self._used.milvus_uri:    # a scratch collection on a server
                    milvus.drop_collections(self._used)
                else:                        # a milvus-lite file: its server holds it
                    milvus.close(self._used)
        except IndexError_ as exc:
            if kind is None:
                raise
            # The evaluation's own failure is the one to report.
            logging.getLogger("rag").warning("the scratch index is left behind: %s", exc)
        finally:
            self._tmp.cleanup()


def _mean(values) -> float:
    values = [float(v) for v in values]
    return sum(values) / len(values) if values else 0.0


def _p50(millis: list[float]) -> float:
    return statistics.median(millis) if millis else 0.0
