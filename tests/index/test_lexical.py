"""BM25: the scores of Lucene's BM25 (as bm25s computes them), kept as raw term
counts so an incremental change reuses the other documents' rows."""

import zipfile

import bm25s
import numpy as np
from conftest import QUAKE, STORM, VETO

from rag.index.lexical import LexicalIndex, LexicalIndexes
from rag.ingest.articles import Article
from rag.ingest.chunking import Chunk
from rag.text.words import tokenize

TEXTS = [VETO, STORM, QUAKE, "The storm hit the storm-battered coast again.",
         "Council members voted on the resolution about the storm relief.", ""]
QUESTIONS = ["storm coast", "veto resolution council", "earthquake town", "storm storm",
             "nothing matches this"]


def test_scores_equal_those_of_bm25s_lucene():
    ours = LexicalIndex.build(TEXTS)
    reference = bm25s.BM25(k1=1.2, b=0.75, method="lucene")
    reference.index([tokenize(t) or [" "] for t in TEXTS], show_progress=False)
    for question in QUESTIONS:
        words = [w for w in tokenize(question) if w in reference.vocab_dict]
        expected = reference.get_scores(words) if words else np.zeros(len(TEXTS))
        np.testing.assert_allclose(ours.scores(question), expected, rtol=1e-5, atol=1e-6)


def test_updated_index_scores_like_one_built_from_scratch():
    old = LexicalIndex.build(TEXTS[:4])
    # Drop document 1, keep 0, 2, 3 in a new order, add two new texts.
    updated = old.updated([3, 0, TEXTS[4], 2, TEXTS[5]])
    fresh = LexicalIndex.build([TEXTS[3], TEXTS[0], TEXTS[4], TEXTS[2], TEXTS[5]])
    for question in QUESTIONS:
        np.testing.assert_allclose(updated.scores(question), fresh.scores(question), rtol=1e-6)
    assert old.n_docs == 4 and old.scores("storm coast")[1] > 0  # the old index is untouched


def _collection(texts: dict[str, str]):
    articles = [Article(id=aid, text=text, title=aid) for aid, text in texts.items()]
    chunks = [Chunk(a.id, 0, len(a.text), a.text, 10) for a in articles]
    return articles, chunks


def test_indexes_reuse_previous_rows_and_tokenise_only_new_text(monkeypatch):
    import rag.index.lexical as lexical

    articles, chunks = _collection({"veto": VETO, "storm": STORM})
    previous = LexicalIndexes.build(articles, chunks, [0, 1])
    more, more_chunks = _collection({"quake": QUAKE})
    tokenised = []
    monkeypatch.setattr(lexical, "tokenize", lambda text: tokenised.append(text) or tokenize(text))
    updated = LexicalIndexes.build(articles[1:] + more, chunks[1:] + more_chunks, [1, 2],
                                   previous=previous)
    assert len(tokenised) == 2 and all("earthquake" in t for t in tokenised)  # passage + article
    monkeypatch.undo()
    scratch = LexicalIndexes.build(articles[1:] + more, chunks[1:] + more_chunks, [1, 2])
    assert updated.article_ids == scratch.article_ids == ["storm", "quake"]
    for question in QUESTIONS:
        np.testing.assert_allclose(updated.passages.scores(question),
                                   scratch.passages.scores(question), rtol=1e-6)
        np.testing.assert_allclose(updated.articles.scores(question),
                                   scratch.articles.scores(question), rtol=1e-6)


def test_indexes_survive_a_write_and_read(tmp_path):
    articles, chunks = _collection({"veto": VETO, "storm": STORM})
    written = LexicalIndexes.build(articles, chunks, [7, 9])
    written.write_file(tmp_path / "bm25.zip")
    read = LexicalIndexes.read_file(tmp_path / "bm25.zip")
    assert (read.article_ids, read.chunk_ids) == (["veto", "storm"], [7, 9])
    assert read.passages.scores("storm").tolist() == written.passages.scores("storm").tolist()


def test_file_of_the_earlier_bm25s_format_reads_as_none(tmp_path):
    """The retriever then builds BM25 in memory; the next change rewrites it."""
    with zipfile.ZipFile(tmp_path / "bm25.zip", "w") as old:
        old.writestr("passages/params.index.json", "{}")
    assert LexicalIndexes.read_file(tmp_path / "bm25.zip") is None

