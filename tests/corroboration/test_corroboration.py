"""Corroboration and disagreement with the fake embedder (fast layer)."""

import pytest

from rag.corroboration import corroborator
from rag.corroboration.corroborator import match_fact
from rag.settings import Settings
from rag.text.facts import find_conflicts
from rag.text.sentences import clauses


def test_paraphrase_with_same_names_and_numbers_supports():
    assert match_fact("The resolution was backed by 14 nations in New York.",
                      "In New York, 14 countries backed the resolution.") == "support"


def test_different_value_for_the_same_thing_is_a_conflict_not_support():
    a = "The resolution was backed by 14 nations."
    b = "The resolution was backed by 12 countries."
    assert match_fact(a, b) == "conflict"
    (conflict,) = find_conflicts(a, b)
    assert conflict.kind == "number" and (conflict.value_a, conflict.value_b) == \
        ("14 nations", "12 countries")


def test_missing_number_or_other_names_is_not_support():
    assert match_fact("The resolution was backed by 14 nations.",
                      "The resolution was backed by many nations.") == "none"
    assert match_fact("Netanyahu cancelled the visit of the delegation to Washington.",
                      "Biden cancelled the visit of the delegation to Ottawa.") != "support"


QUESTION = "Did 14 votes back the ceasefire resolution in New York?"


@pytest.fixture
def engine(build_engine):
    return build_engine({
        "a.txt": "Vote story\n\nThe council backed the ceasefire resolution with 14 votes "
                 "in New York on Monday. Delegates applauded loudly afterwards.",
        "b.txt": "Another vote story\n\nIn New York the council backed the ceasefire "
                 "resolution with 14 votes on Monday. Protesters gathered outside.",
        "b.json": '{"source": "Outlet B"}',
        "c.txt": "Contrary story\n\nThe council backed the ceasefire resolution with 11 votes "
                 "in New York on Monday. Weather was cold.",
        "d.txt": "Storm story\n\nA storm hit the coast overnight. Thousands of homes lost "
                 "power and the council met to plan repairs.",
    }, abstain_below=0.3, max_answer_sentences=1, top_k=4)


def test_answer_sentence_is_attributed_to_every_agreeing_outlet_but_not_the_unrelated(engine):
    reply = engine.answer(QUESTION)
    (sentence,) = reply.sentences
    own = {c.article_id for c in reply.citations if c.number in sentence.citations}
    supporting = {c.article_id for c in sentence.supporting}
    assert not supporting & own
    assert {"a", "b"} <= own | supporting and "d" not in own | supporting
    assert len(sentence.outlets) >= 2
    assert sentence.reported_by.startswith(f"reported by {len(sentence.outlets)} sources")
    numbers = [c.number for c in reply.citations] + [c.number for c in reply.corroborations]
    assert len(numbers) == len(set(numbers))


def test_contradicting_article_yields_a_disagreement_citing_both_sides(engine):
    reply = engine.answer(QUESTION)
    (disagreement,) = reply.disagreements
    values = {side.value for side in disagreement.sides}
    assert values == {"14 votes", "11 votes"} and disagreement.about == "votes"
    assert {side.citation.article_id for side in disagreement.sides if side.value == "11 votes"} \
        == {"c"}
    assert "Sources disagree" in reply.to_text() and reply.notes


def test_corroboration_can_be_switched_off(engine):
    engine.settings = engine.settings.replace(corroborate=False)
    reply = engine.answer(QUESTION)
    assert reply.corroborations == [] and reply.sentences[0].supporting == ()


def test_compare_sources_gives_one_column_per_article(engine):
    columns = engine.compare_sources("How many votes backed the ceasefire resolution?")
    assert len({c.hit.article_id for c in columns}) == len(columns) >= 3
    for column in columns:
        start, end = column.quote
        assert column.hit.start <= start < end <= column.hit.end
    assert "Outlet B" in {c.outlet for c in columns}


def test_bench_counts_sentences_reported_by_two_outlets_and_writes_a_sample(engine, tmp_path):
    import json

    from rag_bench.corroboration import (
        format_corroboration_bench,
        run_corroboration_bench,
    )

    questions = tmp_path / "questions.jsonl"
    questions.write_text("\n".join(json.dumps({"question": q}) for q in (
        QUESTION, "zebra quantum pancake")) + "\n")
    result = run_corroboration_bench(engine, questions, tmp_path / "out", sample=5,
                                     calibrate_floor=0.3)
    assert result["questions"] == 2 and result["answered"] == 1
    assert result["answer_sentences"] == 1 and result["share_reported_by_2plus_outlets"] == 1.0
    rows = [json.loads(x) for x in (tmp_path / "out" / "corroborations.jsonl").open()]
    assert all(r["outlet"] != r["own_outlet"] for r in rows)
    assert (tmp_path / "out" / "candidates.jsonl").read_text()
    assert (tmp_path / "out" / "disagreements.jsonl").exists()
    assert "Sample of" in format_corroboration_bench(result)


def test_compare_column_shows_the_article_passage_closest_to_the_question():
    import numpy as np

    from rag.corroboration.corroborator import compare_sources
    from rag.types import Hit

    def hit(article, start, text, source):
        return Hit(text, 1.0, article, None, source, None, None, start, start + len(text),
                   source)

    first = hit("a", 0, "The envoy spoke about the budget at length.", "Outlet A")
    second = hit("a", 100, "The minister cancelled the visit after the vote.", "Outlet A")
    other = hit("b", 0, "Officials cancelled the trip once the vote passed.", "Outlet B")
    question = np.array([1.0, 0.0])
    vectors = {("a", 0): np.array([0.2, 0.98]), ("a", 100): np.array([0.9, 0.44]),
               ("b", 0): np.array([0.8, 0.6])}
    columns = compare_sources(question, [first, other, second], vectors)
    assert [c.hit.article_id for c in columns] == ["a", "b"]   # order of first retrieval
    assert columns[0].hit is second and columns[0].quote == (second.start, second.end)
    assert compare_sources(question, [first, other, second], vectors, max_articles=1) \
        == columns[:1]


