"""Corroboration across outlets: who else reports each fact, and where they disagree.

Given a finished :class:`~rag.citations.Answer` (extractive or from a local
model), :class:`Corroborator` looks, for every answer sentence, for sentences
of *other* articles that state the same fact:

1. candidates: the sentences of the question's passages plus those of the
   passages found by searching the index with the answer sentence itself;
2. meaning: cosine similarity of the sentence embeddings (of the sentences
   or of their clauses) at least ``corroborate_min_similarity``;
3. words: they share at least ``corroborate_min_shared_words`` content
   words, neither is a question, and they share a name (``rag.facts.names``)
   when both have names, and their articles appeared at most
   ``corroborate_max_days_apart`` days apart (thresholds chosen on
   hand-labelled news-dev pairs, see docs/corroboration.md);
4. numbers: every number of the answer sentence that the candidate also talks
   about must have the same value after normalisation, and at least one must
   be there; a candidate with a different value for the same thing is a
   *conflict*, not a corroboration.

Disagreements are collected from the same candidates: two sentences of
different articles, close in meaning (``conflict_min_similarity``), giving
different values for the same slot (a number with the same unit or context,
a date of the same granularity in the same context, a different name in the
same place of otherwise the same sentence). Each side is cited.

Inputs stay plain: the answer, the search the answerer uses
(:class:`rag.search.retriever.Search`) and an embedder (the engine's vector
cache), so this works for any answerer.
The search for a sentence is made as of the day its cited article appeared,
so retrieval's recency favours reports from that time, not the newest ones.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from ..models.embedding import Embedder
from ..search.retriever import Search
from ..settings import Settings
from ..text import facts
from ..text.dates import parse_day
from ..text.facts import Conflict, find_conflicts
from ..text.sentences import clauses, passage_sentences
from ..text.words import content_words
from ..types import Answer, Citation, Disagreement, DisagreementSide, Hit, outlet_name

__all__ = ["Corroborator", "Candidate", "Match", "SourceColumn", "compare_sources", "match_fact",
           "shared_words", "in_time"]

@dataclass(frozen=True)
class Candidate:
    """One sentence of one retrieved passage."""

    hit: Hit
    start: int          # character offsets in the article text
    end: int
    text: str

    @property
    def article_id(self) -> str:
        return self.hit.article_id


@dataclass(frozen=True)
class Match:
    """A sentence of another article compared with an answer sentence."""

    candidate: Candidate
    similarity: float   # best cosine similarity to the sentence or one of its clauses
    verdict: str        # "support" | "conflict" | "none" (see :func:`match_fact`)
    evidence: str       # the clause (or whole sentence) that matched
    shared_words: int   # content words the two sentences share
    days_apart: int | None = None   # between the two articles' dates, if both known

    def corroborates(self, settings: Settings) -> bool:
        """States the same fact: close enough in meaning, agreeing names and
        numbers, enough words in common, published close enough in time. On
        news-dev, sentences close in meaning that shared fewer words, or came
        from articles months apart, were nearly always about the same story
        or a like event, not the same fact (docs/corroboration.md)."""
        return (self.verdict == "support"
                and self.similarity >= settings.corroborate_min_similarity
                and self.shared_words >= settings.corroborate_min_shared_words
                and self.in_time(settings))

    def in_time(self, settings: Settings) -> bool:
        return in_time(self.days_apart, settings.corroborate_max_days_apart)


def in_time(days_apart: int | None, max_days_apart: int | None) -> bool:
    """Two articles ``days_apart`` can report one event: always when a date
    is unknown (``None``) or there is no limit."""
    return days_apart is None or max_days_apart is None or days_apart <= max_days_apart


@dataclass(frozen=True)
class SourceColumn:
    """The compare-sources view: one article's best passage for a question."""

    outlet: str
    hit: Hit
    quote: tuple[int, int]      # best sentence of the passage (article offsets)
    similarity: float


