"""Favouring stories published near the date a question is asked from.

News questions are mostly about the present ("this week", "recently", or no
date at all), while a collection also holds earlier reports of the same kind
of event: last year's Oscar nominations, the previous Doomsday Clock setting.
The retriever blends each candidate passage's score with its article's
*freshness*, ``0.5 ** (days between the article's date and the as-of date /
half-life)``. An article without a date gets the mean freshness of the dated
ones (what its freshness is expected to be), so leaving a date out neither
helps nor hurts it.

The as-of date is given per question (``retrieve(..., as_of=...)``), or set
once (``Settings.as_of``, env ``RAG_AS_OF``); otherwise it is the
collection's present: today, or the newest article's date when the
collection ends earlier, so an archive's "this week" is its last week.
Freshness is symmetric around the as-of date: asking as of a past day
favours the stories of that time over later ones.
"""

from __future__ import annotations

import datetime as dt
from typing import Iterable, Mapping

__all__ = ["collection_present", "Freshness", "asked_on"]


def collection_present(days: Iterable[dt.date | None], today: dt.date | None = None
                       ) -> dt.date | None:
    """Today, or the newest of ``days`` when that is earlier; ``None`` when no
    article has a date (freshness then plays no part)."""
    dated = [day for day in days if day is not None]
    if not dated:
        return None
    return min(today or dt.date.today(), max(dated))


class Freshness:
    """Freshness of a collection's articles as of one day."""

    def __init__(self, days: Mapping[str, dt.date | None], as_of: dt.date,
                 half_life_days: float, day_counts: Mapping[dt.date, int] | None = None):
        """``days``: publication day by article id, for every article unless
        ``day_counts`` (articles per day, of the whole collection) is given,
        which then says the collection's mean freshness."""
        self.days, self.as_of, self.half_life_days = days, as_of, half_life_days
        if day_counts is None:
            dated = [self._of(day) for day in days.values() if day is not None]
            self.undated = sum(dated) / len(dated) if dated else 0.0
        else:
            total = sum(day_counts.values())
            self.undated = sum(self._of(day) * n for day, n in day_counts.items()) / total \
                if total else 0.0

    def __call__(self, article_id: str) -> float:
        """1 for an article of the as-of day, halving every half-life before
        or after it; the collection's mean for an undated article."""
        day = self.days.get(article_id)
        return self.undated if day is None else self._of(day)

    def _of(self, day: dt.date) -> float:
        return 0.5 ** (abs((self.as_of - day).days) / self.half_life_days)


def asked_on(question: dict, settings) -> dict:
    """Retrieval options for a benchmark question: ``{"as_of": its date}``
    when it carries the day it was asked and the settings fix no as-of date,
    else ``{}`` (news-dev's quiz questions are dated)."""
    date = question.get("date")
    return {"as_of": date} if date and not settings.as_of else {}
