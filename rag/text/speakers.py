"""Who is speaking: a reported sentence whose speaker is a pronoun, read with
the name of the speaker the sentence before it names.

News reports attribute a quote to a speaker by name once, then by pronoun:

    Mr Netanyahu said the operation would happen with or without US support.
    "I hope to do that ... alone," he said following a meeting with ... Antony Blinken.

The second sentence is Netanyahu's, but names him only as "he". :func:`speakers`
finds such sentences in a passage, narrowly: the pronoun ("he", "she") must be
the subject of a reporting verb ("he said", "she later told"), the sentence
must name no person before it, and the sentence just before must name its
speaker next to a reporting verb ("Mr Netanyahu said", "said Benjamin Netanyahu").
The extractive answerer reads such a sentence with the name in place of the
pronoun (:meth:`Speaker.resolve`) and counts the question's words of the
sentence before it at a discount (``rag.answering.extractive``).

The same reporting verbs date a report: in "…, the 42-year-old said Thursday" the
day is when it was told, not when what it tells happened (:func:`when_told`;
short answers skip such days unless the question asks when something was said,
:func:`asks_about_telling`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .facts import capitalised_inside, name_spans, not_a_person
from .places import place_kind
from .sentences import split_sentences

__all__ = ["Speaker", "speakers", "named_speaker", "when_told", "asks_about_telling"]

_REPORTING = (r"(?:said|says|say|added|adds|told|tells|explained|explains|noted|notes|"
              r"continued|stressed|insisted|argued|warned|wrote|declared|replied|"
              r"acknowledged|asserted|stated)")
_ADVERB = r"(?:\s+(?:also|later|then|previously|earlier|again|has|had|have|once|\w+ly))?"
#: A pronoun speaking: "he said", "she later told".
_PRONOUN_SPEAKS = re.compile(rf"\b(?:[Hh]e|[Ss]he)(?={_ADVERB}\s+{_REPORTING}\b)")
#: After a name: it speaks ("Mr Netanyahu said", "Biden has told").
_SPEAKS_AFTER = re.compile(rf"^{_ADVERB}\s+{_REPORTING}\b")
#: Before a name, after a quote or a comma: it speaks ("..., said Matthew Miller";
#: not "Boykov argued Griner had ...", nor "told CNN").
_SPEAKS_BEFORE = re.compile(rf"""[,"”’]\s+{_REPORTING}\s+(?:(?:Mr|Mrs|Ms|Dr)\.?\s+)?$""")

#: Telling, announcing: the verbs whose day a report gives ("the 42-year-old said Thursday").
_TELLING = rf"(?:{_REPORTING}|announced|announces|announce|confirmed|confirms|confirm)"
#: A telling verb, then at most eight words of its clause that hold no other verb
#: of their own (no past tense, no "was", "will"...), at the end of a text: "said in a
#: briefing on", not "said the council voted on".
_NOT_A_VERB = r"(?!(?:\w+ed|is|was|were|are|will|would|has|had|have|did|does|do|be|been)\b)"
_TOLD_BEFORE = re.compile(rf"\b{_TELLING}\b(?:\s+{_NOT_A_VERB}[^\s,;:.!?“”\"]+){{0,8}}\s+$",
                          re.IGNORECASE)
#: A question asking when something was told: "When did Google announce Bard?",
#: "On which day did Biden say ...?" (not "X announced ..., serving since when?").
_ASKS_TELLING = re.compile(rf"\b(?:when|day|date)\b.*\b(?:{_TELLING}|say|tell)\b",
                           re.IGNORECASE)


def when_told(sentence: str, start: int) -> bool:
    """Whether the phrase at ``start`` of ``sentence`` (a day, a date) says when
    something was said or announced, not when what it says happened: "...
    because of burnout, the 42-year-old said Thursday", "Miller said in a press
    briefing in Washington on Tuesday"."""
    return bool(_TOLD_BEFORE.search(sentence[:start]))


def asks_about_telling(question: str) -> bool:
    """Whether ``question`` asks when something was said or announced ("When did
    Google announce Bard?"), whose day is then the answer."""
    return bool(_ASKS_TELLING.search(question))


@dataclass(frozen=True)
class Speaker:
    """The named speaker of a sentence whose speaker is a pronoun."""

    start: int      # offsets of the pronoun in the sentence
    end: int
    name: str       # the speaker as the sentence before names them ("Netanyahu")
    before: str     # the sentence naming them

    def resolve(self, sentence: str, at: int | None = None) -> str:
        """``sentence`` with the speaker's name in place of the pronoun (at
        ``at`` in it, when it is a cut of the sentence)."""
        at = self.start if at is None else at
        return sentence[:at] + self.name + sentence[at + self.end - self.start:]


def _person(name: str) -> bool:
    """A name that may be a person's: not an acronym ("US"), an organisation
    or place word ("State Department"), a country or US state."""
    return not (name.isupper() or not_a_person(name) or place_kind(name))


def named_speaker(sentence: str, known: frozenset[str] = frozenset()) -> str | None:
    """The person ``sentence`` names as its speaker, next to a reporting verb
    ("Mr Netanyahu said" -> "Netanyahu", "said Matthew Miller"); ``None`` when
    it names none, or more than one. A lone first word is a name only when
    ``known`` holds it (as :func:`rag.text.facts.name_spans` reads names)."""
    found = {sentence[a:b] for a, b in name_spans(sentence, known)
             if _person(sentence[a:b]) and (_SPEAKS_AFTER.match(sentence[b:])
                                            or _SPEAKS_BEFORE.search(sentence[:a]))}
    return found.pop() if len(found) == 1 else None


def _pronoun(sentence: str) -> tuple[int, int] | None:
    """Offsets of a pronoun speaking in ``sentence`` ("he said"), when the
    sentence names no person before it (who could be "he")."""
    m = _PRONOUN_SPEAKS.search(sentence)
    if not m:
        return None
    # (A capitalised first word may be a name too: "Cruz said he told ...".)
    first = frozenset(sentence[:m.start()].split()[:1])
    if any(_person(sentence[a:b]) for a, b in name_spans(sentence, first) if a < m.start()):
        return None
    return m.span()


def speakers(text: str, offset: int = 0) -> dict[int, Speaker]:
    """The sentences of ``text`` whose speaker is a pronoun that the sentence
    just before names, by their start (with ``offset`` added, as
    :func:`rag.text.sentences.split_sentences` gives it); the pronoun's offsets
    are within its sentence."""
    spans, known = split_sentences(text, offset), capitalised_inside(text)
    out = {}
    for (p_start, p_end), (start, end) in zip(spans, spans[1:]):
        sentence = text[start - offset:end - offset]
        pronoun = _pronoun(sentence)
        if pronoun is None:
            continue
        before = text[p_start - offset:p_end - offset]
        if name := named_speaker(before, known):
            out[start] = Speaker(*pronoun, name, before)
    return out
