"""Reading raw article files into clean :class:`Article` records.

Real news files arrive messy: a headline on the first line (or none), a
``date YYYY-MM-DD`` marker glued to the front, newsletter sign-up and privacy
boilerplate before the story. This module turns one file into the *cleaned*
text every character offset in the index refers to, plus its metadata.

Optional metadata sidecar: ``<name>.json`` next to ``<name>.txt`` with any of
``title``, ``source``, ``date``, ``url``; sidecar values win over what is
detected in the text.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Article", "load_article", "load_articles", "article_from_record", "read_jsonl_articles",
           "clean_text", "ARTICLE_SUFFIXES"]

ARTICLE_SUFFIXES = (".txt", ".md", ".jsonl")
_META = ("title", "source", "date", "url")


@dataclass(frozen=True)
class Article:
    """One article: ``text`` is the cleaned body all offsets point into."""

    id: str
    text: str
    title: str | None = None
    source: str | None = None
    date: str | None = None
    url: str | None = None
    path: str | None = None

    @property
    def content_hash(self) -> str:
        """Hash of everything that ends up in the index for this article."""
        payload = json.dumps([self.text, self.title, self.source, self.date, self.url])
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()

    @property
    def label(self) -> str:
        """Human-readable name: the title, else the file name / id."""
        return self.title or (Path(self.path).name if self.path else self.id)


_DATE_MARKER = re.compile(r"^\s*date\s+(\d{4}-\d{2}-\d{2})\b[ \t]*", re.IGNORECASE)

# Phrases that only occur in newsletter / sign-up / consent furniture, never in
# reporting. A paragraph is dropped when these make up most of it.
_BOILERPLATE = re.compile(
    r"sign[ -]?up\b[^.\n]{0,80}?(email|newsletter)|get our free [^.\n]{0,60}?email"
    r"|please enter a valid email address|\bSIGN UP\b"
    r"|I would like to be emailed about offers[^.\n]*?(updates from [A-Z][\w.]*(?: [A-Z][\w.]*)*)?"
    r"|read our privacy (notice|policy)|thanks for signing up to the"
    r"|subscribe to our newsletter|this site is protected by recaptcha[^.\n]*"
    r"|by clicking sign up[^.\n]*",
    re.IGNORECASE,
)


def clean_text(raw: str) -> tuple[str, str | None, str | None]:
    """Return ``(body, title, date)`` from a raw article file.

    The date marker and a leading headline line are lifted into metadata;
    boilerplate paragraphs are removed; whitespace at the ends is trimmed.
    """
    text = raw.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    date = None
    if match := _DATE_MARKER.match(text):
        date, text = match.group(1), text[match.end():]

    paragraphs = [p for p in re.split(r"\n\s*\n", text) if p.strip()]
    paragraphs = [p.strip() for p in paragraphs if not _is_boilerplate(p)]
    title = None
    if paragraphs and _looks_like_headline(paragraphs[0]) and len(paragraphs) > 1:
        title = paragraphs.pop(0).lstrip("#").strip()  # "# Heading" in Markdown
    return "\n\n".join(paragraphs), title, date


def _is_boilerplate(paragraph: str) -> bool:
    text = paragraph.strip()
    matched = sum(len(m.group(0)) for m in _BOILERPLATE.finditer(text))
    # Most of the paragraph is furniture (the rest is glue words between phrases).
    return matched > 0 and matched >= 0.5 * len(text)


def _looks_like_headline(paragraph: str) -> bool:
    line = paragraph.strip().lstrip("#").strip()
    return ("\n" not in line and len(line) <= 200 and len(line.split()) <= 30
            and not line.endswith((".", ":", ";", ",")) and line[:1].isupper())


def load_article(path: Path) -> Article:
    """Read one ``.txt``/``.md`` file (UTF-8) and its optional JSON sidecar."""
    path = Path(path)
    body, title, date = clean_text(path.read_text(encoding="utf-8"))
    meta = _read_sidecar(path)
    return Article(
        id=path.stem,
        text=body,
        title=meta.get("title", title),
        source=meta.get("source"),
        date=meta.get("date", date),
        url=meta.get("url"),
        path=str(path),
    )


def _read_sidecar(path: Path) -> dict:
    sidecar = path.with_suffix(".json")
    if not sidecar.is_file():
        return {}
    data = json.loads(sidecar.read_text(encoding="utf-8"))
    return {k: str(v) for k, v in data.items() if k in _META and v}


def article_from_record(record: dict, fallback_id: str, path: str | None = None) -> Article:
    """An article from a JSON record with ``text`` and optional ``id``, ``title``,
    ``source``, ``date``, ``url`` (the news-dev ``articles.jsonl`` format)."""
    body, detected_title, detected_date = clean_text(str(record.get("text") or ""))
    meta = {k: str(record[k]) for k in _META if record.get(k)}
    return Article(id=str(record.get("id") or record.get("_id") or fallback_id), text=body,
                   title=meta.get("title", detected_title), source=meta.get("source"),
                   date=meta.get("date", detected_date), url=meta.get("url"), path=path)


def read_jsonl_articles(path: Path) -> list[Article]:
    """One article per line of a ``.jsonl`` collection."""
    path = Path(path)
    with open(path, encoding="utf-8") as lines:
        return [article_from_record(json.loads(line), f"{path.stem}-{n}", str(path))
                for n, line in enumerate(lines, 1) if line.strip()]


def load_articles(directory: Path) -> list[Article]:
    """Every article file in ``directory`` (recursively), in a stable order."""
    directory = Path(directory)
    if not directory.is_dir():
        raise FileNotFoundError(f"articles directory not found: {directory}")
    files = sorted(p for p in directory.rglob("*")
                   if p.is_file() and p.suffix.lower() in ARTICLE_SUFFIXES)
    articles = []
    for p in files:
        articles.extend(read_jsonl_articles(p) if p.suffix.lower() == ".jsonl"
                        else [load_article(p)])
    return [a for a in articles if a.text.strip()]
