"""The ONNX Runtime backends give the model's vectors (int8: nearly), from
files exported locally, and an int8 index is never searched with fp32 vectors;
the OpenVINO question backend (bf16 where the CPU has it) gives them nearly."""

import importlib.util

import numpy as np
import pytest

from rag.models.embedding import OnnxEmbedder, SentenceEmbedder, make_embedder
from rag.settings import Settings

NEEDS_OPENVINO = pytest.mark.skipif(importlib.util.find_spec("openvino") is None,
                                    reason="the openvino extra is not installed")
TEXTS = ["Who decided not to use its veto?",
         "The US, Israel's biggest ally, decided not to use its veto power, allowing the "
         "Security Council resolution demanding an immediate ceasefire to pass.",
         "Storm damage", "word " * 400]


def test_unknown_backend_is_refused_with_the_choices():
    with pytest.raises(ValueError, match="torch, onnx or onnx-int8"):
        make_embedder(Settings().replace(embed_backend="tensorrt"))


def test_int8_model_has_its_own_name_so_indexes_do_not_mix():
    assert OnnxEmbedder(int8=True).name != OnnxEmbedder(int8=False).name == \
        SentenceEmbedder().name


@pytest.mark.e2e
def test_onnx_backends_reproduce_the_sentence_transformers_vectors(tmp_path_factory):
    cache = tmp_path_factory.mktemp("models")
    reference = SentenceEmbedder(precision="fp32").encode(TEXTS)
    fp32 = make_embedder(Settings().replace(embed_backend="onnx", model_cache_dir=cache))
    int8 = make_embedder(Settings().replace(embed_backend="onnx-int8", model_cache_dir=cache))
    same = np.sum(reference * fp32.encode(TEXTS), axis=1)
    near = np.sum(reference * int8.encode(TEXTS), axis=1)
    assert same.min() > 0.9999
    assert near.min() > 0.97 and near.mean() > 0.98
    assert fp32.model_file().parent == int8.model_file().parent   # exported once, kept
    assert np.allclose(np.linalg.norm(int8.encode(TEXTS[:2]), axis=1), 1, atol=1e-5)
    # a build orders its batches by these counts on either backend
    assert fp32.token_counts(TEXTS) == SentenceEmbedder().token_counts(TEXTS)


@pytest.mark.e2e
def test_bf16_vectors_are_the_fp32_vectors_to_a_cosine_of_0_9999():
    """bfloat16 autocast (sentence_precision, auto on AMX CPUs) gives the same
    model's vectors, about as close to fp32's as the int8 codes an index
    stores sentence vectors as (docs/performance.md), unit length."""
    reference = SentenceEmbedder(precision="fp32").encode(TEXTS)
    bf16 = SentenceEmbedder(precision="bf16").encode(TEXTS)
    assert np.allclose(np.linalg.norm(bf16, axis=1), 1, atol=1e-5)
    assert np.sum(reference * bf16, axis=1).min() > 0.9999


@pytest.mark.e2e
@pytest.mark.parametrize("backend, name", [("onnx", "all-MiniLM-L6-v2"),
                                           ("onnx-int8", "all-MiniLM-L6-v2+int8"),
                                           pytest.param("openvino", "all-MiniLM-L6-v2+openvino",
                                                        marks=NEEDS_OPENVINO)])
