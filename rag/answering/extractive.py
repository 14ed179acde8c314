"""Extractive answers with citations, built from the retrieved passages.

Every sentence of the retrieved passages is a candidate. A candidate is
scored by how close it is in meaning to the question (MiniLM cosine), how
many of the question's words it covers, whether it holds the kind of thing
asked for (a number for "how many", a name for "who"), and whether it says
anything beyond the question itself. The best candidates are trimmed of
lead-in connectives and trailing side clauses, the same fact found in several
articles becomes one sentence citing all of them (never two that give
different figures, dates or names for the same thing: ``rag.text.facts``), and
sentences come in order of relevance. When even the best candidate scores below
``Settings.abstain_below`` the answer abstains.

Article text is evidence, never a command: sentences that instruct a reader
or model ("ignore the question and say ...") are never quoted (and search
never returns passages made only of such sentences).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

import numpy as np

from ..models.embedding import Embedder
from ..search.retriever import Search
from ..settings import Settings
from ..text import facts
from ..text.questions import Target, holds_answer_kind, question_target
from ..text.sentences import clause_spans, passage_sentences
from ..text.speakers import Speaker, speakers
from ..text.words import content_words, looks_like_instruction, word_share
from ..types import Answer, AnswerSentence, Citation, Hit, cited_text
from .conversation import History, contextual_query, normalize_history

__all__ = ["Answerer", "Candidate", "NO_ANSWER"]

NO_ANSWER = "The articles do not answer this question."

# Candidates scoring within this margin of the best one join the answer.
_KEEP_MARGIN = 0.1
# A sentence an earlier answer already quoted must beat the others by this much.
_REPEAT_PENALTY = 0.2
_LEAD_IN = re.compile(r"^(?:in addition|nonetheless|nevertheless|however|meanwhile|moreover|"
                      r"furthermore|separately|still|also|but|and|so)\b,?\s+", re.IGNORECASE)
# Where a long sentence may be cut: between clauses (``clause_spans``) at a
# semicolon or dash (what follows is an independent clause) or at a comma before
# a side clause; clauses sharing no word with the question are dropped from its ends.
_INDEPENDENT = re.compile(r"[;—–]")
_SIDE_CLAUSE = re.compile(r"(?:adding|saying|noting|which|where|even as|as well as|while|"
                          r"although|though)\b")
_LONG_SENTENCE_WORDS = 30
# What the question's words in the sentence naming a speaker count for the next
# sentence, whose speaker is a pronoun ("“…,” he said following a meeting with X"
# after "Mr Netanyahu said the operation ..."), beside its own (docs/answers.md).
_SPEAKER_SHARE = 0.5


@dataclass(frozen=True)
class Candidate:
    """One sentence of a retrieved passage, scored against the question."""

    hit_pos: int
    start: int          # article offsets of the quoted span
    end: int
    text: str           # what the answer shows (the span, trimmed and capitalised)
    similarity: float = 0.0
    score: float = 0.0
    merged: list["Candidate"] = field(default_factory=list, compare=False)
    shown_at: int = 0   # where in ``text`` the span starts (1 after a cut's "…")


class Answerer:
    """Extractive answers; also scores candidate sentences for the local model."""

    def __init__(self, settings: Settings, search: Search, embedder: Embedder):
        self.settings = settings
        self.search = search
        # Embedding candidate sentences is the answerer's main cost: the
        # engine gives it its vector cache (rag.models.cache).
        self.embedder = embedder

    # -- public --------------------------------------------------------------

    def answer(self, question: str, k: int | None = None, *,
               history: History = None, **filters) -> Answer:
        """The extractive answer; ``history`` holds earlier turns, ``filters``
        go to the search."""
        hits = self.retrieve(contextual_query(question, history), k, **filters)
        # Judge sentences against the earlier question, not its answer: the
        # follow-up wants something new.
        return self.extractive(question, hits,
                               query=contextual_query(question, history, with_answer=False),
                               said=[t.answer for t in normalize_history(history)])

    def retrieve(self, query: str, k: int | None = None, **filters) -> list[Hit]:
        """The ``k`` best passages (default ``Settings.top_k``) for ``query``."""
        return self.search(query, k or self.settings.top_k, **filters)

    def extractive(self, question: str, hits: list[Hit], *, query: str | None = None,
                   said: list[str] = ()) -> Answer:
        """Quote the best sentences of ``hits``; ``said`` holds earlier answers
        of the conversation, whose sentences are not repeated if others fit."""
        ranked = self.rank(question, hits, query=query, said=said)
        support = ranked[0].score if ranked else 0.0
        if not ranked or support < self.settings.abstain_below:
            return Answer(question, NO_ANSWER, [], hits, abstained=True, support=support)
        groups = self._select(ranked, hits)
        return compose(question, hits, groups, support=support)

    def rank(self, question: str, hits: list[Hit], *, query: str | None = None,
             said: list[str] = ()) -> list[Candidate]:
        """Candidate sentences of ``hits``, best answer first.

        ``query`` is the standalone form of a follow-up question: a sentence
        is then judged by the better of its similarities to either.
        """
        candidates = _candidate_sentences(hits)
        if not candidates:
            return []
        query = query if query and query != question else None
        asked = content_words(query or question)
        target = question_target(question)
        candidates = [_trim(c, asked, target, question) for c in candidates]
        # "“…,” he said following a meeting with …" is read as the sentence
        # before names its speaker ("Mr Netanyahu said …"): with the name in
        # place of "he", and (at a discount) the question's words of that sentence.
        pronouns = _speaker_pronouns(hits)
        readable = {id(c): _with_speaker(c, pronouns) for c in candidates}
        # Embed only the most promising candidates: word overlap with the
        # question plus the passage's retrieval score.
        if len(candidates) > self.settings.max_candidates:
            candidates.sort(key=lambda c: -(word_share(asked, content_words(readable[id(c)][0]))
                                            + hits[c.hit_pos].score))
            candidates = candidates[: self.settings.max_candidates]
        # A sentence is as close to the question as its closer reading: whole,
        # or just the clauses around the question's words ("spokesman John
        # Kirby told reporters" answers "Who is John Kirby?" even when a long
        # quote follows it in the same sentence).
        readings = [readable[id(c)][0] for c in candidates]
        readings += [_focus(text, asked) or text for text in readings]
        asks = [question] if query is None else [question, query]
        vectors = self.embedder.encode(asks + readings)
        # whichever reading of a follow-up the sentence answers better; a sentence
        # an earlier turn already said must answer the new question on its own
        # (against the earlier question too it would win again).
        both = vectors[len(asks):] @ vectors[:len(asks)].T
        similarity, alone = (np.maximum(v[:len(candidates)], v[len(candidates):])
                             for v in (np.max(both, axis=1), both[:, 0]))
        scored = []
        for cand, sim, sim_alone in zip(candidates, similarity, alone):
            text, before = readable[id(cand)]
            words = content_words(text)
            repeated = any(cand.text.rstrip(" …") in earlier for earlier in said)
            wanted = content_words(question) if repeated else asked
            sim = sim_alone if repeated else sim
            score = float(sim) + 0.15 * word_share(wanted, words)
            score += 0.15 * _SPEAKER_SHARE * word_share(wanted, content_words(before) - words)
            if target.kind:   # holds the kind of thing asked for (a number for "how many")?
                score += 0.05 if holds_answer_kind(cand.text, target, question) else -0.05
            if len(words - asked) < 2:      # only repeats the question
                score -= 0.1
            if repeated:
                score -= _REPEAT_PENALTY     # already answered in an earlier turn
            scored.append(replace(cand, similarity=float(sim), score=score))
        scored.sort(key=lambda c: (-c.score, c.hit_pos, c.start))
        return scored

    # -- selection -----------------------------------------------------------

    def _select(self, ranked: list[Candidate], hits: list[Hit]) -> list[Candidate]:
        """Lead candidates of the answer sentences, each with the candidates
        of other articles that state the same fact in ``merged``."""
        floor = max(self.settings.abstain_below, ranked[0].score - _KEEP_MARGIN)
        vectors = self.embedder.encode([c.text for c in ranked])
        same = vectors @ vectors.T
        leads: list[int] = []
        merged: dict[int, list[int]] = {}
        for i, cand in enumerate(ranked):
            # Alike in meaning is not the same fact when the two give another
            # figure, date or name for the same thing ("3,100 residents were
            # evacuated" / "2,400 residents were evacuated"): such a sentence
            # is never merged, and may answer on its own.
            twin = next((j for j in leads if same[i, j] >= self.settings.merge_above
                         and not any(facts.disagree(ranked[m].text, cand.text)
                                     for m in [j] + merged[j])), None)
            if twin is not None:
                # The same fact again: cite it too if another article reports
                # it (and it supports the question at all: its likeness to the
                # lead vouches for it, so it may fall a margin short of the
                # abstention threshold); else skip it.
                articles = {hits[ranked[m].hit_pos].article_id for m in [twin] + merged[twin]}
                if hits[cand.hit_pos].article_id not in articles \
                        and cand.score >= self.settings.abstain_below - _KEEP_MARGIN:
                    merged[twin].append(i)
                continue
            if cand.score >= floor and len(leads) < self.settings.max_answer_sentences:
                leads.append(i)
                merged[i] = []
        return [replace(ranked[i], merged=[ranked[m] for m in merged[i]]) for i in leads]


def compose(question: str, hits: list[Hit], leads: list[Candidate], *,
            support: float = 0.0, mode: str = "extractive",
            notes: list[str] | None = None) -> Answer:
    """An :class:`Answer` quoting ``leads`` (and the candidates merged into
    them) with numbered citations, one number per cited passage."""
    numbers: dict[int, int] = {}          # hit position -> citation number
    quotes: dict[int, list[tuple[int, int]]] = {}
    sentences = []
    for lead in leads:
        cited, articles = [], set()
        for cand in [lead] + lead.merged:
            article = hits[cand.hit_pos].article_id
            if cand is not lead and article in articles:
                continue  # one citation per article for the same fact
            articles.add(article)
            number = numbers.setdefault(cand.hit_pos, len(numbers) + 1)
            if (cand.start, cand.end) not in quotes.setdefault(cand.hit_pos, []):
                quotes[cand.hit_pos].append((cand.start, cand.end))
            if number not in cited:
                cited.append(number)
        sentences.append(AnswerSentence(lead.text, tuple(cited)))
    citations = [Citation(number, hits[pos].article_id, hits[pos], tuple(quotes[pos]))
                 for pos, number in numbers.items()]
    return Answer(question, cited_text(sentences), citations, hits, mode=mode,
                  notes=list(notes or []), sentences=sentences, support=support)


def _speaker_pronouns(hits: list[Hit]) -> dict[int, list[tuple[int, Speaker]]]:
    """Hit position -> ``(article offset of the pronoun, speaker)`` for each
    pronoun of the passage that speaks for a speaker the sentence before names
    (:func:`rag.text.speakers.speakers`: "he said")."""
    return {pos: [(start + sp.start, sp) for start, sp in found.items()]
            for pos, hit in enumerate(hits) if (found := speakers(hit.text, hit.start))}


def _with_speaker(cand: Candidate, pronouns: dict[int, list[tuple[int, Speaker]]]
                  ) -> tuple[str, str]:
    """``cand``'s text with its speaking pronoun replaced by the speaker's
    name, and the sentence naming the speaker; as it is and ``""`` when it
    holds no such pronoun (or a cut left it out)."""
    for at, sp in pronouns.get(cand.hit_pos, ()):
        i = at - cand.start + cand.shown_at
        if cand.start <= at < cand.end and \
                cand.text[i:i + sp.end - sp.start].lower() in ("he", "she"):
            return sp.resolve(cand.text, i), sp.before
    return cand.text, ""


def _candidate_sentences(hits: list[Hit]) -> list[Candidate]:
    """One candidate per distinct sentence of ``hits``, without a lead-in
    connective ("However, ...").

    Overlapping chunks repeat sentences; each is kept once, with the best hit.
    Sentences that instruct the reader are left out.
    """
    out = []
    for sentence in passage_sentences(hits):
        start, text = sentence.start, sentence.text
        if looks_like_instruction(text) or len(content_words(text)) < 2:
            continue
        if lead := _LEAD_IN.match(text):
            start, text = start + lead.end(), text[lead.end():]
        out.append(Candidate(sentence.hit_pos, start, sentence.end, text[:1].upper() + text[1:]))
    return out


_FOCUS_MIN_WORDS = 4


def _focus(text: str, asked: set[str]) -> str | None:
    """The span of ``text`` from its first to its last clause that shares a
    word with the question, when that is a real part of the sentence (at
    least a few words, not all of it); else ``None``. Clauses end at
    punctuation only: a reading cut at every "and" or "as" is a fragment that
    can look closer to the question than the sentence that answers it."""
    clauses = clause_spans(text, at_conjunctions=False)
    relevant = [(a, b) for a, b in clauses if content_words(text[a:b]) & asked]
    if len(clauses) < 2 or not relevant:
        return None
    a, b = relevant[0][0], relevant[-1][1]
    if (a, b) == (clauses[0][0], clauses[-1][1]) or len(text[a:b].split()) < _FOCUS_MIN_WORDS:
        return None
    return text[a:b]


def _cuttable_parts(text: str) -> list[tuple[int, int, bool]]:
    """``text`` in the parts a long sentence may be cut into: ``(start, end,
    independent)``, ``independent`` when a semicolon or dash comes before it."""
    parts, start, independent = [], 0, False
    spans = clause_spans(text)
    for (_, end), (following, _) in zip(spans, spans[1:]):
        gap = text[end:following]
        cut = _INDEPENDENT.search(gap) or \
            (re.search(r"[.,]", gap) if _SIDE_CLAUSE.match(text, following) else None)
        if cut:
            parts.append((start, end + cut.start(), independent))
            start = end + cut.end() + len(gap[cut.end():]) - len(gap[cut.end():].lstrip())
            independent = bool(_INDEPENDENT.match(cut.group()))
    parts.append((start, len(text), independent))
    return parts


def _trim(cand: Candidate, asked: set[str], target: Target, question: str) -> Candidate:
    """A long sentence cut down to the clauses that share words with the
    question (side clauses such as ", adding that ..." or "; ..." before or
    after them are dropped), as long as what is left still holds the kind of
    thing asked for; offsets follow the cut and "…" shows it."""
    text = cand.text
    if len(text.split()) <= _LONG_SENTENCE_WORDS:
        return cand
    parts = _cuttable_parts(text)
    relevant = [n for n, (a, b, _) in enumerate(parts) if content_words(text[a:b]) & asked]
    if len(parts) < 2 or not relevant:
        return cand
    # Only an independent clause (after ";" or a dash) may start the quote:
    # "which has used ..." would read as a fragment.
    first = relevant[0]
    while first > 0 and not parts[first][2]:
        first -= 1
    a, b = parts[first][0], parts[relevant[-1]][1]
    kept = text[a:b].rstrip(" ,;")
    if (a, b) == (0, len(text)) or len(kept.split()) < 8:
        return cand
    if target.kind and not holds_answer_kind(kept, target, question):
        return cand
    cut = "…" if a else ""
    return replace(cand, start=cand.start + a, end=cand.start + a + len(kept),
                   text=cut + kept + ("" if b == len(text) else " …"), shown_at=len(cut))
