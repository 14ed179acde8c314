"""What a sentence states, in comparable form: names, numbers and dates.

Pure text functions used by :mod:`rag.corroboration.corroborator` for its lexical
checks, and by :mod:`rag.answering.extractive`, which never merges two sentences that
:func:`find_conflicts` finds giving different values for the same thing:

- numbers are normalised to values ("32,000", "32 thousand" and "thirty-two
  thousand" are all 32000.0), with the words around them as :func:`term` s
  ("backed by 14 nations" -> unit ``member``, context ``{back, member}``) so
  two mentions can be recognised as being about the same thing;
- dates become ``YYYY-MM-DD`` / ``MM-DD`` / weekday / year values;
- names are runs of capitalised words, with a few aliases ("United States",
  "U.S." -> "US") so outlets that spell them differently still match.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .words import STOP_WORDS, content_words, stem

__all__ = ["Mention", "Conflict", "numbers", "dates", "names", "name_spans", "capitalised_inside",
           "people",
           "not_a_person", "term", "names_match", "values_agree", "same_slot", "parse_number",
           "disagree", "find_conflicts"]

#: Words that never say what a figure counts or which figure it is, besides
#: the stop words: spans of time and the adjectives that order events.
_VAGUE = frozenset("new last first year years week weeks day days time times".split())

_UNITS = {"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
          "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
          "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17,
          "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40,
          "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
          "hundred": 100, "dozen": 12}
_SCALES = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12, "bn": 1e9,
           "hundred": 1e2}
_MONTHS = {m: i for i, m in enumerate(
    "january february march april may june july august september october november december"
    .split(), 1)}
_MONTHS.update({m[:3]: i for m, i in list(_MONTHS.items())})
_MONTHS["sept"] = 9
_WEEKDAYS = "monday tuesday wednesday thursday friday saturday sunday".split()
_APPROX = re.compile(r"\b(more than|over|about|around|nearly|almost|some|roughly|at least|"
                     r"up to|approximately|close to|passe[sd]|exceed(?:s|ed)?|topp?(?:s|ed)|"
                     r"fewer than|less than|under|estimated|an estimated)\s+$", re.IGNORECASE)
#: Units that name the same thing in different words (by stem: see :func:`term`).
_SYNONYMS = {"nation": "member", "country": "member", "state": "member", "member": "member",
             "percent": "%", "cent": "%", "people": "person", "person": "person",
             "dead": "death", "killed": "death", "kill": "death", "died": "death",
             "fatality": "death", "toll": "death"}
_ALIASES = [(re.compile(p), r) for p, r in (
    (r"\bU\.S\.A?\.?(?=\W|$)", "US"), (r"\bUnited States(?: of America)?\b", "US"),
    (r"\bU\.N\.(?=\W|$)", "UN"), (r"\bUnited Nations\b", "UN"),
    (r"\bU\.K\.(?=\W|$)", "UK"), (r"\bUnited Kingdom\b", "UK"), (r"\bBritain\b", "UK"))]
_NAME_TITLES = {"mr", "mrs", "ms", "dr", "the", "president", "prime", "minister", "secretary",
                "sen", "rep", "gov", "gen", "st", "of", "and", "said", "says"}

# A comma belongs to a number only between digits ("32,000"; "14," is 14).
_TOKEN = re.compile(r"\d+(?:,\d+)*(?:\.\d+)?(?:[kK]\b|bn\b)?(?:-[A-Za-z]+)?"
                    r"|[A-Za-z][A-Za-z'’]*(?:-[A-Za-z]+)*|%")
# "10K", "2bn": a scale written into the number.
_SUFFIX_SCALES = {"k": 1e3, "bn": 1e9}
# (Compiled once: these run for every word of every sentence compared.)
_DIGITS = re.compile(r"(\d[\d,]*(?:\.\d+)?)(k|bn)?")
_THOUSANDS = re.compile(r"\d{1,3}(,\d{3})+(\.\d+)?")
_CLAUSE_BREAK = re.compile(r"[,;:.()\u2014\u2013]")
_OF_BEFORE = re.compile(r"\bof(?: the| its| their)?$")
_ING_OR_LY = re.compile(r"(?:ing|ly)$")
_POSSESSIVE = re.compile(r"['’]s$")


@dataclass(frozen=True)
class Mention:
    """A number or date in a sentence.

    ``value`` is comparable across wordings; ``role`` separates counts from
    totals ("14 *of* 15") and attributes ("15-member council"); ``unit`` is
    the word the number counts; ``context`` the content stems around it.
    """

    kind: str            # "number" | "date:full" | "date:md" | "date:weekday" | "date:year"
    #                      | "date:time" (a time of day, "19:30")
    value: object
    text: str            # the phrase as written, e.g. "14 nations"
    start: int
    end: int
    role: str = "count"
    unit: str = ""
    context: frozenset = frozenset()
    approx: bool = False


@lru_cache(maxsize=1)
def _synonyms() -> dict[str, str]:
    return {stem(word): same for word, same in _SYNONYMS.items()}


def term(word: str) -> str:
    """``word`` as a unit or context word: its stem, or the stem all its
    synonyms share ("nations", "countries" -> "member"; "killed" -> "death")."""
    stemmed = stem(word)
    return _synonyms().get(stemmed, stemmed)


def _is_vague(word: str) -> bool:
    lower = word.lower()
    return lower in STOP_WORDS or lower in _VAGUE


def _tokens(text: str) -> list[tuple[str, int, int]]:
    return [(m.group(0), m.start(), m.end()) for m in _TOKEN.finditer(text)]


def parse_number(words: list[str]) -> tuple[float, int] | None:
    """The value of the number at the start of ``words`` and how many words it used.

    ``["32,000"]``, ``["32", "thousand"]``, ``["thirty-two", "thousand"]`` and
    ``["1.2", "million"]`` all parse; ``"one"`` alone does not (too often a
    pronoun).
    """
    if not words:
        return None
    first = words[0].lower()
    used = 1
    digits = _DIGITS.fullmatch(first) if first[:1].isdigit() else None
    if digits:
        number, suffix = digits.groups()
        if "," in number and not _THOUSANDS.fullmatch(number):
            return None
        value = float(number.replace(",", "")) * _SUFFIX_SCALES.get(suffix or "", 1)
    else:
        parts = first.split("-")
        if not all(p in _UNITS for p in parts) or first in {"one", "dozen", "hundred"} \
                and not (len(words) > 1 and words[1].lower() in _SCALES):
            return None
        value = float(sum(_UNITS[p] for p in parts))
    while used < len(words) and words[used].lower() in _SCALES:
        value *= _SCALES[words[used].lower()]
        used += 1
    return value, used


def numbers(sentence: str) -> list[Mention]:
    """Every quantity in ``sentence`` (years and day numbers of dates excluded)."""
    date_spans = [(d.start, d.end) for d in _dates(sentence)]
    toks = _tokens(sentence)
    words = [t for t, _, _ in toks]
    out, i = [], 0
    while i < len(toks):
        word, start, end = toks[i]
        head, _, tail = word.partition("-")
        is_attr = bool(tail) and head[:1].isdigit()       # "15-member"
        parsed = parse_number([head] if is_attr else words[i:i + 3])
        # "COVID-19", "F-35": a number joined to a word is part of a name;
        # "2/3", "24/7": a number joined by a slash is part of a ratio.
        in_name = head[:1].isdigit() and start > 0 and sentence[start - 1] == "-" \
            and sentence[start - 2:start - 1].isalpha()
        in_ratio = head[:1].isdigit() and "/" in (sentence[start - 1:start], sentence[end:end + 1])
        if parsed is None or in_name or in_ratio or any(a <= start < b for a, b in date_spans):
            i += 1
            continue
        value, used = parsed
        last = i + used - 1
        j = last + 1
        role = "attr" if is_attr else "count"
        unit = term(tail) if is_attr else ""
        if j < len(toks) and words[j].lower() in ("%", "percent", "per"):
            unit = "%"
        # "14 of the 15 members": the count's unit is the total's unit.
        k = j
        if not unit and k < len(toks) and words[k].lower() == "of":
            k += 1
            if k < len(toks) and words[k].lower() in ("the", "its", "their"):
                k += 1
            total = parse_number(words[k:k + 3]) if k < len(toks) else None
            if total:
                role = "part"
                k += total[1]
        if not unit:
            # The first content word after the number, in the same clause.
            prev_end = toks[k - 1][2] if k > 0 else 0
            for w, s, e in toks[k:k + 3]:
                if _CLAUSE_BREAK.search(sentence[prev_end:s]):
                    break
                prev_end = e
                if not _is_vague(w) and not w[:1].isdigit() and w[:1].islower() \
                        and parse_number([w]) is None:
                    unit = term(w)
                    break
        phrase_end = toks[last][2]
        if unit == "%" and j < len(toks):
            phrase_end = toks[j + 1][2] if words[j].lower() == "per" and j + 1 < len(toks) \
                else toks[j][2]
        elif unit and not is_attr:
            for t, _, e in toks[k:k + 3]:
                if term(t) == unit:
                    phrase_end = e
                    break
        window = words[max(0, i - 4):i] + words[last + 1:last + 5]
        context = frozenset(term(w) for w in window
                            if not _is_vague(w) and not w[:1].isdigit() and len(w) > 2
                            and w.lower() not in _SCALES and parse_number([w]) is None
                            and w.lower() not in _MONTHS and w.lower() not in _WEEKDAYS)
        out.append(Mention("number", value, sentence[start:phrase_end], start, phrase_end,
                           role, unit, context, bool(_APPROX.search(sentence[:start]))))
        i = last + 1
    # Mark totals that follow a part ("14 of the 15"): they are a different slot.
    fixed = []
    for m in out:
        before = sentence[:m.start].rstrip().lower()
        if _OF_BEFORE.search(before) and any(
                p.role == "part" and p.start < m.start for p in out):
            m = Mention(m.kind, m.value, m.text, m.start, m.end, "total", m.unit, m.context,
                        m.approx)
        fixed.append(m)
    return fixed


_DATE_PATTERNS = [
    # A time of day ("7:30 p.m.", "10am") is a value of its own, not the
    # numbers 7 and 30 of a unit "p".
    ("date:time", re.compile(r"\b(\d{1,2})(?::([0-5]\d))?\s?([AaPp])\.?\s?[Mm]\b\.?"), "t"),
    ("date:full", re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b"), "ymd"),
    ("date:full", re.compile(r"\b([A-Z][a-z]{2,8})\.? (\d{1,2})(?:st|nd|rd|th)?,? (\d{4})\b"),
     "mdy"),
    ("date:full", re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)? ([A-Z][a-z]{2,8}),? (\d{4})\b"),
     "dmy"),
    ("date:md", re.compile(r"\b([A-Z][a-z]{2,8})\.? (\d{1,2})(?:st|nd|rd|th)?\b(?!,? \d{4})"),
     "md"),
    ("date:md", re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)? ([A-Z][a-z]{2,8})\b(?!,? \d{4})"),
     "dm"),
    ("date:weekday", re.compile(r"\b(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|"
                                r"Sunday)\b"), "w"),
    ("date:year", re.compile(r"(?<![\d,.$])\b(1[89]\d\d|20\d\d)\b(?!\d|,\d|-\d)"), "y"),
]


def dates(sentence: str) -> list[Mention]:
    """Dates in ``sentence``, normalised (``2024-03-25``, ``03-25``, ``monday``, ``2024``,
    times of day as ``19:30``)."""
    return list(_dates(sentence))


@lru_cache(maxsize=8192)
def _dates(sentence: str) -> tuple[Mention, ...]:
    # Cached: :func:`numbers` needs a sentence's dates and the conflict checks
    # ask for them again (mentions are frozen, so sharing them is safe).
    out: list[Mention] = []
    taken: list[tuple[int, int]] = []
    for kind, pattern, shape in _DATE_PATTERNS:
        for m in pattern.finditer(sentence):
            if any(a < m.end() and m.start() < b for a, b in taken):
                continue
            value = _date_value(shape, m.groups())
            if value is None:
                continue
            taken.append((m.start(), m.end()))
            words = re.findall(r"[A-Za-z']+", sentence[max(0, m.start() - 60):m.start()])[-5:] \
                + re.findall(r"[A-Za-z']+", sentence[m.end():m.end() + 60])[:5]
            context = frozenset(term(w) for w in words
                                if not _is_vague(w) and w.lower() not in _MONTHS
                                and w.lower() not in _WEEKDAYS and len(w) > 2)
            out.append(Mention(kind, value, m.group(0), m.start(), m.end(), "date", "",
                               context))
    return tuple(sorted(out, key=lambda m: m.start))


def _date_value(shape: str, groups) -> str | None:
    if shape == "t":                                   # 24-hour "HH:MM"
        hour, minute, half = int(groups[0]), int(groups[1] or 0), groups[2].lower()
        if not 1 <= hour <= 12:
            return None
        return f"{hour % 12 + (12 if half == 'p' else 0):02d}:{minute:02d}"
    if shape == "ymd":
        y, mo, d = groups
        return f"{y}-{mo}-{d}" if 1 <= int(mo) <= 12 and 1 <= int(d) <= 31 else None
    if shape == "w":
        return groups[0].lower()
    if shape == "y":
        return groups[0]
    if shape in ("mdy", "md"):
        month, day = groups[0], groups[1]
    else:
        day, month = groups[0], groups[1]
    mo = _MONTHS.get(month.lower())
    if not mo or not 1 <= int(day) <= 31:
        return None
    md = f"{mo:02d}-{int(day):02d}"
    return f"{groups[2]}-{md}" if shape in ("mdy", "dmy") else md


def _aliased(sentence: str) -> str:
    for pattern, replacement in _ALIASES:
        sentence = pattern.sub(replacement, sentence)
    return sentence


_NAME_TOKEN = re.compile(r"[\w&][\w'’.&-]*")
_LINKS = frozenset({"&", "of", "de", "da", "von", "van", "del", "la"})
_COMPANY_SUFFIXES = frozenset({"inc", "corp", "co", "ltd", "llc", "plc", "group"})
_LEADING_TITLES = frozenset({"former", "late", "then", "ex", "mr", "mrs", "ms", "dr", "rep",
                             "sen", "gov", "gen"})
_MONTHS_AND_DAYS = frozenset([*_MONTHS, *_WEEKDAYS, "mon", "tue", "tues", "wed", "thu", "thur",
                              "thurs", "fri", "sat", "sun"])


def name_spans(sentence: str, known: frozenset[str] = frozenset()) -> list[tuple[int, int]]:
    """Spans of runs of capitalised words ("Kevin McCarthy", "Bed Bath & Beyond",
    "Three 6 Mafia") that nothing but single spaces separates, without a
    leading stop word ("The") and never just a month or weekday. A lone
    capitalised first word counts only when ``known`` holds it (it was seen
    capitalised inside a sentence)."""
    runs, current = [], []

    def close():
        while current and (not current[-1][2][0].isupper()
                           or current[-1][2].lower() in _COMPANY_SUFFIXES):
            current.pop()
        while current and (current[0][2].lower() in STOP_WORDS and not current[0][2].isupper()
                           or current[0][2].lower() in _LEADING_TITLES
                           # "Struggling Bed Bath & Beyond"
                           or len(current) > 1 and _ING_OR_LY.search(current[0][2])):
            current.pop(0)
        # A lone capitalised first word is usually just the start of the sentence
        # (also after the "…" of a sentence shown cut, or a quotation mark:
        # "…Diplomats said", "“Diplomats said").
        lone_first = len(current) == 1 \
            and not any(ch.isalnum() for ch in sentence[:current[0][0]]) \
            and not current[0][2].isupper() and current[0][2] not in known
        if current and not lone_first \
                and not all(t[2].lower() in _MONTHS_AND_DAYS for t in current):
            runs.append((current[0][0], current[-1][1]))
        current.clear()

    last_end = 0
    for match in _NAME_TOKEN.finditer(sentence):
        word = match.group().rstrip(".'’")
        if len(word) > 1 and word[-1] in ".-":
            word = word.rstrip(".-")
        possessive = _POSSESSIVE.search(word)
        if possessive:
            word = word[:possessive.start()]
        if sentence[last_end:match.start()] != " ":
            close()                       # punctuation between: another run
        last_end = match.start() + len(word)
        if word[:1].isupper():
            current.append((match.start(), last_end, word))
        elif current and (word in _LINKS or word[:1].isdigit()):
            current.append((match.start(), last_end, word))
        else:
            close()
        if possessive or last_end < match.end():
            close()
            last_end = match.end()
    close()
    return runs


_MID_SENTENCE_CAPS = re.compile(r"(?<=[a-z,] )[A-Z][\w'’&-]*")


@lru_cache(maxsize=256)
def capitalised_inside(text: str) -> frozenset[str]:
    """Words ``text`` writes capitalised inside a sentence (after a lower-case
    word or a comma): names, which :func:`name_spans` may take as ``known``
    when one starts a sentence alone."""
    # Cached: the speaker reading (rag.text.speakers) and the short answer's
    # candidates both read every retrieved passage (a frozenset is safe to share).
    return frozenset(w.rstrip(".") for w in _MID_SENTENCE_CAPS.findall(text))


def _name_runs(sentence: str) -> list[list[str]]:
    """Runs of capitalised words (:func:`name_spans`), as words, aliases applied."""
    text = _aliased(sentence)
    # (A span ends before a possessive or a final period.)
    return [[w.replace("’", "'") for w in text[a:b].split()] for a, b in name_spans(text)]


def names(sentence: str) -> list[frozenset[str]]:
    """Names in ``sentence``: each a set of lower-case tokens ("Benjamin Netanyahu")."""
    out = []
    for run in _name_runs(sentence):
        tokens = frozenset(t.lower() for t in run if t.lower() not in _NAME_TITLES and len(t) > 1)
        if tokens:
            out.append(tokens)
    return out


#: Words that make a capitalised run an organisation or place, not a person.
_NOT_PERSON = set("""
council department house state states nations party ministry office court university bank
company news times post group union government committee agency association national
international security white united republic center centre institute foundation club league
team city county street avenue north south east west new san los las st fort lake river
mount gulf sea ocean strip bay island islands day church school hospital airport station
army navy force forces guard police senate congress parliament assembly commission board
federal democratic republican democrats republicans american israeli palestinian
""".split())


def people(sentence: str) -> list[frozenset[str]]:
    """Names that look like people: two or more capitalised words, none of them
    an organisation or place word ("Matthew Miller", "Benjamin Netanyahu")."""
    out = []
    for run in _name_runs(sentence):
        words = [w for w in run if w.lower() not in _NAME_TITLES]
        if len(words) >= 2 and not any(w.isupper() or w.lower() in _NOT_PERSON for w in words):
            out.append(frozenset(w.lower() for w in words))
    return out


def not_a_person(name: str) -> bool:
    """A name that cannot be a person's: one holding an organisation or place
    word ("House", "Supreme Court") or a title alone ("President"). (A
    country can answer "who": "Who is Israel's biggest ally?" "The US".)"""
    words = [w.lower().strip(".'’") for w in name.split()]
    return any(w in _NOT_PERSON for w in words) or all(w in _NAME_TITLES for w in words)


def names_match(a: frozenset[str], b: frozenset[str]) -> bool:
    """Same entity: the two names share a token ("Netanyahu", "Benjamin Netanyahu")."""
    return bool(a & b)


def values_agree(a: Mention, b: Mention) -> bool:
    """Equal values, allowing for rounding and hedges ("more than 32,000" ~ 32,414)."""
    if a.kind != b.kind:
        return False
    if a.kind != "number":
        return a.value == b.value
    x, y = float(a.value), float(b.value)
    if x == y:
        return True
    diff = abs(x - y) / max(abs(x), abs(y))
    rounded = any(v >= 1000 and v % 1000 == 0 or v >= 100 and v % 100 == 0 for v in (x, y))
    return (a.approx or b.approx) and diff <= 0.1 or rounded and diff <= 0.05


def same_slot(a: Mention, b: Mention) -> bool:
    """Are two mentions about the same thing (so different values would conflict)?"""
    if a.kind != b.kind or a.role != b.role:
        return False
    shared = a.context & b.context
    overlap = len(shared) / len(a.context | b.context) if shared else 0.0
    if a.kind == "number" and (a.unit or b.unit):
        # A count of something is only comparable with a count of the same
        # thing ("14 nations" / "12 countries" share no unit word, but "43"
        # passing touchdowns and "12 interceptions" are different things).
        # And a word besides the unit must be shared: "11 films" Spielberg
        # produced are not the "10 films" up for a prize.
        if a.unit != b.unit:
            return False
        if a.unit == "%":   # "%" says nothing of what is counted: the words must
            return overlap >= 0.5
        return bool(shared - {a.unit})
    # Without a unit, only the words around the values say what they are:
    # most of them must be the same ("accepting returns on January 24" is
    # not "the deadline to file returns is April 18").
    return overlap > 0.5


@dataclass(frozen=True)
class Conflict:
    """Two sentences giving different values for the same thing."""

    kind: str           # "number" | "date" | "name"
    about: str
    value_a: str
    value_b: str
    key: tuple          # what makes two conflicts the same disagreement


@lru_cache(maxsize=8192)
def _values(sentence: str) -> tuple[Mention, ...]:
    # Times of day are left out: in news they mostly stamp when a figure was
    # read ("1,100 flights canceled as of 1:30 p.m."), and two reports' stamps
    # differ by nature (on news-dev every time "disagreement" was such a pair).
    # Cached: corroboration compares the same sentences again and again.
    return tuple(numbers(sentence)
                 + [d for d in _dates(sentence) if d.kind != "date:time"])


@lru_cache(maxsize=8192)
def _names(sentence: str) -> tuple[frozenset[str], ...]:
    return tuple(names(sentence))


def _could_conflict(a: str, b: str) -> bool:
    """Whether :func:`find_conflicts` can find anything in ``a`` and ``b``
    (both give values, or both name someone): a cheap test before it."""
    return bool((_values(a) and _values(b)) or (_names(a) and _names(b)))


def disagree(a: str, b: str) -> bool:
    """Whether ``a`` and ``b`` give a different value for the same thing."""
    return _could_conflict(a, b) and bool(find_conflicts(a, b))


def find_conflicts(a: str, b: str) -> list[Conflict]:
    """Values that ``a`` and ``b`` give differently for the same thing."""
    out = []
    values_a = _values(a)
    values_b = _values(b) if values_a else ()
    for ma in values_a:
        for mb in values_b:
            if same_slot(ma, mb) and not values_agree(ma, mb):
                # Another mention of b with a's value for the same slot means
                # b states both (e.g. "up from 12 to 14"): not a conflict.
                if any(same_slot(ma, m2) and values_agree(ma, m2)
                       for m2 in values_b):
                    continue
                about = ma.text.split()[-1] if ma.kind == "number" and ma.unit and \
                    ma.role != "attr" else " ".join(sorted(ma.context & mb.context)) or ma.kind
                kind = "number" if ma.kind == "number" else "date"
                out.append(Conflict(kind, about, ma.text, mb.text,
                                    (kind, about, frozenset((str(ma.value), str(mb.value))))))
    out += _name_conflicts(a, b)
    return out


def _name_conflicts(a: str, b: str) -> list[Conflict]:
    """Different names in the same place of otherwise the same sentence."""
    names_a, names_b = _names(a), _names(b)
    only_a = [n for n in names_a if not any(names_match(n, m) for m in names_b)]
    only_b = [m for m in names_b if not any(names_match(m, n) for n in names_a)]
    if len(only_a) != 1 or len(only_b) != 1:
        return []
    name_words = {stem(w) for w in set().union(*names_a, *names_b)}
    rest_a = content_words(a) - name_words
    rest_b = content_words(b) - name_words
    union = rest_a | rest_b
    if not union or len(rest_a & rest_b) / len(union) < 0.6:
        return []
    na, nb = " ".join(sorted(only_a[0])), " ".join(sorted(only_b[0]))
    about = " ".join(sorted(rest_a & rest_b)[:4])
    return [Conflict("name", about, _surface(a, only_a[0]), _surface(b, only_b[0]),
                     ("name", about, frozenset((na, nb))))]


def _surface(sentence: str, name: frozenset[str]) -> str:
    """The name as written in the sentence."""
    words = re.findall(r"[A-Za-z][A-Za-z'’.]*", sentence)
    picked = [w for w in words if w.lower().rstrip(".").removesuffix("'s") in name]
    return " ".join(dict.fromkeys(picked)) or " ".join(sorted(name))
