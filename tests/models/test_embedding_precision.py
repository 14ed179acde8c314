"""``sentence_precision``: the stored sentence vectors are computed in bfloat16
where the CPU does it natively (AMX-BF16), in fp32 elsewhere; passages always
in fp32; bfloat16 vectors never stand in for fp32 ones in the on-disk vector
cache. (No model is loaded: the
sentence-transformers model is a fake that records torch's autocast state.)"""

import numpy as np
import pytest
import torch

from rag.models import embedding
from rag.models.cache import CachedEmbedder
from rag.models.embedding import (
    SentenceEmbedder,
    cpu_flags,
    encode_longest_first,
    make_embedder,
    native_bf16,
    resolve_precision,
)
from rag.settings import Settings
from tests.conftest import fresh_python


@pytest.fixture
def cpu(monkeypatch):
    """``cpu(**flags)``: the CPU reports these instruction-set flags (and nothing else)."""
    def have(**flags):
        monkeypatch.setattr(embedding, "cpu_flags",
                            lambda: frozenset(k for k, v in flags.items() if v))
    yield have


class AutocastRecorder:
    """Stands in for the sentence-transformers model: records, per call,
    whether it ran under bfloat16 autocast."""

    def __init__(self):
        self.bf16 = []

    def encode(self, texts, **kwargs):
        self.bf16.append(torch.is_autocast_enabled("cpu")
                         and torch.get_autocast_dtype("cpu") == torch.bfloat16)
        return np.ones((len(texts), 384), dtype=np.float32)


def test_auto_is_bf16_on_a_cpu_with_amx_bf16(cpu):
    cpu(amx_bf16=True, amx_tile=True, avx512_bf16=True)
    assert resolve_precision("auto") == "bf16"
    assert SentenceEmbedder(precision="auto").precision == "bf16"


def test_auto_is_fp32_where_bfloat16_is_only_emulated_or_avx512_bf16_alone(cpu):
    cpu(avx512_f=True, avx512_bw=True, avx512_bf16=True)
    assert resolve_precision("auto") == "fp32"
    cpu(avx2=True)
    assert SentenceEmbedder(precision="auto").precision == "fp32"


def test_fp32_and_bf16_are_kept_whatever_the_cpu(cpu):
    cpu(amx_bf16=True)
    assert SentenceEmbedder(precision="fp32").precision == "fp32"
    cpu()
    assert SentenceEmbedder(precision="bf16").precision == "bf16"


def test_an_unknown_precision_is_refused_with_the_choices():
    with pytest.raises(ValueError, match="auto, fp32 or bf16"):
        resolve_precision("fp16")
    with pytest.raises(ValueError, match="auto, fp32 or bf16"):
        SentenceEmbedder(precision="float16")


def test_the_index_model_computes_passages_in_fp32_even_on_amx(cpu):
    cpu(amx_bf16=True)
    assert make_embedder(Settings()).precision == "fp32"


def test_a_precision_view_shares_the_loaded_model_and_leaves_the_model_as_it_was(cpu):
    cpu(amx_bf16=True)
    embedder = SentenceEmbedder()
    embedder._model = model = AutocastRecorder()
    view = embedder.with_precision("auto")
    assert view is not embedder and view._model is model and view.precision == "bf16"
    assert embedder.with_precision("fp32") is embedder and embedder.precision == "fp32"
    view.encode(["a sentence"])
    embedder.encode(["a passage"])
    assert model.bf16 == [True, False]


def test_stored_sentences_are_embedded_in_the_sentence_precision_passages_in_fp32(cpu):
    from rag.index.sentences import embed_sentences

    cpu(amx_bf16=True)
    embedder = SentenceEmbedder(batch_size=4)
    embedder._model = model = AutocastRecorder()
    embedder.token_counts = lambda texts: [len(t) for t in texts]
    embed_sentences(embedder, ["One sentence.", "Another one."], "auto")
    embed_sentences(embedder, ["One sentence."], "fp32")
    embedder.encode(["a passage"])
    assert model.bf16 == [True, False, False]


def test_a_cached_embedder_hands_the_precision_on_and_keeps_its_vectors_apart(tmp_path, cpu):
    cpu(amx_bf16=True)
    embedder = SentenceEmbedder()
    embedder._model = AutocastRecorder()
    cached = CachedEmbedder(embedder, cache_dir=tmp_path)
    assert cached.with_precision("fp32") is cached
    view = cached.with_precision("bf16")
    assert view.inner.precision == "bf16" and view.cache_dir == tmp_path
    assert cached.with_precision("auto") is view        # one view, not one per build


