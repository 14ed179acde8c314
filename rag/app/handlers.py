"""What the chat page does, without Gradio: plain functions and one class,
:class:`ChatHandlers`, that take the :class:`~rag.engine.Engine` and plain
values and return plain values. :mod:`rag.app.ui` lays out the page and wires
its events to these; tests call them directly.

The handlers only call the engine's services (answers, articles, the
catalogue, adding files); they never search or rank anything themselves.

Load: one engine (one model, one index) serves every session. Local-model
answers pass a :class:`SlotGate` (``local_model_slots`` running,
``local_model_waiting`` waiting) so slow generations can never occupy every
chat worker and extractive answers keep flowing.
"""

import re
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from ..index.store import IndexError_
from ..ingest.uploads import UploadRejected, store_upload
from ..settings import seeds_dir, uploads_root
from ..text.dates import given_day
from ..types import Answer
from .render import (
    ARTICLE_GONE,
    article_view,
    chat_message,
    comparison,
    escape_markdown,
    short_answer_spans,
    sources_panel,
)

__all__ = ["ChatHandlers", "ChatStep", "UploadReport", "SlotGate", "parse_filters",
           "malformed_date",
           "citation_table", "example_questions", "ask_about", "EXAMPLE_CHARS",
           "SEED_EXAMPLES"]

#: Good first questions for the default seed articles.
SEED_EXAMPLES = [
    "Who decided not to use its veto?",
    "How did Netanyahu react to the UN vote?",
    "How many members backed the ceasefire resolution?",
]


@dataclass
class ChatStep:
    """One update of the page while a question is answered, in the order of the
    chat event's outputs; ``None`` leaves that part of the page as it is."""

    messages: list[dict]            # the conversation shown (escaped Markdown)
    sources: str | None = None      # the sources panel (HTML)
    question: str | None = None     # the question box ("" empties it; only the first
                                    # step does, so what is typed meanwhile stays)
    citations: dict | None = None   # what opening a citation needs (see citation_table)
    article: str | None = None      # the article viewer ("" empties it)
    turns: list | None = None       # the conversation as plain [question, answer] pairs


@dataclass(frozen=True)
class UploadReport:
    """What an upload did: the status message (Markdown) and the sources now indexed."""

    message: str
    sources: list[str]


