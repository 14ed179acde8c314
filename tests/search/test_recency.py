"""Stories near the date a question is asked from rank higher (rag/recency.py)."""

import datetime as dt

import pytest

from rag.engine import Engine
from rag.search.recency import Freshness, collection_present
from rag.settings import Settings
from rag.text.dates import parse_day

D = dt.date


def test_parse_day_reads_dates_and_timestamps_and_rejects_the_rest():
    assert parse_day("2023-01-05") == D(2023, 1, 5)
    assert parse_day("2023-01-05T23:10:00Z") == D(2023, 1, 5)
    assert parse_day(D(2023, 1, 5)) == D(2023, 1, 5)
    assert parse_day(dt.datetime(2023, 1, 5, 8)) == D(2023, 1, 5)
    assert parse_day(None) is None and parse_day("") is None and parse_day("soon") is None


def test_collection_present_is_the_newest_date_but_never_after_today():
    days = [D(2022, 5, 1), None, D(2023, 2, 10)]
    assert collection_present(days, today=D(2026, 11, 23)) == D(2023, 2, 10)
    assert collection_present(days, today=D(2023, 1, 1)) == D(2023, 1, 1)
    assert collection_present([None, None], today=D(2026, 11, 23)) is None


def test_freshness_halves_every_half_life_on_either_side_of_the_as_of_day():
    fresh = Freshness({"same": D(2023, 1, 31), "before": D(2023, 1, 1),
                       "after": D(2023, 3, 2)}, as_of=D(2023, 1, 31), half_life_days=30)
    assert fresh("same") == 1.0
    assert fresh("before") == pytest.approx(0.5)
    assert fresh("after") == pytest.approx(0.5)


def test_an_undated_article_gets_the_mean_freshness_of_the_dated_ones():
    fresh = Freshness({"new": D(2023, 1, 31), "old": D(2022, 12, 31), "undated": None},
                      as_of=D(2023, 1, 31), half_life_days=31)
    assert fresh("undated") == pytest.approx((1.0 + 0.5) / 2)


@pytest.fixture
def reports(build_engine):
    """Two reports in the same words a year apart, and one without a date.
    Their relevance ties, and ties keep index order (earlier first), so only
    recency can put the later report first."""
    return build_engine({
        "earlier.txt": "date 2022-01-27 The Doomsday Clock was set at 100 seconds to midnight.",
        "later.txt": "date 2023-01-24 The Doomsday Clock was set at 90 seconds to midnight.",
        "undated.txt": "The Doomsday Clock was set by scientists in Chicago.",
    })


def _order(engine, **options):
    return [h.article_id for h in engine.retrieve("Doomsday Clock set midnight", 3, **options)]


def test_by_default_the_newest_report_of_the_same_event_ranks_first(reports):
    assert _order(reports)[0] == "later"


def test_asking_as_of_an_earlier_date_favours_the_report_of_that_time(reports):
    assert _order(reports, as_of="2022-02-01")[0] == "earlier"
    assert _order(reports, as_of="2023-01-30")[0] == "later"


def test_as_of_in_the_settings_is_used_when_the_call_gives_none(reports):
    engine = Engine(reports.settings.replace(as_of="2022-02-01"), embedder=reports.embedder)
    assert _order(engine)[0] == "earlier"


def test_recency_weight_zero_leaves_the_ranking_to_relevance_alone(reports):
    engine = Engine(reports.settings.replace(recency_weight=0.0), embedder=reports.embedder)
    assert _order(engine, as_of="2022-02-01") == _order(engine, as_of="2023-01-30")


def test_a_malformed_as_of_date_is_an_error_not_a_silent_default(reports):
    with pytest.raises(ValueError, match="as_of"):
        reports.retrieve("Doomsday Clock", 3, as_of="last week")


def test_recency_changes_scores_only_for_collections_with_dates(build_engine):
    on = build_engine({"a.txt": "The clock was set.", "b.txt": "The clock moved."})
    off = Engine(on.settings.replace(recency_weight=0.0), embedder=on.embedder)
    assert [(h.article_id, h.score) for h in on.retrieve("clock set", 2)] == \
        [(h.article_id, h.score) for h in off.retrieve("clock set", 2)]


def test_the_catalog_names_the_default_as_of_day(reports):
    assert reports.catalog().as_of == "2023-01-24"


def test_a_dated_benchmark_question_is_asked_as_of_its_date_unless_settings_fix_one():
    from rag.search.recency import asked_on

    question = {"question": "Who won?", "date": "2023-01-05"}
    assert asked_on(question, Settings()) == {"as_of": "2023-01-05"}
    assert asked_on({"question": "Who won?"}, Settings()) == {}
    assert asked_on(question, Settings().replace(as_of="2022-06-01")) == {}
