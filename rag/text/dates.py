"""Calendar days from what articles and people give: ISO dates or timestamps."""

from __future__ import annotations

import datetime as dt

__all__ = ["parse_day", "given_day"]


def parse_day(value) -> dt.date | None:
    """The calendar day of an ISO date or timestamp (``"2023-01-05"``,
    ``"2023-01-05T10:00:00Z"``, a ``date``); ``None`` if there is none."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        return None


def given_day(value, name: str = "date") -> dt.date | None:
    """A day a person asked for (``date_from``, ``as_of``...): ``None`` when
    not given, else an ISO date or timestamp; anything else is a
    ``ValueError`` naming the option, never a silently wrong comparison
    ("2023-1-5" is not a date)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, dt.date):
        return parse_day(value)
    try:
        return dt.datetime.fromisoformat(str(value).strip()).date()
    except ValueError:
        raise ValueError(f"{name} must be an ISO date (YYYY-MM-DD), not {value!r}") from None