class ChatHandlers:
    """The chat's event handlers for one engine, shared by every session."""

    def __init__(self, engine):
        self.engine = engine
        self.settings = engine.settings
        self.local_gate = SlotGate(self.settings.local_model_slots,
                                   self.settings.local_model_waiting)

    def examples(self, catalog) -> list[str]:
        """Example questions about the articles of ``catalog`` (the engine's)."""
        return example_questions(catalog, self.settings.articles_dir, seeds_dir(),
                                 self.settings.example_questions)

    def respond(self, message: str, history: list[dict], turns: list | None, mode: str,
                k: int, sources=(), date_from: str = "", date_to: str = "",
                as_of: str = "") -> Iterator[ChatStep]:
        """Answer ``message`` in the conversation, streaming the answer as it grows.

        ``history`` is what the chat shows (escaped Markdown, sources, notes);
        ``turns`` is the same conversation as plain (question, answer text)
        pairs, which is what the engine reads follow-ups with.
        """
        question = (message or "").strip()
        if not question:
            yield ChatStep(history)
            return
        asked = [*history, {"role": "user", "content": escape_markdown(question)}]
        yield ChatStep(_replying(asked, "*Searching the articles…*"), question="")
        filters = parse_filters(sources, date_from, date_to, as_of)
        if filters is None:
            problem = malformed_date(date_from, date_to, as_of)
            yield ChatStep(_replying(asked, escape_markdown(problem)))
            return
        earlier = [tuple(turn) for turn in turns or []]
        with self._mode_slot(mode) as (mode, note):
            reply = None
            try:
                for part in self.engine.stream_answer(question, int(k), mode=mode,
                                                      history=earlier, **filters):
                    if isinstance(part, Answer):
                        reply = part
                    else:
                        yield ChatStep(_replying(asked, escape_markdown(part) + " ▍"))
            except IndexError_ as exc:   # e.g. the Milvus server is unreachable
                yield ChatStep(_replying(asked, "The articles cannot be searched right now: "
                                         + escape_markdown(str(exc))))
                return
            except ValueError as exc:    # options that cannot work together (a date range)
                yield ChatStep(_replying(asked, escape_markdown(
                    f"Check the filters: {_as_boxes(str(exc))}.")))
                return
        content = chat_message(reply) + (f"\n\n*{escape_markdown(note)}*" if note else "")
        yield ChatStep(_replying(asked, content), sources=sources_panel(reply),
                       citations=citation_table(reply), article="",
                       turns=[*(turns or []), [question, reply.text]])

    @contextmanager
    def _mode_slot(self, mode: str):
        """Local answers wait for the one model; if too many already wait, the
        question gets the extractive answer now instead of queueing."""
        if mode != "local":
            yield "extractive", None
            return
        with self.local_gate.enter() as admitted:
            if admitted:
                yield "local", None
            else:
                yield "extractive", "The local model is busy; this is the extractive answer."

    def open_citation(self, table: dict | None, cite) -> str | None:
        """The article viewer for citation number ``cite`` of the last answer
        (``None``: no such citation, leave the viewer as it is)."""
        entry = (table or {}).get(str(cite))
        if not entry:
            return None
        article = self.engine.article(entry["article_id"])
        if article is None:
            return ARTICLE_GONE
        return article_view(article, entry["number"], entry["start"], entry["end"],
                            [tuple(q) for q in entry["quotes"]],
                            [tuple(a) for a in entry.get("answer", ())])

    def upload(self, files, progress: Callable[[str], None] = lambda desc: None) -> UploadReport:
        """Copy the uploaded ``files`` (paths) into the articles directory and
        index them; ``progress`` hears when indexing starts."""
        stored, problems = [], []
        for path in files or []:
            try:
                stored.append(store_upload(path, Path(path).name,
                                           uploads_root(self.settings.articles_dir),
                                           subdir=self.settings.upload_subdir,
                                           max_bytes=self.settings.upload_max_bytes))
            except UploadRejected as exc:
                problems.append(str(exc))
        lines = [f"✗ {escape_markdown(p)}" for p in problems]
        if stored:
            progress(f"Indexing {len(stored)} file(s)…")
            # The engine's embedding progress bar is what the page mirrors.
            summary = self.engine.add([s.path for s in stored], progress=True)
            for s in stored:
                reasons = [k.reason for k in summary.skipped
                           if Path(k.path).name.startswith(s.path.name)]
                if reasons:  # the loader refused it (e.g. no text after cleaning, a duplicate)
                    if any(Path(k.path) == s.path for k in summary.skipped):
                        s.path.unlink(missing_ok=True)   # refused whole: not kept either
                    lines.append(f"✗ {escape_markdown(s.original_name)}: "
                                 f"{escape_markdown('; '.join(reasons))}")
                else:
                    lines.insert(0, f"✓ {escape_markdown(s.original_name)} added")
            lines.append(escape_markdown(f"The index now holds {summary.articles} articles "
                                         f"({summary.chunks} passages)."))
        return UploadReport("\n\n".join(lines) or "No file received.",
                            self.engine.catalog().sources)

    def compare(self, message: str, sources=(), date_from: str = "", date_to: str = "",
                as_of: str = "") -> str | None:
        """The compare-sources columns for ``message`` (``None``: nothing to show)."""
        question = (message or "").strip()
        filters = parse_filters(sources, date_from, date_to, as_of)
        if not question or filters is None:
            return None
        try:
            return comparison(self.engine.compare_sources(question, **filters))
        except ValueError:   # filters that cannot work together: the answer says why
            return None

    def compare_last(self, turns: list | None, sources=(), date_from: str = "",
                     date_to: str = "", as_of: str = "") -> str | None:
        """The compare-sources columns for the last question answered (the last of
        ``turns``); ``None`` before any."""
        return self.compare(turns[-1][0], sources, date_from, date_to, as_of) if turns else None

    def ask(self, question: str) -> str:
        """Answer a question about the articles; returns plain text with numbered sources."""
        return self.engine.answer(question).to_text()

    def compare_api(self, question: str) -> str:
        """What each article says about a question: one Markdown section per article."""
        return "\n\n".join(f"### {c.outlet}\n{c.hit.text}"
                           for c in self.engine.compare_sources(question))


def _replying(messages: list[dict], content: str) -> list[dict]:
    """The conversation with the assistant's reply (so far) after it."""
    return [*messages, {"role": "assistant", "content": content}]