@pytest.mark.parametrize("precision, expected", [("bf16", True), ("fp32", False)])
def test_the_model_runs_under_bfloat16_autocast_only_in_bf16(precision, expected):
    embedder = SentenceEmbedder(batch_size=8, precision=precision)
    embedder._model = model = AutocastRecorder()
    embedder.encode(["one question"])
    embedder.encode([f"passage {i}" for i in range(8)])
    assert model.bf16 == [expected, expected]
    assert not torch.is_autocast_enabled("cpu")          # left as it was


def test_a_builds_worker_threads_each_run_in_bf16(monkeypatch):
    """autocast is per thread: the build's workers enter it themselves."""
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    embedder = SentenceEmbedder(batch_size=2, precision="bf16")
    embedder._model = model = AutocastRecorder()
    embedder.token_counts = lambda texts: [len(t) for t in texts]
    encode_longest_first(embedder, [f"text {'x' * i}" for i in range(7)], 2)
    assert len(model.bf16) == 4 and all(model.bf16)


class Precise:
    """A fake model of a given precision: its vectors say which it is."""

    name = "fake-model"
    dim = 2

    def __init__(self, precision):
        self.precision = precision
        self.encoded = 0

    def encode(self, texts, *, progress=False):
        self.encoded += len(texts)
        row = [1.0, 0.0] if self.precision == "fp32" else [0.0, 1.0]
        return np.array([row] * len(texts), dtype=np.float32)


def test_the_disk_cache_keeps_bf16_and_fp32_vectors_apart(tmp_path):
    fp32, bf16 = Precise("fp32"), Precise("bf16")
    CachedEmbedder(fp32, cache_dir=tmp_path).encode(["a text"])
    got = CachedEmbedder(bf16, cache_dir=tmp_path).encode(["a text"])
    assert bf16.encoded == 1 and got.tolist() == [[0.0, 1.0]]      # not fp32's vector
    again = CachedEmbedder(Precise("fp32"), cache_dir=tmp_path).encode(["a text"])
    assert again.tolist() == [[1.0, 0.0]]
    # fp32 vectors stay where caches written before precisions existed keep them
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "embeddings-fake-model.sqlite", "embeddings-fake-model_bf16.sqlite"]


def test_cpu_flags_are_read_from_cpuinfo_without_torch(tmp_path):
    info = tmp_path / "cpuinfo"
    info.write_text("processor\t: 0\nmodel name\t: Xeon\n"
                    "flags\t\t: fpu avx512f avx512_bf16 amx_bf16 amx_tile\n")
    assert cpu_flags(str(info)) == {"fpu", "avx512f", "avx512_bf16", "amx_bf16", "amx_tile"}


def test_native_bf16_means_amx_bf16_in_the_cpu_flags(cpu):
    cpu(amx_bf16=True)
    assert native_bf16()
    cpu(avx512_bf16=True)
    assert not native_bf16()


def test_cpu_flags_on_arm_linux_come_from_the_features_line_without_torch(tmp_path):
    info = tmp_path / "cpuinfo"
    info.write_text("processor\t: 0\nFeatures\t: fp asimd evtstrm aes\nCPU implementer\t: 0x41\n")
    code = ("import sys\n"
            "from rag.models.embedding import cpu_flags\n"
            f"print(sorted(cpu_flags({str(info)!r})), 'torch' in sys.modules)\n")
    run = fresh_python(code)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["['aes',", "'asimd',", "'evtstrm',", "'fp']", "False"]


def test_cpu_flags_without_cpuinfo_on_a_non_x86_machine_import_no_torch(tmp_path):
    """A server with query_backend auto on an Apple Silicon Mac asks for the
    flags: AMX-BF16 is x86's, so no torch is loaded to look for it."""
    code = ("import platform, sys\n"
            "platform.machine = lambda: 'arm64'\n"
            "from rag.models.embedding import cpu_flags\n"
            f"print(sorted(cpu_flags({str(tmp_path / 'none')!r})), 'torch' in sys.modules)\n")
    run = fresh_python(code)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["[]", "False"]
