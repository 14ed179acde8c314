"""The ONNX Runtime backends give the model's vectors (int8: nearly), from
files exported locally, and an int8 index is never searched with fp32 vectors."""

import numpy as np
import pytest

from rag.models.embedding import OnnxEmbedder, SentenceEmbedder, make_embedder
from rag.settings import Settings

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
    reference = SentenceEmbedder().encode(TEXTS)
    fp32 = make_embedder(Settings().replace(embed_backend="onnx", model_cache_dir=cache))
    int8 = make_embedder(Settings().replace(embed_backend="onnx-int8", model_cache_dir=cache))
    same = np.sum(reference * fp32.encode(TEXTS), axis=1)
    near = np.sum(reference * int8.encode(TEXTS), axis=1)
    assert same.min() > 0.9999
    assert near.min() > 0.97 and near.mean() > 0.98
    assert fp32.model_file().parent == int8.model_file().parent   # exported once, kept
    assert np.allclose(np.linalg.norm(int8.encode(TEXTS[:2]), axis=1), 1, atol=1e-5)