# ---------------------------------------------------------------- pure checks
def match_fact(sentence: str, other: str, evidence: str | None = None) -> str:
    """Lexical verdict on two sentences already close in meaning.

    ``"support"`` when the names and numbers of ``sentence`` agree with
    ``other`` (and they share two content words at least), ``"conflict"``
    when ``other`` gives a different value for one of them, ``"none"`` when
    ``other`` misses what makes the fact specific, or either is a question
    (a question states no fact). ``evidence`` is the part of
    ``other`` (a clause, or all of it) that matched ``sentence`` in meaning:
    a number there that ``sentence`` does not have means it states a more
    specific, different fact ("has vetoed 89 resolutions" is not "decided not
    to use its veto").
    """
    if find_conflicts(sentence, other):
        return "conflict"
    if _is_question(sentence) or _is_question(other):
        return "none"
    nums_a = facts.numbers(sentence)
    for extra in facts.numbers(evidence or other):
        if not any(facts.values_agree(extra, a) for a in nums_a):
            return "none"
    # Who said or did it matters: every person named in one must be named in
    # the other too (by any part of the name).
    if not _people_covered(sentence, other) or not _people_covered(evidence or other, sentence):
        return "none"
    names_a, names_b = facts.names(sentence), facts.names(other)
    if names_a and names_b:
        shared = sum(any(facts.names_match(a, b) for b in names_b) for a in names_a)
        if shared == 0 or 2 * shared < min(len(names_a), len(names_b)):
            return "none"
    nums_b = facts.numbers(other)
    if nums_a and not any(facts.values_agree(a, b) for a in nums_a for b in nums_b):
        return "none"
    # The content has to overlap too: paraphrases share key words.
    if shared_words(sentence, other) < 2:
        return "none"
    return "support"


def shared_words(a: str, b: str) -> int:
    """How many content words (stems) two sentences share."""
    return len(content_words(a) & content_words(b))


def _days_apart(a: str | None, b: str | None) -> int | None:
    """Days between two article dates; ``None`` when either is unknown."""
    day_a, day_b = parse_day(a), parse_day(b)
    return abs((day_a - day_b).days) if day_a and day_b else None


def _is_question(text: str) -> bool:
    return text.rstrip(" \"'”’)").endswith("?")


def _people_covered(text: str, other: str) -> bool:
    words = {w.lower().removesuffix("'s")
             for w in re.findall(r"[A-Za-z][A-Za-z'’]*", other.replace("’", "'"))}
    return all(person & words for person in facts.people(text))


def candidates_of(hits: Sequence[Hit], min_words: int = 5) -> list[Candidate]:
    """Each distinct sentence of ``hits`` (overlapping chunks repeat sentences)."""
    return [Candidate(hits[s.hit_pos], s.start, s.end, s.text)
            for s in passage_sentences(hits) if len(s.text.split()) >= min_words]


def compare_sources(question_vector: np.ndarray, hits: Sequence[Hit],
                    candidate_vectors: dict[tuple[str, int], np.ndarray],
                    max_articles: int = 4) -> list[SourceColumn]:
    """One column per article, in the order the articles are first retrieved
    (``hits`` are best first): of that article's retrieved passages, the one
    holding the sentence closest to the question, that sentence highlighted.

    The passage ranked first for an article is not always the one that
    speaks to the question: fusion and the title header lift passages that
    only share the article's subject, while the column should show what the
    article *says* about the question.
    """
    by_article: dict[str, list[Hit]] = {}
    for hit in hits:
        by_article.setdefault(hit.article_id, []).append(hit)
    columns = []
    for passages in list(by_article.values())[:max_articles]:
        best = None
        for hit in passages:
            quote, sim = (hit.start, hit.end), -1.0
            for c in candidates_of([hit], min_words=1):
                vec = candidate_vectors.get((c.article_id, c.start))
                if vec is not None and float(vec @ question_vector) > sim:
                    quote, sim = (c.start, c.end), float(vec @ question_vector)
            if best is None or sim > best.similarity:
                best = SourceColumn(outlet_name(hit), hit, quote, sim)
        columns.append(best)
    return columns