def test_threshold_table_counts_only_supported_pairs_above_both_thresholds():
    from rag_bench.corroboration import pair_key, threshold_table

    rows = [{"key": "a", "similarity": 0.9, "shared_words": 6, "verdict": "support"},
            {"key": "b", "similarity": 0.7, "shared_words": 6, "verdict": "support"},
            {"key": "c", "similarity": 0.55, "shared_words": 3, "verdict": "support"},
            {"key": "d", "similarity": 0.8, "shared_words": 9, "verdict": "none"},
            {"key": "e", "similarity": 0.95, "shared_words": 9, "verdict": "support"}]  # unlabelled
    labels = {"a": True, "b": False, "c": True, "d": True}
    at_06, at_05, words_at_06 = threshold_table(rows, labels, [0.6, 0.5], min_shared=[2, 5])[:3]
    assert (at_06["corroborations"], at_06["right"], at_06["precision"]) == (2, 1, 0.5)
    assert at_06["recall"] == round(1 / 3, 3)          # a of a, c, d
    assert (at_05["corroborations"], at_05["right"], at_05["recall"]) == (3, 2, round(2 / 3, 3))
    assert words_at_06["min_shared_words"] == 5 and words_at_06["corroborations"] == 2
    assert pair_key("x", "y") == pair_key("x", "y") != pair_key("y", "x")


def test_a_question_never_corroborates():
    assert match_fact("Who backed the resolution in New York?",
                      "In New York, 14 countries backed the resolution.") == "none"
    assert match_fact("In New York, 14 countries backed the resolution.",
                      "Which 14 countries backed the resolution in New York?") == "none"


def test_articles_months_apart_do_not_corroborate_each_other():
    from rag.corroboration.corroborator import Candidate, Match
    from rag.types import Hit

    settings = Settings()
    hit = Hit("x", 1.0, "a", None, None, None, None, 0, 1, "a")
    same = dict(candidate=Candidate(hit, 0, 1, "x"), similarity=0.9, verdict="support",
                evidence="x", shared_words=8)
    assert Match(**same, days_apart=2).corroborates(settings)
    assert Match(**same, days_apart=None).corroborates(settings)       # a date unknown
    assert not Match(**same, days_apart=settings.corroborate_max_days_apart + 1) \
        .corroborates(settings)
    assert not Match(**{**same, "shared_words": 2}, days_apart=2).corroborates(settings)


def test_articles_years_apart_are_not_a_disagreement(engine):
    folder = engine.settings.articles_dir
    for name, day in (("a", "2024-03-25"), ("b", "2024-03-25"), ("c", "2021-03-22")):
        extra = ', "source": "Outlet B"' if name == "b" else ""
        (folder / f"{name}.json").write_text(f'{{"date": "{day}"{extra}}}')
    engine.build(progress=False)
    assert engine.answer(QUESTION).disagreements == []
    (folder / "c.json").write_text('{"date": "2024-03-26"}')
    engine.build(progress=False)
    assert engine.answer(QUESTION).disagreements


def test_other_outlets_are_searched_for_as_of_the_cited_story_s_date(fake_embedder):
    from rag.corroboration.corroborator import Corroborator
    from rag.types import Answer, AnswerSentence, Citation, Hit

    hit = Hit(text="The clock was set at 100 seconds to midnight.", score=1.0, article_id="a",
              title="Clock", source="Gazette", date="2022-01-20T09:00:00", url=None, start=0,
              end=45, citation="Gazette")
    reply = Answer("Where was the clock set?", hit.text, [Citation(1, "a", hit)], [hit],
                   sentences=[AnswerSentence(hit.text, (1,))])
    calls = []
    search = lambda text, k, **options: calls.append(options) or []  # noqa: E731
    Corroborator(Settings(), search, fake_embedder).corroborate(reply)
    assert calls == [{"as_of": "2022-01-20"}]


def test_narrowing_by_words_cites_exactly_what_comparing_every_candidate_cites(engine,
                                                                              monkeypatch):
    narrowed = engine.answer(QUESTION)
    monkeypatch.setattr(corroborator, "_could_be_used", lambda *args: True)
    engine.vectors._memory.clear()
    everything = engine.answer(QUESTION)
    assert narrowed.sentences == everything.sentences
    assert narrowed.corroborations == everything.corroborations
    assert narrowed.disagreements == everything.disagreements
    assert narrowed.disagreements


def test_a_candidate_that_can_neither_corroborate_nor_conflict_has_no_clause_embedded(
        engine, monkeypatch):
    encoded = []
    model = engine.vectors.inner
    encode = model.encode
    monkeypatch.setattr(model, "encode", lambda texts, **kw: encoded.extend(texts) or
                        encode(texts, **kw))
    reply = engine.answer(QUESTION)
    unrelated = "Thousands of homes lost power and the council met to plan repairs."
    assert any(unrelated in h.text for h in reply.hits)   # a candidate
    assert clauses(unrelated) and not set(clauses(unrelated)) & set(encoded)
