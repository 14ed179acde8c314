"""Filtering retrieval by source and date, and the chat's engine services."""

import json

import pytest


@pytest.fixture
def engine(build_engine):
    sidecars = {f"{name}.json": json.dumps({"source": source})
                for name, source in (("a", "Gazette"), ("b", "Herald"), ("c", "Gazette"))}
    return build_engine({
        "a.txt": "date 2024-01-10 The flood wall vote passed in January.",
        "b.txt": "date 2024-03-05 The flood wall vote was repeated in March.",
        "c.txt": "The flood wall vote had no date.",
        **sidecars,
    })


def test_source_filter_keeps_only_those_outlets(engine):
    hits = engine.retrieve("flood wall vote", 5, sources=["Gazette"])
    assert {h.article_id for h in hits} == {"a", "c"}


def test_date_range_is_inclusive_and_drops_undated_articles(engine):
    assert [h.article_id for h in engine.retrieve("flood wall vote", 5, date_from="2024-03-05")] \
        == ["b"]
    assert [h.article_id for h in engine.retrieve("flood wall vote", 5, date_to="2024-02-01")] \
        == ["a"]


def test_date_range_compares_days_not_strings():
    from datetime import date
    from types import SimpleNamespace as Article

    from rag.search.retriever import Filters

    january = Filters(date_from="2024-01-01", date_to=date(2024, 1, 31))
    assert january.allows(Article(source="x", date="2024-01-31T23:59:00Z"))
    assert not january.allows(Article(source="x", date="2024-02-01"))
    assert not january.allows(Article(source="x", date=None))


@pytest.mark.parametrize("option", ["date_from", "date_to", "as_of"])
@pytest.mark.parametrize("value", ["2024-3-5", "2024-13-01", "March 5", "2024-03-05x"])
def test_a_malformed_date_is_refused_naming_the_option(engine, option, value):
    # As strings, "2024-3-5" sorts after every March date: it used to filter
    # silently wrong instead of failing.
    with pytest.raises(ValueError, match=f"{option} must be an ISO date"):
        engine.retrieve("flood wall vote", 5, **{option: value})


def test_filters_that_match_nothing_make_the_answer_abstain(engine):
    reply = engine.answer("flood wall vote", 5, date_from="2030-01-01")
    assert reply.abstained and reply.hits == []


def test_catalog_lists_sources_and_date_range(engine):
    catalog = engine.catalog()
    assert catalog.sources == ["Gazette", "Herald"] and catalog.n_articles == 3
    assert (catalog.first_date, catalog.last_date) == ("2024-01-10", "2024-03-05")


def test_stream_answer_ends_with_the_same_answer_as_answer(engine):
    parts = list(engine.stream_answer("flood wall vote in January", 3))
    final = parts[-1]
    assert final == engine.answer("flood wall vote in January", 3)
    assert all(isinstance(p, str) for p in parts[:-1])


def test_article_service_returns_the_full_cleaned_text(engine):
    hit = engine.retrieve("March", 1)[0]
    article = engine.article(hit.article_id)
    assert article.text[hit.start:hit.end] == hit.text


def test_unknown_answer_mode_is_refused(engine):
    with pytest.raises(ValueError, match="unknown answer mode"):
        engine.answer("flood", mode="oracle")


def test_one_source_given_as_a_string_is_that_source_not_its_letters(engine):
    hits = engine.retrieve("flood wall vote", 5, sources="Gazette")
    assert {h.article_id for h in hits} == {"a", "c"}


def test_a_reversed_date_range_is_refused_naming_both_dates(engine):
    with pytest.raises(ValueError, match="date_from 2024-03-05 is after date_to 2024-01-10: "
                                         "no article can match; swap them"):
        engine.retrieve("flood wall vote", 5, date_from="2024-03-05", date_to="2024-01-10")


def test_the_chat_answers_a_reversed_date_range_with_what_to_fix(engine):
    from rag.app.handlers import ChatHandlers

    steps = list(ChatHandlers(engine).respond("flood wall vote?", [], [], "extractive", 5,
                                              sources=[], date_from="2024-03-05",
                                              date_to="2024-01-10", as_of=""))
    shown = steps[-1].messages[-1]["content"].replace("\\", "")   # (Markdown-escaped)
    # The chat names its boxes, not the API's options (was "date_from ... date_to").
    assert shown == ("Check the filters: the From date 2024-03-05 is after the To date "
                     "2024-01-10: no article can match; swap them.")
    assert steps[-1].turns is None