# ---------------------------------------------------------------- the service
class Corroborator:
    """Attaches supporting and conflicting citations to answers."""

    def __init__(self, settings: Settings, search: Search, embedder: Embedder):
        self.settings = settings
        self.search = search
        # The same sentences come back question after question: the engine
        # gives it its vector cache (rag.models.cache).
        self.embedder = embedder

    def matches(self, reply: Answer, floor: float | None = None) -> list[list[Match]]:
        """For each answer sentence, the sentences of other articles at least
        ``floor`` similar (default ``conflict_min_similarity``) with the
        lexical verdict: what :meth:`corroborate` decides on (also used to
        choose the thresholds)."""
        return self._analyse(reply, floor)[0]

    def _analyse(self, reply: Answer, floor: float | None = None, *, narrow: bool = False):
        """Per answer sentence, the matches at least ``floor`` similar; and the
        candidates relevant to the question (for disagreements among them).

        ``narrow`` (what :meth:`corroborate` uses): only the matches it can
        use are made, so only candidates that pass the lexical tests of a
        corroboration (enough shared words) or a conflict (both give values
        or both name someone) are compared in meaning with an answer sentence,
        and only they have their clauses embedded: the model's work no longer
        grows with retrieved passages times answer sentences. Candidates'
        whole-sentence vectors are stored with the index
        (:mod:`rag.index.sentences`) and cost a look-up."""
        s = self.settings
        floor = s.conflict_min_similarity if floor is None else floor
        by_number = {c.number: c for c in reply.citations}
        pool = list(reply.hits)
        for sentence in reply.sentences:
            days = [parse_day(by_number[n].hit.date) for n in sentence.citations if n in by_number]
            days = [d for d in days if d is not None]
            pool += self.search(sentence.text, s.corroborate_k,
                                **({"as_of": days[0].isoformat()} if days else {}))
        candidates = candidates_of(pool)
        own_articles = [{by_number[n].hit.article_id for n in x.citations if n in by_number}
                        for x in reply.sentences]
        if narrow:
            usable = [[cand.article_id not in own and _could_be_used(x.text, cand.text, s)
                       for cand in candidates]
                      for x, own in zip(reply.sentences, own_articles)]
        else:
            usable = [[cand.article_id not in own for cand in candidates] for own in own_articles]
        compared = [any(column) for column in zip(*usable)] if usable else []
        parts = [clauses(c.text) if use else [] for c, use in zip(candidates, compared)]
        owner = np.array([i for i, p in enumerate(parts) for _ in p], dtype=int)
        flat = [clause for p in parts for clause in p]
        # An answer sentence is compared by its clauses too: the same fact is
        # often one clause of a longer sentence on both sides ("decided not to
        # use its veto power, allowing ..." / "... after the United States took
        # the rare decision to withhold its veto").
        own_parts = [[x.text] + clauses(x.text) for x in reply.sentences]
        n_own = sum(map(len, own_parts))
        n_cand = len(candidates)
        vectors = self.embedder.encode([reply.question] + [t for p in own_parts for t in p]
                               + [c.text for c in candidates] + flat)
        question_vec = vectors[0]
        cand_vecs = vectors[1 + n_own:1 + n_own + n_cand]
        clause_vecs = vectors[1 + n_own + n_cand:]
        per_sentence, row = [], 1
        for sentence, parts_of_sentence, use in zip(reply.sentences, own_parts, usable):
            part_vecs, row = vectors[row:row + len(parts_of_sentence)], row + len(parts_of_sentence)
            own = [by_number[n].hit for n in sentence.citations if n in by_number]
            sims, evidence = _best_parts(part_vecs, cand_vecs, clause_vecs, owner)
            found = []
            for i, (cand, sim) in enumerate(zip(candidates, sims)):
                if not use[i] or sim < floor:
                    continue
                clause = flat[evidence[i]] if evidence[i] >= 0 else None
                apart = min((d for d in (_days_apart(cand.hit.date, hit.date) for hit in own)
                             if d is not None), default=None)
                found.append(Match(cand, float(sim), match_fact(sentence.text, cand.text, clause),
                                   clause or cand.text, shared_words(sentence.text, cand.text),
                                   apart))
            per_sentence.append(sorted(found, key=lambda m: -m.similarity))
        relevant = [(c, v) for c, v in zip(candidates, cand_vecs)
                    if float(v @ question_vec) >= s.abstain_below]
        return per_sentence, relevant

    def corroborate(self, reply: Answer) -> Answer:
        """``reply`` with per-sentence supporting/conflicting citations,
        outlets and the disagreements among the retrieved passages."""
        if reply.abstained or not reply.sentences:
            return reply
        s = self.settings
        by_number = {c.number: c for c in reply.citations}
        per_sentence, relevant = self._analyse(reply, narrow=True)
        numbering = _Numbering(reply.citations)
        disagreements = _Disagreements()
        new_sentences = []
        for sentence, found in zip(reply.sentences, per_sentence):
            own = [by_number[n] for n in sentence.citations if n in by_number]
            best: dict[str, tuple[float, Candidate]] = {}
            conflicting = []
            for match in found:
                cand, sim = match.candidate, match.similarity
                # Articles months apart giving different values usually report
                # different events (last year's count, an earlier storm).
                if match.verdict == "conflict" and own and match.in_time(s):
                    conflicting.append(cand)
                    for conflict in find_conflicts(sentence.text, cand.text):
                        disagreements.add(conflict, (own[0].hit, own[0]), cand, numbering)
                elif match.corroborates(s):
                    if cand.article_id not in best or sim > best[cand.article_id][0]:
                        best[cand.article_id] = (sim, cand)
            supporting = sorted(best.values(), key=lambda x: -x[0])
            outlets = list(dict.fromkeys([outlet_name(c.hit) for c in own]
                                         + [outlet_name(c.hit) for _, c in supporting]))
            new_sentences.append(dataclasses.replace(
                sentence,
                supporting=tuple(numbering.cite(c) for _, c in supporting),
                conflicting=tuple(numbering.cite(c) for c in conflicting),
                outlets=tuple(outlets)))

        # Disagreements among the passages retrieved for the question itself.
        for i, (a, va) in enumerate(relevant):
            for b, vb in relevant[i + 1:]:
                if a.article_id == b.article_id or float(va @ vb) < s.conflict_min_similarity \
                        or not in_time(_days_apart(a.hit.date, b.hit.date),
                                       s.corroborate_max_days_apart):
                    continue
                for conflict in find_conflicts(a.text, b.text):
                    disagreements.add(conflict, a, b, numbering)

        found = disagreements.result(numbering)
        # Citations are immutable: rebuild them now that every quote is known.
        final = numbering.citations()
        new_sentences = [dataclasses.replace(
            x, supporting=tuple(final.get(c.number, c) for c in x.supporting),
            conflicting=tuple(final.get(c.number, c) for c in x.conflicting))
            for x in new_sentences]
        found = [dataclasses.replace(d, sides=tuple(
            dataclasses.replace(side, citation=final.get(side.citation.number, side.citation))
            for side in d.sides)) for d in found]
        return dataclasses.replace(
            reply, sentences=new_sentences, corroborations=list(final.values()),
            disagreements=found, notes=list(reply.notes) + [d.describe() for d in found])

    def compare(self, question: str, hits: Sequence[Hit]) -> list[SourceColumn]:
        """The compare-sources view for ``question`` over ``hits`` (best first)."""
        candidates = candidates_of(hits, min_words=1)
        vectors = self.embedder.encode([question] + [c.text for c in candidates])
        table = {(c.article_id, c.start): v for c, v in zip(candidates, vectors[1:])}
        return compare_sources(vectors[0], hits, table, self.settings.compare_max_articles)


