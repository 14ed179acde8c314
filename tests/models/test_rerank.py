"""The optional CrossEncoder stage, with a tiny model the test builds itself."""

import pytest

from rag.engine import Engine
from rag.index.searchable import searchable_text
from rag.models.rerank import Reranker

WORDS = "the a storm coast power bank rates veto us vote harbour crane city rain".split()


@pytest.fixture(scope="module")
def tiny_cross_encoder(tmp_path_factory):
    """A randomly initialised one-layer BERT cross-encoder saved to a local directory."""
    torch = pytest.importorskip("torch")
    from transformers import (
        BertConfig,
        BertForSequenceClassification,
        BertTokenizerFast,
    )

    path = tmp_path_factory.mktemp("tiny-cross-encoder")
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *WORDS]
    (path / "vocab.txt").write_text("\n".join(vocab) + "\n")
    BertTokenizerFast(vocab_file=str(path / "vocab.txt")).save_pretrained(path)
    torch.manual_seed(3)
    config = BertConfig(vocab_size=len(vocab), hidden_size=16, num_hidden_layers=1,
                        num_attention_heads=2, intermediate_size=32,
                        max_position_embeddings=128, num_labels=1,
                        initializer_range=1.0)  # large weights: scores vary by input
    BertForSequenceClassification(config).save_pretrained(path)
    return path


@pytest.fixture
def engine(build_engine):
    return build_engine({f"s{i}.txt": f"The storm hit the coast {'city ' * i}rain {i}."
                         for i in range(6)},
                        duplicate_above=1.0)  # the passages are alike on purpose


def test_reranker_loads_the_local_model_and_scores_each_passage(tiny_cross_encoder):
    reranker = Reranker(tiny_cross_encoder)
    scores = reranker.scores("storm coast", ["storm coast city", "bank rates veto"])
    assert len(scores) == 2 and all(isinstance(x, float) for x in scores)
    assert reranker.scores("storm", []) == []


def test_reranking_orders_the_top_passages_by_cross_encoder_score(engine, tiny_cross_encoder):
    plain = engine.retrieve("storm coast rain", k=6)
    reranking = Engine(engine.settings.replace(reranker_path=tiny_cross_encoder),
                       engine.embedder)
    reranked = reranking.retrieve("storm coast rain", k=6)
    index = engine.retriever.index
    expected = Reranker(tiny_cross_encoder).scores(
        "storm coast rain", [searchable_text(index.articles[h.article_id], h.text) for h in plain])
    by_model = [h.article_id for _, h in sorted(zip(expected, plain), key=lambda p: -p[0])]
    assert [h.article_id for h in reranked] == by_model
    assert by_model != [h.article_id for h in plain]      # the stage really reorders
    assert reranking.retrieve("storm coast rain", k=6, rerank=False) == plain


def test_missing_reranker_directory_says_so(tmp_path):
    with pytest.raises(FileNotFoundError, match="reranker model directory"):
        Reranker(tmp_path / "nope").scores("q", ["p"])