def test_onnx_questions_on_an_index_with_stored_sentences_answer_without_torch(
        seed_engine, tmp_path, backend, name):
    """A serving process on an ONNX query backend (the default one, and int8)
    answers from the seed index (torch passage and sentence vectors) without
    importing torch: the question and the few texts the index does not store
    go to ONNX Runtime."""
    from conftest import fresh_python

    cache = seed_engine.settings.model_cache_dir
    exported = "onnx" if backend == "openvino" else backend      # (openvino runs that file)
    make_embedder(Settings().replace(embed_backend=exported,
                                     model_cache_dir=cache)).model_file()  # exported here
    code = ("import sys\n"
            "from pathlib import Path\n"
            "from rag.engine import Engine\n"
            "from rag.settings import Settings\n"
            f"s = Settings().replace(index_dir=Path({str(seed_engine.settings.index_dir)!r}),\n"
            f"    articles_dir=Path({str(seed_engine.settings.articles_dir)!r}),\n"
            f"    query_backend={backend!r})\n"
            "e = Engine(s)\n"
            "e.warm_up()\n"
            "a = e.answer('Who decided not to use its veto?')\n"
            "print(e.vectors.name, bool(a.citations), e.vectors.stored_hits > 0)\n"
            "print(sorted({'torch', 'sentence_transformers'} & set(sys.modules)))\n")
    run = fresh_python(code, timeout=300)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split("\n")[:2] == [f"{name} True True", "[]"]


@pytest.mark.e2e
def test_onnx_vector_of_a_text_does_not_depend_on_the_texts_batched_with_it(tmp_path_factory):
    """Texts are batched by token length and padded per batch: each text's
    vector is the one it gets alone (answers do not change with batching)."""
    onnx = make_embedder(Settings().replace(embed_backend="onnx",
                                            model_cache_dir=tmp_path_factory.mktemp("models")))
    texts = TEXTS + ["Short one.", "Another text of a middling length, about ten words."] * 3
    alone = np.vstack([onnx.encode([t]) for t in texts])
    assert np.allclose(onnx.encode(texts), alone, atol=1e-6)


@pytest.mark.e2e
@NEEDS_OPENVINO
def test_openvino_questions_are_the_onnx_vectors_to_bf16_precision_from_any_thread(
        tmp_path_factory):
    """bf16 keeps a question's vector within 1e-4 of fp32's cosine (SciFact
    and news-dev: 0.99998) on the fixed-length models (single texts) and the
    free-length one (batches, long texts), and threads answering at once each
    get the vector the text gets alone (each thread runs its own requests)."""
    from concurrent.futures import ThreadPoolExecutor

    settings = Settings().replace(model_cache_dir=tmp_path_factory.mktemp("models"))
    fp32 = make_embedder(settings, "onnx")
    bf16 = make_embedder(settings, "openvino", questions=True)
    texts = TEXTS + ["Short one.", "Another text of a middling length, about ten words."]
    alone = np.vstack([bf16.encode([t]) for t in texts])
    reference = fp32.encode(texts)
    assert np.sum(alone * reference, axis=1).min() > 0.9999
    assert np.sum(bf16.encode(texts) * reference, axis=1).min() > 0.9999     # batched
    assert np.allclose(np.linalg.norm(alone, axis=1), 1, atol=1e-5)
    with ThreadPoolExecutor(4) as pool:
        together = list(pool.map(lambda t: bf16.encode([t])[0], texts * 4))
    assert np.allclose(np.vstack(together), np.vstack([alone] * 4), atol=1e-6)


@pytest.mark.e2e
@NEEDS_OPENVINO
def test_openvino_single_questions_run_on_one_unpinned_stream_and_batches_on_one_per_core(
        tmp_path_factory):
    """A single question's model has one stream, so OpenVINO runs it on the
    asking thread instead of handing it to a stream's thread pinned to a core
    that other work may hold (docs/performance.md); batches keep a stream per
    core so concurrent ones run side by side."""
    import os

    settings = Settings().replace(model_cache_dir=tmp_path_factory.mktemp("models"),
                                  embed_query_threads=1)
    embedder = make_embedder(settings, "openvino", questions=True)
    embedder.warm_up()
    for compiled in embedder._fixed.values():
        assert int(compiled.get_property("NUM_STREAMS")) == 1
        assert compiled.get_property("ENABLE_CPU_PINNING") is False
    assert int(embedder._model.get_property("NUM_STREAMS")) == (os.cpu_count() or 1)
    assert embedder._model.get_property("ENABLE_CPU_PINNING") is False