def _could_be_used(sentence: str, candidate: str, settings: Settings) -> bool:
    """Whether ``candidate`` can corroborate ``sentence`` or conflict with it,
    judged by words alone: a corroboration shares at least
    ``corroborate_min_shared_words`` content words (and :func:`match_fact`
    asks for two), a conflict needs values or names on both sides."""
    need = max(2, settings.corroborate_min_shared_words)
    return shared_words(sentence, candidate) >= need or (
        facts.disagree(sentence, candidate))


def _best_parts(part_vecs: np.ndarray, cand_vecs: np.ndarray, clause_vecs: np.ndarray,
                owner: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per candidate: the best similarity between the answer sentence or one
    of its clauses (``part_vecs``) and the candidate or one of its clauses,
    and which candidate clause it was (-1 for the whole candidate sentence)."""
    if not len(cand_vecs):
        return np.zeros(0, dtype=np.float32), np.zeros(0, dtype=int)
    sims = (part_vecs @ cand_vecs.T).max(axis=0)
    evidence = np.full(len(sims), -1, dtype=int)
    if len(clause_vecs):
        for k, sim in enumerate((part_vecs @ clause_vecs.T).max(axis=0)):
            if sim > sims[owner[k]]:
                sims[owner[k]], evidence[owner[k]] = sim, k
    return sims, evidence


class _Numbering:
    """Numbers new citations after the answer's own, one per passage.

    A passage the answer already cites keeps its citation (and number).
    """

    def __init__(self, existing: Sequence[Citation]):
        self.next = max((c.number for c in existing), default=0) + 1
        self.existing = {(c.hit.article_id, c.hit.start, c.hit.end): c for c in existing}
        self.by_passage: dict[tuple[str, int, int], Citation] = {}
        self.quotes: dict[int, list[tuple[int, int]]] = {}

    def cite(self, cand: Candidate) -> Citation:
        key = (cand.hit.article_id, cand.hit.start, cand.hit.end)
        if key in self.existing:
            return self.existing[key]
        if key not in self.by_passage:
            self.by_passage[key] = Citation(self.next, cand.article_id, cand.hit)
            self.quotes[self.next] = []
            self.next += 1
        citation = self.by_passage[key]
        if (cand.start, cand.end) not in self.quotes[citation.number]:
            self.quotes[citation.number].append((cand.start, cand.end))
        return citation

    def citations(self) -> dict[int, Citation]:
        """The new citations by number, with every quote collected."""
        return {c.number: dataclasses.replace(c, quotes=tuple(sorted(self.quotes[c.number])))
                for c in self.by_passage.values()}


class _Disagreements:
    """Groups pairwise conflicts into disagreements with one side per value."""

    def __init__(self):
        self.groups: dict[tuple, dict] = {}

    def add(self, conflict: Conflict, a, b: Candidate, numbering: _Numbering) -> None:
        """``a`` is a candidate, or ``(hit, citation)`` for an answer sentence."""
        group = self.groups.setdefault(conflict.key, {"kind": conflict.kind,
                                                      "about": conflict.about, "sides": {}})
        for side, value in ((a, conflict.value_a), (b, conflict.value_b)):
            if isinstance(side, tuple):
                hit, citation = side
            else:
                hit, citation = side.hit, numbering.cite(side)
            group["sides"].setdefault((outlet_name(hit), value), citation)

    def result(self, numbering: _Numbering) -> list[Disagreement]:
        out = []
        for group in self.groups.values():
            sides = tuple(DisagreementSide(outlet, value, citation)
                          for (outlet, value), citation in group["sides"].items())
            if len({s.outlet for s in sides}) >= 2:
                out.append(Disagreement(group["kind"], group["about"], sides))
        return out
