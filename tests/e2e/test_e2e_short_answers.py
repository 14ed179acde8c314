"""Short answers end to end on the seed articles with the real MiniLM model."""

import pytest

from rag.engine import Engine

pytestmark = pytest.mark.e2e

INDEPENDENT = "004_30dc108169a15181"


@pytest.fixture(scope="module")
def short_engine(seed_engine):
    """The seed engine with short answers on (they are off by default)."""
    return Engine(seed_engine.settings.replace(short_answer=True), vectors=seed_engine.vectors)


def test_short_answers_are_off_by_default(seed_engine):
    assert seed_engine.answer("How many nations backed the resolution?").short is None


def test_how_many_nations_has_the_short_answer_14_cited_where_it_occurs(short_engine):
    reply = short_engine.answer("How many nations backed the resolution?")
    assert reply.short is not None and reply.short.text == "14"
    assert INDEPENDENT in {s.article_id for s in reply.short.spans}
    numbers = {c.number: c for c in reply.citations}
    for span in reply.short.spans:
        citation = numbers[span.citation]
        assert citation.article_id == span.article_id
        article = short_engine.retriever.index.articles[span.article_id]
        assert article.text[span.start:span.end] == "14"
    assert reply.to_markdown().startswith("Answer: 14 [")


def test_a_question_the_seeds_cannot_answer_has_no_short_answer(short_engine):
    reply = short_engine.answer("What is the boiling point of tungsten?")
    assert reply.abstained and reply.short is None
