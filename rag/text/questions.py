"""What a question asks for, read from its words: the one question typer.

:func:`question_target` says what kind of thing answers a question (a number,
a date, a person, a place, a name, a title, a thing named by the question's
noun, a statement, or an explanation). The extractive answerer prefers
sentences that hold that kind of thing (:func:`holds_answer_kind`); short
answers (:mod:`rag.answering.short`) collect phrases of that kind.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .words import STOP_WORDS, content_words, stem

__all__ = ["Target", "question_target", "holds_answer_kind", "claim", "PERSON_NOUNS",
           "TIME_UNITS"]

_PLACE_NOUNS = frozenset("""
country countries state states city cities nation region continent town island province
capital county place area part location neighborhood neighbourhood territory where
""".split())
_ORG_NOUNS = frozenset("""
company companies team teams group chain brand airline organization organisation agency
network club party university firm retailer bank automaker carmaker outlet publication
newspaper magazine studio band platform app website site service giant maker manufacturer
business school college league union startup channel store restaurant government show
streamer broadcaster
""".split())
PERSON_NOUNS = frozenset("""
person man woman leader player politician star actor actress singer president senator
official member figure rapper pope ceo executive lawmaker candidate athlete celebrity author
director governor judge artist musician quarterback coach prince princess king queen minister
republican democrat billionaire founder comedian host musician royal icon superstar
wrestler skier musicians players stars opponent counterpart
""".split())
#: Works known by a title, often quoted: "which film" -> “Everything Everywhere All at Once”.
_TITLE_NOUNS = frozenset("""
film films movie movies book books memoir novel show shows sitcom series song songs ballad
album cartoon comedy drama play musical documentary episode podcast slogan
""".split())
#: Nouns that ask for a figure: "what was the magnitude of the quake".
_NUMBER_NOUNS = frozenset("""
number amount price total age magnitude score rate temperature population salary cost fee fine
value height length distance weight speed size capacity budget revenue profit toll
""".split())
_CATEGORY_SKIP = frozenset({"type", "kind", "sort", "form", "of"})
_AUXILIARIES = frozenset("""
is was are were did does do has have had will would can could should may might be been
in on at to for from with by this that these those after before during recently now
""".split())
_PARTICLES = frozenset("back up down out off over away".split())
TIME_UNITS = frozenset("""
year years month months week weeks day days hour hours minute minutes second seconds
decade decades century centuries
""".split())


@dataclass(frozen=True)
class Target:
    """What a question asks for: ``kind`` and ``noun``, the noun after "which"
    / "what" ("team"), if any.

    ``kind`` is a phrase's kind (``"number"``, ``"percent"``, ``"date"``,
    ``"person"``, ``"place"``, ``"name"``, ``"title"``, ``"thing"``),
    ``"statement"`` (what did X say) or ``None`` (an explanation: why, how
    did; or nothing recognisable)."""

    kind: str | None
    noun: str = ""
    unit_asked: bool = False     # "how many nations": the unit is the question's


    @property
    def phrase(self) -> bool:
        """Whether a short phrase can answer it (not an explanation or a statement)."""
        return self.kind not in (None, "statement")


def _blank_target(q: str) -> Target:
    """What a quiz statement asks for: someone after a final "by:", else the
    kind of "this <noun>" ("talks with this leader, his counterpart:", "This
    Republican is set to ...": a person); nothing when neither is there."""
    if re.search(r"\bby\s*:$", q):
        return Target("person")
    for phrase in reversed(re.findall(r"\bthis ((?:[\w-]+ ){0,2}[\w-]+)", q)):
        for noun in phrase.split():
            for nouns, kind in ((PERSON_NOUNS, "person"), (_ORG_NOUNS, "name"),
                                (_PLACE_NOUNS, "place")):
                if noun in nouns or noun.rstrip("s") in nouns:
                    return Target(kind, noun=noun)
            if noun in TIME_UNITS:
                break       # "this week"
    return Target(None)


_WH = re.compile(r"\b(?:who|whom|whose|what|which|when|where|why|how)\b")


def question_target(question: str) -> Target:
    """What kind of phrase answers ``question``, read from its interrogative:
    the first question word of its last sentence that has one ("... passengers
    who were impacted? " is not a "who" question when it starts "Which airline")."""
    q = " ".join(question.lower().replace("’", "'").split())
    asking = [s for s in re.split(r"(?<=[.?!:])\s+", q) if _WH.search(s)]
    if not asking:      # a quiz's blank: "... talks with this leader, his counterpart:"
        return _blank_target(q)
    last = asking[-1]
    # ", which Pentagon officials said": a relative clause, not the question
    # (unless nothing else asks).
    asks = [m for m in _WH.finditer(last) if not re.search(r",\s*$", last[:m.start()])] \
        or [_WH.search(last)]
    q = last[asks[0].start():]
    if re.match(r"why\b|how\b(?!\s+(?:many|much|long|old|far|big|large|tall|high|often|"
                r"fast|few|deep|heavy)\b)", q):
        return Target(None)
    if re.match(r"what (?:did|does|do|has|have|will)\b[^?]*\b(?:say|tell|call|claim|announce|"
                r"demand|write|describe)\b", q):
        return Target("statement")  # the sentence answer is the answer
    if re.match(r"(?:what|which) (?:percentage|percent|share|proportion)\b", q):
        return Target("percent")
    how = re.match(r"how (many|much|long|old|far|big|large|tall|high|often|fast|few|deep|"
                   r"heavy)\b", q)
    if how or re.match(r"(?:what|which) (?:number|amount|price|sum|total)\b", q):
        return Target("number", noun=how.group(1) if how else "",
                      unit_asked=bool(how) and how.group(1) in ("many", "old", "few"))
    when = re.match(r"(?:what|which) (year|day|date|month|time|decade|century)\b", q)
    if when or q.startswith("when"):
        return Target("date", noun=when.group(1) if when else "")
    owner = re.match(r"(?:which|what) (?:us )?(\w+)'s\b", q)
    if owner and owner.group(1) in _PLACE_NOUNS:    # "which country's prime minister"
        return Target("place", noun=owner.group(1))
    if owner and owner.group(1) in _ORG_NOUNS:      # "which broadcaster's journalists"
        return Target("name", noun=owner.group(1))
    if re.search(r"\b(?:titled|called|named)\s*\?", q):     # "what is the book titled?"
        return Target("title")
    q = re.sub(r"^(which|what) of (?:these|the following)\b", r"\1", q)
    # "what was the magnitude of the quake", "what is approximately the average age"
    q = re.sub(r"^(what) (?:is|was|are|were)(?: \w+ly)? (?:the|a|an)\b", r"\1", q)
    if re.match(r"what \w+(?<!e)ed\b", q):
        return Target(None)     # "what happened", "what caused the outage": an event
    if re.match(r"who", q):
        return Target("person")
    if q.startswith("where"):
        return Target("place")
    words = []
    for word in re.findall(r"[\w'-]+", q)[1:]:
        if word in _CATEGORY_SKIP and not words or word == "us":   # "which US state"
            continue
        if word in _AUXILIARIES or word in STOP_WORDS or (words and (
                word.endswith("ed") or word.endswith("ly"))) or len(words) == 4:
            break
        words.append(word)
    if _NUMBER_NOUNS & set(words):
        # "which three-digit phone number", "what age was she" (just the number)
        return Target("number", noun=words[-1], unit_asked="age" in words)
    for word in reversed(words):
        for nouns, kind in ((_TITLE_NOUNS, "title"), (_PLACE_NOUNS, "place"),
                            (PERSON_NOUNS, "person"), (_ORG_NOUNS, "name")):
            if word in nouns or word.rstrip("s") in nouns:
                return Target(kind, noun=word)
    # A third word is more often the verb ("which type of renewable energy hit").
    # Without a noun ("what is the book titled?") no kind of phrase is asked for:
    # the sentence answer alone.
    words = words[:3]
    if len(words) > 1 and (words[1] in _PARTICLES or re.search(
            rf"\b{re.escape(words[1])} (?:the|a|an|its|his|her|their)\b", q)):
        words = words[:1]       # "what vegetable replaces the chicken", "which species back"
    return Target("thing", noun=words[min(len(words), 2) - 1]) if words else Target(None)


#: "True or false" opening or closing the question (not "Who said it was true or false?").
_TRUE_OR_FALSE = re.compile(r"^\s*true or false\b\s*[?:.!,;—–-]*\s*"
                            r"|[\s,;:—–-]*\btrue or false\s*[?:.!]*\s*$", re.IGNORECASE)


def claim(question: str) -> str | None:
    """The claim a true-or-false question asks about ("Punxsutawney Phil saw his
    shadow this year. True or false?" -> "Punxsutawney Phil saw his shadow this
    year."), or ``None`` for any other question: one that neither opens nor
    closes with "true or false", or whose rest asks something ("Which outlet
    rated the rumour true or false?")."""
    if not _TRUE_OR_FALSE.search(question):
        return None
    stated = " ".join(_TRUE_OR_FALSE.sub(" ", question).split())
    return stated if stated and not _WH.match(stated.lower()) else None


_NUMBER = re.compile(r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
                     r"dozens?|hundreds?|thousands?|millions?|billions?|half)\b", re.IGNORECASE)
_TIME = re.compile(r"\b(19|20)\d\d\b|\b(monday|tuesday|wednesday|thursday|friday|saturday|"
                   r"sunday|january|february|march|april|may|june|july|august|september|"
                   r"october|november|december|yesterday|today|last (week|month|year)|"
                   r"(days|weeks|months|years) (ago|after|before|later))\b", re.IGNORECASE)
_SPEECH = re.compile(r"[\"“”]|\b(said|says|say|saying|told|tells|called|calls|claimed|claims|"
                     r"announced|wrote|added|stated|according to)\b", re.IGNORECASE)
_NAME = re.compile(r"(?<!^)(?<![.!?]\s)\b[A-Z][a-z]+|\b[A-Z]{2,}\b")


def holds_answer_kind(sentence: str, target: Target, question: str) -> bool:
    """Whether ``sentence`` contains the kind of thing ``question`` asks for
    (``target``): a number, a time, a name not already in the question, or
    reported speech for a statement."""
    kind = target.kind
    if kind in ("number", "percent"):
        return bool(_NUMBER.search(sentence))
    if kind == "date":
        return bool(_TIME.search(sentence))
    if kind in ("person", "place", "name", "title", "thing"):
        asked = content_words(question)
        return any(stem(m.group()) not in asked for m in _NAME.finditer(sentence))
    if kind == "statement":
        return bool(_SPEECH.search(sentence))
    return False
