"""Sentence vectors stored with the index (rag.index.sentences): answering looks
them up instead of running the model, they follow incremental changes, and an
index without them still answers."""

import numpy as np
from conftest import QUAKE

from rag.engine import Engine
from rag.index.builder import Index
from rag.index.lexical import BM25_FILE
from rag.index.sentences import (
    SENTENCES_FILE,
    SentenceVectors,
    sentence_texts,
    stored_sentence_vectors,
)
from rag.index.store import StoredIndex, live_version, read_manifest


def stored(engine) -> SentenceVectors:
    index = StoredIndex.load(engine.settings.index_dir, version_files=(stored_sentence_vectors,))
    return index.extras[SENTENCES_FILE]


def test_every_sentence_of_every_passage_is_stored_and_checksummed(engine):
    index = StoredIndex.load(engine.settings.index_dir)
    texts = sentence_texts(index.chunks)
    assert "The US decided not to use its veto." in texts
    assert len(stored(engine)) == len(texts)
    assert SENTENCES_FILE in read_manifest(engine.settings.index_dir)["files"]


def test_looked_up_vectors_are_the_models_to_within_int8_rounding(engine):
    texts = ["The US decided not to use its veto.", "A storm hit the coast."]
    found = stored(engine).lookup(texts + ["not a sentence of the index"])
    assert list(found) == texts
    exact = engine.embedder.encode(texts)
    for text, vector in zip(texts, exact):
        assert abs(float(np.linalg.norm(found[text])) - 1.0) < 1e-5
        assert float(found[text] @ vector) > 0.999


def test_quantized_dot_products_stay_within_a_few_thousandths_of_the_exact_ones():
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(200, 384)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    texts = [f"sentence {i}" for i in range(200)]
    found = SentenceVectors.from_vectors(texts, vectors).lookup(texts)
    looked_up = np.vstack([found[t] for t in texts])
    assert np.abs(looked_up @ looked_up.T - vectors @ vectors.T).max() < 3e-3


def test_answering_uses_the_stored_vectors_instead_of_the_model(engine, monkeypatch):
    encoded = []
    model = engine.embedder
    encode = model.encode
    monkeypatch.setattr(model, "encode", lambda texts, **kw: encoded.extend(texts) or
                        encode(texts, **kw))
    reply = engine.answer("Who decided not to use its veto?")
    assert not reply.abstained and reply.sentences
    assert engine.vectors.stored_hits > 0
    # the model ran for the question and texts that are not whole sentences
    # (clauses, trimmed quotes), never for a stored sentence, not even for the
    # corroboration searches made with the answer's sentences
    sentences = set(sentence_texts(StoredIndex.load(engine.settings.index_dir).chunks))
    assert "Who decided not to use its veto?" in encoded
    assert not set(encoded) & sentences


def test_stored_vectors_give_the_same_answer_as_computed_ones(engine):
    with_store = engine.answer("Who decided not to use its veto?")
    without = Engine(engine.settings, engine.embedder)
    without.vectors.stored = None
    plain = without.answer("Who decided not to use its veto?")
    assert with_store.text == plain.text
    assert [c.hit.article_id for c in with_store.citations] == \
        [c.hit.article_id for c in plain.citations]


def test_incremental_add_and_remove_keep_the_vectors_in_line_with_the_passages(engine, tmp_path):
    before = stored(engine)
    story = tmp_path / "quake.txt"
    story.write_text(QUAKE)
    engine.add([story])
    after = stored(engine)
    assert set(before.keys.tolist()) < set(after.keys.tolist())
    assert "An earthquake shook the mountain town." in after.lookup(
        ["An earthquake shook the mountain town."])
    # vectors of sentences already stored are carried over, not recomputed
    kept = np.isin(after.keys, before.keys)
    assert np.array_equal(after.codes[kept], before.codes[np.isin(before.keys, after.keys)])
    engine.remove(["quake"])
    assert set(stored(engine).keys.tolist()) == set(before.keys.tolist())
    assert not stored(engine).lookup(["An earthquake shook the mountain town."])


def test_an_index_without_sentence_vectors_still_answers_and_the_next_build_adds_them(engine):
    settings = engine.settings
    # an index written before the file existed: only BM25 beside the vectors
    Index(settings, engine.embedder, version_files=(BM25_FILE,)).build(full=True, progress=False)
    assert SENTENCES_FILE not in read_manifest(settings.index_dir)["files"]
    old = Engine(settings, engine.embedder)
    reply = old.answer("Who decided not to use its veto?")
    assert not reply.abstained and old.vectors.stored_hits == 0
    version = live_version(settings.index_dir)
    summary = old.build(progress=False)
    assert summary.written and summary.chunks_embedded == 0
    assert live_version(settings.index_dir) != version
    assert SENTENCES_FILE in read_manifest(settings.index_dir)["files"]
    fresh = Engine(settings, engine.embedder)
    assert fresh.answer("Who decided not to use its veto?").text == reply.text
    assert fresh.vectors.stored_hits > 0


def test_with_the_setting_off_the_build_keeps_no_sentence_vectors_and_answers_the_same(engine):
    settings = engine.settings.replace(sentence_vectors=False)
    reply = engine.answer("Who decided not to use its veto?")
    off = Engine(settings, engine.embedder)
    assert off.build(full=True, progress=False).written
    assert SENTENCES_FILE not in read_manifest(settings.index_dir)["files"]
    assert off.answer("Who decided not to use its veto?").text == reply.text
