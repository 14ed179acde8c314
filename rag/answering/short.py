"""The exact short answer: the phrase a question asks for, voted on by every
retrieved passage.

1. **What the question asks for** (:func:`rag.text.questions.question_target`): a number (how
   many / how much / how old), a percentage, a date (when, what year), a
   person (who; "this leader" in a quiz's blank), a place (where, which
   country, which country's ...), an organisation or other name (which
   company, which team), a title (which film, what is the book titled), or a
   thing named by the noun after "which" ("which seed" -> "sesame seeds").
   Why / how-did questions want an explanation, what-did-X-say questions a
   statement, and a question naming no kind of thing is not typed: these get
   no short answer, only the sentence answer.
2. **Candidates** (:func:`candidates`) of that kind from every sentence of
   every retrieved passage: numbers and dates as the facts parser reads them
   (:mod:`rag.text.facts`), names as runs of capitalised words, countries and
   US states from :mod:`rag.text.places` when the question asks for one
   ("Chinese" votes for China), quoted titles, things as "<word> <the
   question's noun>". The question's own words are not an answer.
3. **The vote** (:func:`vote`): an occurrence counts by its passage's rank,
   by how many of the question's words stand in its sentence and how close
   they stand to it (rarer words count more; more if the extractive answer
   quotes that sentence); each article counts once per candidate, so a phrase
   that several outlets state near the question's words wins. A short name
   ("McCarthy") lends its votes to the longer names that contain it; the
   longest of them stated about as often is shown.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass, replace

from ..text.facts import (
    capitalised_inside,
    dates,
    find_conflicts,
    name_spans,
    not_a_person,
    numbers,
    people,
    term,
)
from ..text.normalize import normalize_answer_text
from ..text.places import CAPITALS, REGIONS, US_STATES, country_of, place_kind
from ..text.questions import PERSON_NOUNS, TIME_UNITS, Target, claim, question_target
from ..text.sentences import clause_spans, sentence_at, split_sentences
from ..text.speakers import asks_about_telling, when_told
from ..text.wordnet import is_kind_of, lemma
from ..text.words import STOP_WORDS, content_words, stemmed_words, word_share
from ..types import (
    Answer,
    AnswerSentence,
    Citation,
    Hit,
    ShortAnswer,
    ShortAnswerSpan,
    cited_text,
    outlet_name,
)

__all__ = ["Phrase", "candidates", "vote", "candidate_scores", "short_answer",
           "with_short_answer", "quoted_sentences", "verdict", "cite_short_answer"]

#: What each further occurrence of a candidate in the same article adds to its vote.
_REPEAT_SHARE = 0.3
#: Words from a candidate at which a question word's pull falls by 1/e.
PROXIMITY_WORDS = 5.0
#: How much the whole sentence's match counts beside the words next to the candidate.
NEAR_SHARE = 0.5
TITLE_QUOTED = 3.0
#: The vote of a name that cannot be what is asked ("Supreme Court" for who,
#: "Richard Branson" for where) is multiplied by this.
PERSON_UNLIKE = 0.3
#: How many passages' occurrences a short answer cites at most.
MAX_CITED_PASSAGES = 3
#: An occurrence whose vote is under this share of the strongest one's mentions
#: the answer rather than stating it ("tensions between the US and Israel" for
#: "Who is Israel's biggest ally?"): it is neither cited nor highlighted for it.
STATES_IT_SHARE = 0.5
#: A short answer whose vote is weaker than this is not shown (the sentence
#: answer stays as it is). On news-dev every short answer below 0.28 was
#: wrong, as was every short answer of an answer that abstained (docs/answers.md).
SHORT_ANSWER_FLOOR = 0.25
#: A true-or-false claim is "True" when a sentence of the answer holds this share of
#: its words. Chosen, not tuned: news-dev has four such questions; the best sentences
#: of its three true claims hold 71-88% of their words, of its false one 40%.
STATES_CLAIM = 0.6
#: A denial: a sentence holding all of a claim's words but "not" ("not", "never"...
#: are stop words) does not state it. ("No." before a figure is a number's.)
_NEGATION = re.compile(r"\b(?:not|never|no(?!\.\s*\d)|neither|nor|nobody|nothing|none|cannot)\b"
                       r"|\w(?:n['’]t)\b", re.IGNORECASE)
#: The sentence answer that proves a short answer: words at most (two sentences).
MAX_PROOF_WORDS = 60
_MIN_PROOF_WORDS = 12

_ORDINAL = re.compile(r"^(\d+)(?:st|nd|rd|th)$", re.IGNORECASE)
#: A figure and the size words after it ("4.5 million"); a quotation closing right
#: after it is not the figure's ("“all 14” of the nations").
_NUMBER_WORD = re.compile(r"^[^\s”\"-]+(?:\s+(?:thousand|million|billion|trillion|hundred|bn))*",
                          re.IGNORECASE)


@dataclass(frozen=True)
class Phrase:
    """One occurrence of a candidate answer in a passage."""

    text: str           # as shown
    key: str            # what occurrences of the same answer share
    hit_pos: int
    start: int          # article offsets of the phrase
    end: int
    sentence: tuple[int, int]   # article offsets of its sentence
    weight: float       # the occurrence's vote
    stating: float = 1.0    # how near the question's words stand (0.1 to 1): its vote
                            # without the passage's rank or the phrase's shape


_WORDS = re.compile(r"[A-Za-z][A-Za-z'’]+")


# -------------------------------------------------------------- candidates
_PLACE_BEFORE = re.compile(r"\b(?:in|from|to|across|near|at|into|of|throughout)\s+(?:the\s+)?$",
                           re.IGNORECASE)


def _place_part(sentence: str, start: int, end: int) -> tuple[int, int]:
    """The place in a name: "Mike Gallagher of Wisconsin" -> "Wisconsin",
    "California Republican" -> "California"."""
    text = sentence[start:end]
    start += re.search(r"^(?:.* of )?", text).end()
    words = list(re.finditer(r"\S+", sentence[start:end]))
    while len(words) > 1 and (words[-1].group().lower() in PERSON_NOUNS
                              or words[-1].group().lower().rstrip("s") in PERSON_NOUNS):
        words.pop()
    return start, start + words[-1].end() if words else end


_COUNTRY_NOUNS = frozenset({"country", "countries", "nation", "nations"})
_STATE_NOUNS = frozenset({"state", "states"})


def _place_key(text: str, key: str, noun: str) -> str | None:
    """What a place votes as, if it is the kind of place asked for: a country
    for "which country" (its adjective too: "Chinese" votes for China), a US
    state for "which state", neither for "which city"; ``None`` otherwise."""
    if noun in _COUNTRY_NOUNS:
        return country_of(text)
    if noun in _STATE_NOUNS:
        return key if key in US_STATES else None
    if noun in ("capital", "capitals"):
        return key if key in CAPITALS else None
    if noun in ("city", "cities", "town"):
        return None if place_kind(text) or key in REGIONS else key
    return key


def _name_bonus(sentence: str, start: int, text: str, target: Target) -> float:
    """More votes for a name shaped like what is asked: a person's two or three
    words, a place after "in" / "from", a name holding the question's noun
    ("Southwest Airlines" for "which airline")."""
    words = text.split()
    if target.kind == "person":     # ("by ": people() skips a name's first word as the sentence's)
        if people(f"by {text}") and len(words) <= 3:
            return 1.3
        return PERSON_UNLIKE if not_a_person(text) else 1.0
    if target.kind == "place":
        if not place_kind(text) and people(f"by {text}"):
            return PERSON_UNLIKE      # "Richard Branson" is not where
        return 1.5 if _PLACE_BEFORE.search(sentence[:start]) else 1.0
    noun = target.noun.rstrip("s")
    return 1.3 if noun and any(w.lower().rstrip("s") == noun for w in words) else 1.0


def _number_phrases(sentence: str, target: Target, asked_stems: frozenset[str],
                    asked_values: set) -> list[tuple[int, int, str, str, float]]:
    out = []
    for m in numbers(sentence):
        if m.value in asked_values or (target.kind == "percent") != (m.unit == "%") \
                and target.noun != "much":      # "dropped by how much": 80% answers it
            continue
        start, text, bonus_money = m.start, m.text, 1.0
        if start and sentence[start - 1] in "$£€":     # "$500": the currency is the unit
            start, text = start - 1, sentence[start - 1] + _NUMBER_WORD.match(text).group()
            bonus_money = 1.5 if target.noun == "much" else 1.0
        else:       # the number, and its unit when it follows: "14", "600 years", "12%"
            number = _NUMBER_WORD.match(text).group()
            if target.noun in ("many", "much"):     # "his 22nd title": how many? 22
                number = _ORDINAL.sub(r"\1", number)
            rest = text[len(number):].split()
            unit = rest[0] if rest and (rest[0] == "%" or term(rest[0]) == m.unit
                                        or rest[0].lower() in TIME_UNITS) else ""
            # The question's own unit is not part of the answer: "14" for "how
            # many nations", "7.8" for "what was the magnitude".
            text = number if target.unit_asked or not unit or m.unit in asked_stems else \
                text[:text.index(unit, len(number)) + len(unit)]
        # A number written into a compound ("the 15-member council") says what its
        # noun is, not how many did what is asked: its unit earns nothing.
        bonus = 1.0 + (m.unit in asked_stems and m.role != "attr") \
            + 0.5 * bool(m.context & asked_stems)
        bonus *= bonus_money
        if m.role == "total":
            bonus *= 0.5
        key = f"#{m.value}" + ("%" if m.unit == "%" else "")
        out.append((start, start + len(text), text, key, bonus))
    return out


def _date_phrases(sentence: str, target: Target, asked_values: set, telling: bool = False
                  ) -> list[tuple[int, int, str, str, float]]:
    """Dates of the kind asked for; not the day a report was told ("..., the
    42-year-old said Thursday"), unless the question asks about a telling
    (``telling``: "When did Google announce Bard?")."""
    out = []
    for m in dates(sentence):
        if m.value in asked_values or (m.kind == "date:time") != (target.noun == "time"):
            continue
        if m.kind == "date:weekday" and not telling and when_told(sentence, m.start):
            continue
        start, end, value = m.start, m.end, str(m.value)
        if target.noun == "year":
            if m.kind not in ("date:year", "date:full"):
                continue
            year = re.search(r"\d{4}", m.text)
            start, end, value = m.start + year.start(), m.start + year.end(), value[:4]
        elif target.noun == "month":
            month = re.search(r"[A-Z][a-z]+", m.text)
            if not month or m.kind not in ("date:full", "date:md"):
                continue
            start, end = m.start + month.start(), m.start + month.end()
            value = value[-5:-3]
        bonus = {"date:full": 1.2, "date:md": 1.2}.get(m.kind, 1.0)
        out.append((start, end, sentence[start:end], f"@{value}", bonus))
    return out


#: A whole word starting with a letter: "crème" is one word (which WordNet's
#: ASCII lemmas do not hold), not "cr" and an "e" (vitamin E, a food); "5g" no word.
_WORD_TOKEN = re.compile(r"(?<![\w'’-])[^\W\d_][\w'’-]*")


def _kinds(sentence: str, noun: str, asked: set[str]) -> list[tuple[int, int, str, str, float]]:
    """Lower-case words, or runs of up to three with single spaces between,
    that name a kind of ``noun`` ("eggs" for "which food", "great white
    shark" for "which sea creature"), the longest run first; one vote key per
    WordNet noun ("egg" and "eggs"). A capitalised word is a name's, unless it
    starts the sentence."""
    words = list(_WORD_TOKEN.finditer(sentence))
    out, taken = [], set()
    for size in (3, 2, 1):
        for i in range(len(words) - size + 1):
            run = words[i:i + size]
            text = sentence[run[0].start():run[-1].end()]
            if taken & set(range(i, i + size)) or len(text.split(" ")) != size \
                    or any(w.group()[0].isupper() and w.start() for w in run) \
                    or (size == 1 and text.lower() in STOP_WORDS) or content_words(text) <= asked:
                continue
            if is_kind_of(text, noun):
                taken.update(range(i, i + size))
                out.append((run[0].start(), run[-1].end(), text, f"kind:{lemma(text)}", 1.0))
    return out


def _noun_phrases(sentence: str, noun: str, asked: set[str]
                  ) -> list[tuple[int, int, str, str, float]]:
    """"<word> <noun>" ("sesame seeds" for "which seed"), and the words that
    name a kind of ``noun`` (:func:`_kinds`); a phrase that is both votes once,
    as the kind ("oak trees" for "which tree")."""
    out = _kinds(sentence, noun, asked)
    kinds = [(a, b) for a, b, *_ in out]
    for m in re.finditer(rf"\b([A-Za-z][\w'’-]+)\s+{re.escape(noun)}(?:e?s)?\b", sentence,
                         re.IGNORECASE):
        modifier = m.group(1).lower()
        if modifier in STOP_WORDS or content_words(modifier) <= asked or \
                any(a < m.end() and m.start() < b for a, b in kinds):
            continue
        out.append((m.start(), m.end(), m.group(), normalize_answer_text(m.group()), 1.0))
    return out


_QUOTE = re.compile(r"[“\"‘]([^”\"’“‘]{2,80}?)[”\"’](?![a-z])")


def _titles(sentence: str) -> list[tuple[int, int]]:
    """Spans of quoted titles ("the memoir “Spare”"), not quoted speech (over
    eight words)."""
    return [m.span(1) for m in _QUOTE.finditer(sentence) if len(m.group(1).split()) <= 8]


def _quoted(sentence: str, asked: set[str]) -> list[tuple[int, int, str, str, float]]:
    """Quoted titles as candidates."""
    out = []
    for a, b in _titles(sentence):
        text = sentence[a:b].strip(" ,.")
        if not text or content_words(text) <= asked:
            continue
        out.append((a, a + len(text), text, normalize_answer_text(text, drop_articles=True),
                    TITLE_QUOTED))
    return out


def _name_phrases(sentence: str, target: Target, known: frozenset[str], asked: frozenset[str],
                  asked_names: set[str]) -> list[tuple[int, int, str, str, float]]:
    """Names of the kind asked for: runs of capitalised words (the place in
    them for a place), none inside a quoted title for a person or place ("The
    Fabelmans"), none of the question's own."""
    runs = name_spans(sentence, known)
    if target.kind in ("person", "place"):
        titles = _titles(sentence)
        runs = [(a, b) for a, b in runs if not any(x <= a and b <= y for x, y in titles)]
    if target.kind == "place":
        runs = [_place_part(sentence, a, b) for a, b in runs]
    out = []
    for a, b in runs:
        text = sentence[a:b]
        words = content_words(text)
        key = normalize_answer_text(text, drop_articles=True)
        if target.kind == "place":
            key = _place_key(text, key, target.noun)
            if key is None:
                continue
        if not words or words <= asked or set(key.split()) & asked_names:
            continue    # a name of the question's own is not its answer
        # Partly the question's words ("Golden Globe Awards" for a question on
        # the Golden Globes): less likely its answer.
        echo = 1 - 0.5 * len(words & asked) / len(words)
        out.append((a, b, text, key, echo * _name_bonus(sentence, a, text, target)))
    return out


def candidates(question: str, hits: list[Hit], quoted: set[tuple[int, int]] = frozenset(),
               target: Target | None = None) -> list[Phrase]:
    """Every occurrence of a phrase of the kind ``question`` asks for in ``hits``,
    with its vote. ``quoted`` holds article spans of the sentences the
    extractive answer quotes (as ``(hit position, sentence start)``); ``target``
    is :func:`question_target` of ``question`` when already known."""
    target = target or question_target(question)
    if not target.phrase:
        return []
    asked = content_words(question)
    # As the facts parser names units and context: stems, synonyms folded.
    asked_stems = frozenset(term(w) for w in _WORDS.findall(question)
                            if w.lower() not in STOP_WORDS)
    asked_values = {m.value for m in numbers(question)} | {m.value for m in dates(question)}
    telling = asks_about_telling(question)
    asked_names = {token for a, b in name_spans(question)
                   for token in normalize_answer_text(question[a:b], drop_articles=True).split()}
    known = frozenset().union(*(capitalised_inside(h.text) for h in hits))
    sentences, seen = [], set()
    for pos, hit in enumerate(hits):
        for s_start, s_end in split_sentences(hit.text, offset=hit.start):
            if (hit.article_id, s_start) not in seen:   # overlapping chunks repeat sentences
                seen.add((hit.article_id, s_start))
                sentences.append((pos, s_start, s_end,
                                  hit.text[s_start - hit.start:s_end - hit.start]))
    # The question's rarer words say more: "Best Director" more than the
    # "Golden Globes" every retrieved sentence mentions.
    holding = [content_words(sentence) & asked for *_, sentence in sentences]
    rarity = {w: math.log(1 + len(sentences) / (1 + sum(w in h for h in holding)))
              for w in asked}
    total = sum(rarity.values()) or 1.0

    def nearness(text: str) -> float:
        return sum(rarity[w] for w in content_words(text) & asked) / total

    def closeness(words: list[tuple[int, int, str]], a: int, b: int) -> float:
        """How close the question's words stand to the phrase at ``a:b``,
        word by word (rarer words count more), each decaying with distance."""
        best: dict[str, int] = {}
        inside = [i for i, (s, e, _) in enumerate(words) if a <= s < b]
        first, last = (inside[0], inside[-1]) if inside else (0, -1)
        for i, (s, e, w) in enumerate(words):
            if w in asked and not a <= s < b:
                d = first - i if i < first else i - last
                best[w] = min(best.get(w, d), d)
        return sum(rarity[w] * math.exp(-(d - 1) / PROXIMITY_WORDS)
                   for w, d in best.items()) / total

    out: list[Phrase] = []
    for (pos, s_start, s_end, sentence), held in zip(sentences, holding):
        if not held:
            continue
        if target.kind in ("number", "percent"):
            found = _number_phrases(sentence, target, asked_stems, asked_values)
        elif target.kind == "date":
            found = _date_phrases(sentence, target, asked_values, telling)
        else:
            found = _name_phrases(sentence, target, known, asked, asked_names)
            if target.kind == "thing" and target.noun:
                found += _noun_phrases(sentence, target.noun, asked)
            if target.kind == "title":
                found += _quoted(sentence, asked)
        if not found:
            continue
        weight = 1 / math.sqrt(1 + pos) * (1.5 if (pos, s_start) in quoted else 1.0)
        near, words = nearness(sentence), stemmed_words(sentence)
        # Near the question's words: in the sentence, and within a few words.
        for a, b, text, key, bonus in found:
            stating = 0.1 + NEAR_SHARE * near + (1 - NEAR_SHARE) * closeness(words, a, b)
            out.append(Phrase(text, key, pos, s_start + a, s_start + b, (s_start, s_end),
                              weight * bonus * stating, stating))
    return out


# -------------------------------------------------------------------- vote
def vote(phrases: list[Phrase], hits: list[Hit], asked: frozenset[str] = frozenset(),
         share_for_longer: float = 0.5) -> tuple[str, float] | None:
    """The winning candidate's key and score.

    A candidate's score is the sum, over articles, of the article's votes for
    it or for a longer name holding it ("McCarthy" gets the votes of "Kevin
    McCarthy"; the question's own words, ``asked``, are left out of that
    comparison: "Pope Francis" does not hold "Pope Benedict"). An article's
    votes are its best occurrence plus a little for each further one, so
    outlets count more than repetition. The winner is then shown in its longest
    form that at least half of those votes state ("Kevin McCarthy", not "Speaker Kevin McCarthy").
    """
    if not phrases:
        return None
    tokens, supports, scores = _supports(phrases, hits, asked)
    root = max(scores, key=lambda k: (scores[k], len(tokens[k]), k))
    longer = [k for k in scores if tokens[root] <= tokens[k]
              and len(supports[k]) >= len(supports[root]) * share_for_longer]
    shown = max(longer, key=lambda k: (len(tokens[k]), scores[k], k))
    return shown, scores[root]


def _supports(phrases: list[Phrase], hits: list[Hit], asked: frozenset[str]
              ) -> tuple[dict[str, frozenset[str]], dict[str, dict[str, float]],
                         dict[str, float]]:
    """Each candidate's words (without the question's), its votes by article
    (the article's best occurrence plus a little for each further one, of it or
    of a longer name holding it), and its score: the sum of those votes."""
    tokens = {p.key: frozenset(p.key.split()) - asked or frozenset(p.key.split())
              for p in phrases}
    weights: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for p in phrases:
        weights[p.key][hits[p.hit_pos].article_id].append(p.weight)
    by_article = {key: {article: max(w) + _REPEAT_SHARE * (sum(w) - max(w))
                        for article, w in votes.items()} for key, votes in weights.items()}

    def support(key: str) -> dict[str, float]:
        best: dict[str, float] = {}
        for other, votes in by_article.items():
            if tokens[key] <= tokens[other]:
                for article, weight in votes.items():
                    best[article] = max(best.get(article, 0.0), weight)
        return best

    supports = {key: support(key) for key in by_article}
    return tokens, supports, {key: sum(votes.values()) for key, votes in supports.items()}


def candidate_scores(phrases: list[Phrase], hits: list[Hit],
                     asked: frozenset[str] = frozenset()) -> dict[str, float]:
    """Every candidate's score in :func:`vote` (its key -> the sum of its
    articles' votes), for looking at what the vote passed over."""
    return _supports(phrases, hits, asked)[2]


def short_answer(question: str, hits: list[Hit], quoted: set[tuple[int, int]] = frozenset(),
                 target: Target | None = None) -> tuple[str, float, list[Phrase]] | None:
    """The short answer's text, score and occurrences (best passage first)."""
    target = target or question_target(question)
    phrases = candidates(question, hits, quoted, target)
    asked = frozenset(normalize_answer_text(" ".join(content_words(question))).split())
    # A place is named in full by (nearly) everyone, or it is a part of it
    # ("Northern California" is not "California").
    won = vote(phrases, hits, asked, share_for_longer=0.9 if target.kind == "place" else 0.5)
    if won is None:
        return None
    key, score = won
    mine = [p for p in phrases if p.key == key]
    written = defaultdict(float)
    for p in mine:
        written[p.text] += p.weight
    # Shown as most of its votes write it ("eggs", not "egg prices"' "egg"),
    # a country named rather than its adjective ("China", not "Chinese").
    chosen = sorted(mine, key=lambda p: (normalize_answer_text(p.text, drop_articles=True) != key,
                                         -written[p.text], -p.weight, p.hit_pos))
    return chosen[0].text, score, chosen


def with_short_answer(answer: Answer) -> Answer:
    """``answer`` with :attr:`Answer.short` filled in (left ``None`` when it
    abstains or the question wants an explanation), cited as
    :func:`cite_short_answer` says, and its sentences cut to what proves it
    (:func:`proven`); a true-or-false question's is a :func:`verdict`."""
    if answer.abstained or not answer.hits:
        return answer
    if stated := claim(answer.question):
        return verdict(answer, stated)
    target = question_target(answer.question)
    if not target.phrase:
        return answer
    found = short_answer(answer.question, answer.hits, quoted_sentences(answer), target)
    if found is None or found[1] < SHORT_ANSWER_FLOOR:
        return answer
    text, score, occurrences = found
    strongest = max(p.stating for p in occurrences)
    occurrences = [p for p in occurrences if p.stating >= STATES_IT_SHARE * strongest]
    answer = cite_short_answer(answer, ShortAnswer(text, target.kind, (), round(score, 4)),
                               occurrences)
    cited = _numbers(answer)
    return proven(answer, next(p for p in occurrences if p.hit_pos in cited))


def quoted_sentences(answer: Answer) -> set[tuple[int, int]]:
    """The sentences ``answer`` quotes, as :func:`candidates` takes them:
    ``(hit position, sentence start)``."""
    position_of = {number: pos for pos, number in _numbers(answer).items()}
    quoted = set()
    for c in answer.citations:
        for q_start, _ in c.quotes:
            if sentence := sentence_at(c.hit.text, q_start, c.hit.start):
                quoted.add((position_of.get(c.number), sentence[0]))
    return quoted


def verdict(answer: Answer, stated: str) -> Answer:
    """A true-or-false question's short answer: "True" when a sentence of the
    answer states the claim (holds at least :data:`STATES_CLAIM` of its
    words), "False" when one that holds half its words gives a different
    number, date or name for the same thing (:func:`rag.text.facts.find_conflicts`);
    no short answer otherwise: a claim the sources do not state is not shown
    false. Of such sentences the one holding most of the claim's words decides
    (the first of equals): a sentence on something else that shares half the
    words and gives another figure does not overrule one stating the claim.
    A sentence denying what the claim asserts (or asserting what it denies:
    "not", "never", "didn't") does not state it. Its span is that sentence,
    where the answer quotes it."""
    words, denies = content_words(stated), bool(_NEGATION.search(stated))
    best = None
    for sentence in answer.sentences:
        share = word_share(words, content_words(sentence.text))
        if best is not None and share <= best[1]:
            continue
        if share >= 0.5 and find_conflicts(stated, sentence.text):
            best = ("False", share, sentence)
        elif share >= STATES_CLAIM and bool(_NEGATION.search(sentence.text)) == denies:
            best = ("True", share, sentence)
    if best is None:
        return answer
    text, share, sentence = best
    by_number = {c.number: c for c in answer.citations}
    spans = tuple(ShortAnswerSpan(n, by_number[n].article_id, *_quote_of(by_number[n], sentence))
                  for n in sentence.citations if n in by_number)
    outlets = tuple(dict.fromkeys(outlet_name(by_number[n].hit) for n in sentence.citations
                                  if n in by_number))
    return replace(answer, short=ShortAnswer(text, "verdict", spans, round(share, 4), outlets))


def _quote_of(citation: Citation, sentence: AnswerSentence) -> tuple[int, int]:
    """The span of ``citation``'s quotes that ``sentence`` quotes (the one
    sharing most of its words)."""
    hit, words = citation.hit, content_words(sentence.text)
    return max(citation.quotes or ((hit.start, hit.end),), key=lambda q: len(
        words & content_words(hit.text[q[0] - hit.start:q[1] - hit.start])))


def cite_short_answer(answer: Answer, short: ShortAnswer, occurrences: list[Phrase]) -> Answer:
    """``answer`` with ``short``, whose spans are its ``occurrences`` in the
    passages cited for it: those the answer cites, then the uncited ones in the
    order given, at most :data:`MAX_CITED_PASSAGES` passages in all (new
    citations numbered after the highest, whatever numbers ``answer`` uses);
    ``outlets`` are every outlet stating it."""
    hits, citations, number_of = answer.hits, list(answer.citations), _numbers(answer)
    passages = list(dict.fromkeys(p.hit_pos for p in occurrences))
    passages = sorted(passages, key=lambda pos: pos not in number_of)[:max(
        MAX_CITED_PASSAGES, sum(pos in number_of for pos in passages))]
    for pos in passages:
        if pos not in number_of:
            number_of[pos] = max((c.number for c in citations), default=0) + 1
            sentence = next(p.sentence for p in occurrences if p.hit_pos == pos)
            citations.append(Citation(number_of[pos], hits[pos].article_id, hits[pos],
                                      (sentence,)))
    spans = tuple(ShortAnswerSpan(number_of[p.hit_pos], hits[p.hit_pos].article_id, p.start,
                                  p.end) for p in occurrences if p.hit_pos in passages)
    outlets = tuple(dict.fromkeys(outlet_name(hits[p.hit_pos]) for p in occurrences))
    return replace(answer, short=replace(short, spans=spans, outlets=outlets),
                   citations=citations)


def proven(answer: Answer, best: Phrase) -> Answer:
    """The sentence answer cut to what proves the short answer: the best
    sentence, and when it does not state the short answer, the sentence that
    does (``best``, the strongest occurrence), clipped to the clauses around it
    when long ("…" shows a cut): at most two sentences and
    :data:`MAX_PROOF_WORDS` words. Citations no longer quoted are dropped and
    the rest renumbered; each keeps the quotes of the sentences still shown, and
    one cited for the short answer where none of those holds it quotes the
    sentences that do (so its excerpt shows what it is cited for)."""
    short, first = answer.short, answer.sentences[:1]
    if short is None or not first:
        return answer
    by_number = {c.number: c for c in answer.citations}
    # (A citation that quotes nothing, an unsupported sentence's, still quotes nothing.)
    quotes = {n: [_quote_of(by_number[n], first[0])] if by_number[n].quotes else []
              for n in first[0].citations if n in by_number}
    sentences = list(first)
    if short.text.lower() not in first[0].text.lower():
        hit, number = answer.hits[best.hit_pos], _numbers(answer)[best.hit_pos]
        start, end = _clip(hit, best, MAX_PROOF_WORDS - len(first[0].text.split()))
        proof = hit.text[start - hit.start:end - hit.start].strip()
        # Words cut off show as "…" (a quotation mark alone is no cut), inside a
        # quotation they cut: “… a clear majority …”.
        before, after = (hit.text[a - hit.start:b - hit.start] for a, b in (
            (best.sentence[0], start), (end, best.sentence[1])))
        shown = (f"…{proof}" if _has_word(before) else proof[:1].upper() + proof[1:]) \
            + (f" …{_unclosed_quote(proof)}" if _has_word(after) else "")
        sentences.append(AnswerSentence(shown, (number,)))
        quotes.setdefault(number, []).append((start, end))
    # Renumber: the citations still quoted, in order of first mention.
    keep = list(dict.fromkeys([n for s in sentences for n in s.citations] +
                              [sp.citation for sp in short.spans]))
    for n in keep:
        # Cited for the short answer, but nothing quoted of it holds the short
        # answer (or it was cited for the short answer only): the sentences holding it.
        held, spans = quotes.setdefault(n, []), [sp for sp in short.spans if sp.citation == n]
        if not any(a <= sp.start and sp.end <= b for sp in spans for a, b in held):
            hit = by_number[n].hit
            held += [sentence_at(hit.text, sp.start, hit.start) or (sp.start, sp.end)
                     for sp in spans]
    new = {old: i + 1 for i, old in enumerate(keep)}
    sentences = [replace(s, citations=tuple(new[n] for n in s.citations)) for s in sentences]
    short = replace(short, spans=tuple(replace(sp, citation=new[sp.citation])
                                       for sp in short.spans))
    # A note naming a citation ("Citation [3] was corrected in ...") follows its new
    # number; one naming a citation no longer cited is about a sentence no longer shown.
    notes = [_MARKER.sub(lambda m: f"[{new.get(int(m.group(1)), m.group(1))}]", note)
             for note in answer.notes if not any(
                 n in by_number and n not in new for n in map(int, _MARKER.findall(note)))]
    return replace(answer, sentences=sentences, text=cited_text(sentences), short=short,
                   notes=notes, citations=[replace(by_number[n], number=new[n],
                                                   quotes=tuple(dict.fromkeys(quotes[n])))
                                           for n in keep])


_MARKER = re.compile(r"\[(\d+)\]")


#: The last quotation mark of a text, when it opens a quotation (“ or a straight ").
_OPENING_QUOTE = re.compile(r'(“|(?<!\S)")[^“”"]*$')


def _unclosed_quote(text: str) -> str:
    """The mark that closes the quotation ``text`` opens and leaves open; ``""``
    when it leaves none open."""
    m = _OPENING_QUOTE.search(text)
    return ("”" if m.group(1) == "“" else '"') if m else ""


def _has_word(text: str) -> bool:
    return any(ch.isalnum() for ch in text)


def _numbers(answer: Answer) -> dict[int, int]:
    """Hit position -> citation number of the answer's cited passages."""
    return {pos: c.number for c in answer.citations
            for pos, h in enumerate(answer.hits) if h == c.hit}


def _clip(hit: Hit, phrase: Phrase, words: int) -> tuple[int, int]:
    """Article offsets of ``phrase``'s sentence, or when it has more than
    ``words`` words, of the clause holding the phrase and its neighbours."""
    start, end = phrase.sentence
    text = hit.text[start - hit.start:end - hit.start]
    if len(text.split()) <= max(words, _MIN_PROOF_WORDS):
        return start, end
    spans = clause_spans(text, at_conjunctions=False)
    at = next((i for i, (a, b) in enumerate(spans) if a <= phrase.start - start < b), 0)
    lo = hi = at
    while True:     # grow around the phrase's clause while it fits
        grown = False
        for i in (hi + 1, lo - 1):
            if 0 <= i < len(spans) and len(text[spans[min(lo, i)][0]:spans[max(hi, i)][1]]
                                           .split()) <= words:
                lo, hi, grown = min(lo, i), max(hi, i), True
                break
        if not grown:
            break
    a, b = spans[lo][0], spans[hi][1]
    # Quotation marks end clauses: a quotation the clip opens ends with its
    # closing mark when that comes right after ("“a clear majority”").
    if (mark := _unclosed_quote(text[a:b])) and (close := re.match(rf"[,;:]?{mark}", text[b:])):
        b += close.end()
    return start + a, start + b
