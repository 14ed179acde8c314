"""Extractive answers with the fake embedder: selection, citations, abstention."""

import pytest

from rag.answering import NO_ANSWER
from rag.engine import Engine
from rag.settings import Settings


@pytest.fixture
def engine(tmp_path, fake_embedder, write_articles):
    folder = write_articles({
        "veto.txt": "Veto story\n\nThe US decided not to use its veto power. "
                    "Diplomats met in New York on Monday.",
        "storm.txt": "Storm story\n\nA storm hit the coast. Thousands lost power overnight."})
    engine = Engine(Settings().replace(articles_dir=folder, index_dir=tmp_path / "idx",
                                       abstain_below=0.3), fake_embedder)
    engine.build(progress=False)
    return engine


def test_answer_quotes_the_best_sentence_with_a_valid_citation(engine):
    reply = engine.answer("Who decided not to use its veto power?")
    assert not reply.abstained
    assert reply.text.startswith("The US decided not to use its veto power. [1]")
    first = reply.citations[0]
    assert first.number == 1 and first.article_id == "veto" and first.hit in reply.hits
    start, end = first.quotes[0]
    assert engine.retriever.index.articles["veto"].text[start:end] == \
        "The US decided not to use its veto power."


def test_every_marker_in_the_text_has_a_citation(engine):
    reply = engine.answer("storm power coast")
    import re
    markers = {int(m) for m in re.findall(r"\[(\d+)\]", reply.text)}
    assert markers == {c.number for c in reply.citations}


def test_unrelated_question_abstains_but_keeps_closest_passages(engine):
    reply = engine.answer("zebra quantum pancake")
    assert reply.abstained and reply.text == NO_ANSWER and reply.citations == []
    assert reply.hits  # shown as "closest passages"
    assert "Closest passages" in reply.to_markdown()
