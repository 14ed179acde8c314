import pytest
from conftest import SEEDS

from rag.ingest.articles import Article, load_articles
from rag.ingest.chunking import chunk_article
from rag.ingest.tokens import count_tokens
from rag.text.sentences import split_sentences


def test_sentences_split_on_terminal_punctuation_but_not_abbreviations():
    text = "Mr. Smith met Dr. Jones in the U.S. on Monday. They spoke. “Is it over?” she asked. Yes!"
    sentences = [text[a:b] for a, b in split_sentences(text)]
    assert sentences == ["Mr. Smith met Dr. Jones in the U.S. on Monday.", "They spoke.",
                         "“Is it over?” she asked.", "Yes!"]


def test_paragraph_break_ends_a_sentence_without_punctuation():
    text = "A headline without a stop\n\nThe body starts here."
    assert [text[a:b] for a, b in split_sentences(text)] == [
        "A headline without a stop", "The body starts here."]


@pytest.mark.parametrize("max_tokens,overlap", [(200, 40), (60, 10), (30, 0)])
def test_chunks_respect_token_limit_and_offsets_round_trip(max_tokens, overlap):
    for article in load_articles(SEEDS):
        chunks = chunk_article(article, max_tokens, overlap)
        assert chunks
        for chunk in chunks:
            assert article.text[chunk.start:chunk.end] == chunk.text
            assert chunk.n_tokens == count_tokens(chunk.text) <= max_tokens
            assert chunk.article_id == article.id
        # Together the chunks cover every sentence of the article.
        covered = set()
        for chunk in chunks:
            covered.update(range(chunk.start, chunk.end))
        for start, end in split_sentences(article.text):
            assert start in covered and end - 1 in covered


def test_consecutive_chunks_overlap_by_whole_sentences():
    text = " ".join(f"Sentence number {i} is about topic {i}." for i in range(40))
    chunks = chunk_article(Article("a", text), max_tokens=50, overlap_tokens=20)
    assert len(chunks) > 2
    for prev, nxt in zip(chunks, chunks[1:]):
        assert nxt.start < prev.end  # shared text
        assert nxt.start > prev.start  # always moves forward
        assert text[nxt.start - 1] == " " and text[nxt.start:].startswith("Sentence")


def test_sentence_longer_than_limit_is_cut_at_token_boundaries():
    text = "word " * 500 + "end."
    chunks = chunk_article(Article("long", text.strip()), max_tokens=100, overlap_tokens=10)
    assert len(chunks) >= 5
    assert all(c.n_tokens <= 100 for c in chunks)
    assert chunks[-1].text.endswith("end.")


def test_invalid_chunk_settings_are_rejected():
    with pytest.raises(ValueError):
        chunk_article(Article("a", "Text."), max_tokens=10, overlap_tokens=10)
