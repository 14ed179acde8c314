"""Making any question safe to search with.

People paste anything into a search box: nothing, a row of spaces, a whole
article, a question in Arabic. None of that may end in a traceback. This
module turns raw input into the text to search with plus notes for the user:
whitespace is collapsed, control characters dropped, a question pasted several
times over read once, over-long input cut at a word boundary, and input in a
non-Latin script flagged (the embedding model is trained on English, so such
results are weak). An empty result means
there is nothing to search for.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

__all__ = ["Question", "prepare_question", "EMPTY_QUESTION"]

EMPTY_QUESTION = "Please type a question about the articles."


@dataclass(frozen=True)
class Question:
    text: str               # what to search with ("" if nothing)
    notes: tuple[str, ...]  # what the user should know about how it was read

    @property
    def empty(self) -> bool:
        return not self.text


def prepare_question(raw, max_chars: int = 1000) -> Question:
    """Clean ``raw`` (any object; ``None`` counts as empty) for searching."""
    text = "" if raw is None else str(raw)
    # Drop control and format characters (NUL, zero-width space...), keep the rest.
    text = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in text)
    text = " ".join(text.split())
    if not text:
        return Question("", ("The question is empty.",))
    notes = []
    if repeated := _repetition(text, max_chars):
        unit, times = repeated
        notes.append(f"The question repeats “{unit}” {times} times; it was read once.")
        text = unit
    if len(text) > max_chars:
        cut = text[:max_chars].rsplit(" ", 1)[0] or text[:max_chars]
        notes.append(f"The question was {len(text)} characters long; only the first "
                     f"{len(cut)} were used.")
        text = cut
    if _mostly_non_latin(text):
        notes.append("The question is not in a Latin-script language; the embedding model "
                     "was trained on English, so matches may be weak.")
    return Question(text, tuple(notes))


def _repetition(text: str, longest: int) -> tuple[str, int] | None:
    """``(unit, times)`` when ``text`` is one unit of at most ``longest``
    characters written at least twice, separated by spaces (a last copy cut
    short counts as none): ``"How did he react? How did he react? How"``."""
    end = text.find(" ")
    while 0 < end <= longest and 2 * end < len(text):
        period = end + 1
        # The next copy starts right after the space, and the whole text
        # repeats with that period (so any last copy is cut from the unit).
        if text.startswith(text[:end], period) and text[period:] == text[:-period]:
            return text[:end], (len(text) + 1) // period
        end = text.find(" ", period)
    return None


def _mostly_non_latin(text: str) -> bool:
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return False
    latin = sum(1 for ch in letters if "LATIN" in unicodedata.name(ch, ""))
    return latin < 0.5 * len(letters)