def citation_table(reply: Answer) -> dict:
    """What the page remembers to open each citation's article (JSON-friendly)."""
    return {str(c.number): {"number": c.number, "article_id": c.article_id,
                            "start": c.hit.start, "end": c.hit.end,
                            "quotes": [list(q) for q in c.quotes],
                            # where the short answer occurs in it
                            "answer": [list(a) for a in short_answer_spans(reply, c.number)]}
            for c in [*reply.citations, *reply.corroborations]}


#: The chat's date boxes: the retrieval option each sets and its label on the page.
_DATE_BOXES = (("date_from", "From date"), ("date_to", "To date"), ("as_of", "As of"))


def malformed_date(date_from, date_to, as_of=None) -> str | None:
    """What is wrong with the first malformed date box, named as the page names
    it and quoting what was typed ("2024-13-45" looks like a date but is none)."""
    for (name, label), value in zip(_DATE_BOXES, (date_from, date_to, as_of)):
        try:
            given_day(value, name)
        except ValueError:
            return (f"The {label} box holds “{str(value).strip()}”, which is not a date: "
                    "dates must look like 2024-03-25 (year-month-day).")
    return None


def _as_boxes(message: str) -> str:
    """A retrieval error about the date options, naming the chat's boxes instead
    ('the From date 2024-03-26 is after the To date ...', not 'date_from ...')."""
    for name, label in _DATE_BOXES:
        message = re.sub(rf"\b{name}\b", f"the {label}", message)
    return message


def parse_filters(sources, date_from, date_to, as_of=None) -> dict | None:
    """Retrieval options from the chat's controls; ``None`` when a date is malformed."""
    filters = {}
    if sources:
        filters["sources"] = list(sources)
    for (name, _), value in zip(_DATE_BOXES, (date_from, date_to, as_of)):
        try:
            day = given_day(value, name)
        except ValueError:
            return None
        if day is not None:
            filters[name] = day.isoformat()
    return filters


def example_questions(catalog, articles_dir: Path, seeds_dir: Path,
                      configured: str | None = None) -> list[str]:
    """Example questions about the loaded articles: the configured ones, curated
    ones for the seed collection, otherwise one per most recent titled article
    (:func:`ask_about`)."""
    if configured:
        return [q.strip() for q in configured.split("|") if q.strip()]
    if Path(articles_dir).resolve() == Path(seeds_dir).resolve():
        return list(SEED_EXAMPLES)
    return list(dict.fromkeys(ask_about(t) for t in catalog.titles[-3:]))


#: The outlet a headline ends with ("… | CNN Business") and a headline cut short ("…", "...").
_OUTLET_SUFFIX = re.compile(r"\s+\|\s+[^|]*$")
_CUT_SHORT = re.compile(r"\s*(?:\.\.\.|…)$")


#: Gradio shows an example's first 60 characters, then "..." (a cut word, no closing quote).
EXAMPLE_CHARS = 60


def ask_about(title: str, limit: int = EXAMPLE_CHARS) -> str:
    """A short request about the article titled ``title``, for any headline:
    'Tell me about “Canada ends COVID-19 entry requirements”', without the
    outlet it ends with or the "..." of a headline cut short, the headline
    clipped at a word so the whole request has at most ``limit`` characters
    (the chat shows an example whole, on one line)."""
    topic = _CUT_SHORT.sub("", _OUTLET_SUFFIX.sub("", " ".join(title.split()))) or title
    room = limit - len("Tell me about “”")
    if len(topic) > room:
        cut = topic[:room]      # one character left for the "…"
        cut = cut.rsplit(" ", 1)[0] if " " in cut.strip() else topic[:room - 1]
        topic = cut.rstrip(" ,;:-–—") + "…"
    return f"Tell me about “{topic}”"


class SlotGate:
    """At most ``slots`` holders at once and ``waiting`` waiters; anyone beyond
    is refused at once (the caller falls back instead of queueing)."""

    def __init__(self, slots: int, waiting: int):
        self._slots = threading.BoundedSemaphore(slots)
        self._admitted = threading.BoundedSemaphore(slots + waiting)

    @contextmanager
    def enter(self):
        """Yields ``True`` while holding a slot, or ``False`` if refused."""
        if not self._admitted.acquire(blocking=False):
            yield False
            return
        try:
            with self._slots:
                yield True
        finally:
            self._admitted.release()
