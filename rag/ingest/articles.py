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

import functools
import hashlib
import json
import logging
import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from .reading import Skip, binary_kind, check_size, decode_bytes, extract_html

__all__ = ["Article", "Collection", "Skip", "load_article", "load_articles", "scan_directory",
           "read_files", "article_from_record", "read_jsonl_articles", "read_jsonl_collection",
           "clean_text", "text_fingerprint", "ARTICLE_SUFFIXES"]

logger = logging.getLogger("rag")

HTML_SUFFIXES = (".html", ".htm")
ARTICLE_SUFFIXES = (".txt", ".md", *HTML_SUFFIXES, ".jsonl")
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

    # Cached: the article is immutable, and an incremental change compares
    # every indexed article's hash and fingerprint (a second on a large index
    # when recomputed each time).
    @functools.cached_property
    def content_hash(self) -> str:
        """Hash of everything that ends up in the index for this article."""
        payload = json.dumps([self.text, self.title, self.source, self.date, self.url])
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()

    @functools.cached_property
    def fingerprint(self) -> str:
        """:func:`text_fingerprint` of the text (duplicate detection)."""
        return text_fingerprint(self.text)

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


# Every boilerplate pattern contains one of these; checking for them first
# spares the (slow) regex on the vast majority of paragraphs.
_BOILERPLATE_WORDS = ("sign", "email", "privacy", "subscribe", "recaptcha")


def _is_boilerplate(paragraph: str) -> bool:
    text = paragraph.strip()
    lowered = text.lower()
    if not any(word in lowered for word in _BOILERPLATE_WORDS):
        return False
    matched = sum(len(m.group(0)) for m in _BOILERPLATE.finditer(text))
    # Most of the paragraph is furniture (the rest is glue words between phrases).
    return matched > 0 and matched >= 0.5 * len(text)


def _looks_like_headline(paragraph: str) -> bool:
    line = paragraph.strip().lstrip("#").strip()
    return ("\n" not in line and len(line) <= 200 and len(line.split()) <= 30
            and not line.endswith((".", ":", ";", ",")) and line[:1].isupper())


# ---------------------------------------------------------------------- loading
#: Default size limit of one article (a file, or one line of a ``.jsonl``).
DEFAULT_MAX_BYTES = 20_000_000


@dataclass
class Collection:
    """What reading some files produced: the articles, and everything left out.

    ``skipped`` names every file (or ``file:line``) that was not indexed and
    why; ``notes`` records files that were read but needed help (an encoding
    other than UTF-8). Nothing is dropped silently.
    """

    articles: list[Article] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def extend(self, other: "Collection") -> None:
        self.articles += other.articles
        self.skipped += other.skipped
        self.notes += other.notes


def load_article(path: Path) -> Article:
    """Read one article file (strict: raises on a file that cannot be read).

    Use :func:`read_files` to read many files without stopping at a bad one.
    """
    found = read_files([path], max_bytes=None)
    if found.skipped:
        raise ValueError(str(found.skipped[0]))
    return found.articles[0]


def read_files(paths, *, max_bytes: int | None = DEFAULT_MAX_BYTES,
               root: Path | None = None, log: bool = True) -> Collection:
    """Read article files of any supported kind, collecting skips and notes
    (also logged as warnings, unless ``log`` is false: a caller that reports them).

    One bad file never stops the others. Ids are file stems (or the ``id`` of
    a ``.jsonl`` record); when two files under ``root`` share a stem, the
    later one is named by its path relative to ``root`` instead. Exact
    duplicates (same cleaned text) are kept once.
    """
    out = Collection()
    for path in paths:
        path = Path(path)
        try:
            out.extend(_read_one(path, max_bytes))
        except Exception as exc:  # noqa: BLE001 - a bad file must never abort a build
            out.skipped.append(Skip(str(path), f"could not be read ({type(exc).__name__}: {exc})"))
    out.articles = _unique(out.articles, out.skipped, root)
    for skip in out.skipped if log else ():
        logger.warning("skipped %s", skip)
    for note in out.notes if log else ():
        logger.warning("%s", note)
    return out


def scan_directory(directory: Path, *, max_bytes: int | None = DEFAULT_MAX_BYTES,
                   log: bool = True) -> Collection:
    """Every article in ``directory`` (recursively), in a stable order; skips
    logged as :func:`read_files` does (``log``).

    ``directory`` may also be one article or collection file.
    Files of other kinds are listed as skipped, except ``.json`` metadata
    sidecars and hidden files.
    """
    directory = Path(directory)
    if directory.is_file():  # a single collection file (say, news.jsonl) also works
        return read_files([directory], max_bytes=max_bytes, log=log)
    if not directory.is_dir():
        raise FileNotFoundError(f"articles directory not found: {directory}")
    files, others = [], []
    for p in sorted(directory.rglob("*")):
        if any(part.startswith(".") for part in p.relative_to(directory).parts):
            continue
        if p.is_symlink() and not p.exists():
            others.append(Skip(str(p), f"broken link (its target {os.readlink(p)} is gone)"))
            continue
        if not p.is_file():
            continue
        if p.suffix.lower() in ARTICLE_SUFFIXES:
            files.append(p)
        elif not (p.suffix.lower() == ".json" and _has_article_beside(p)):
            others.append(_unsupported(p))
    found = read_files(files, max_bytes=max_bytes, root=directory, log=log)
    for skip in others if log else ():
        logger.warning("skipped %s", skip)
    found.skipped = others + found.skipped
    return found


def load_articles(directory: Path, *, max_bytes: int | None = DEFAULT_MAX_BYTES) -> list[Article]:
    """The articles of :func:`scan_directory`, without the report."""
    return scan_directory(directory, max_bytes=max_bytes).articles


def _unsupported(path: Path) -> Skip:
    return Skip(str(path), f"unsupported file type {path.suffix or '(none)'!r} "
                           f"(read: {', '.join(ARTICLE_SUFFIXES)})")


def _has_article_beside(sidecar: Path) -> bool:
    return any(sidecar.with_suffix(s).is_file() for s in ARTICLE_SUFFIXES if s != ".jsonl")


def _read_one(path: Path, max_bytes: int | None) -> Collection:
    out = Collection()
    if path.is_dir():
        out.skipped.append(Skip(str(path), "a directory, not a file: name its files, or "
                                           f"index it with `rag build --articles {path}`"))
        return out
    if not path.is_file():
        out.skipped.append(Skip(str(path), "no such file"))
        return out
    if path.suffix.lower() not in ARTICLE_SUFFIXES:   # as when scanning a folder
        out.skipped.append(_unsupported(path))
        return out
    if path.suffix.lower() == ".jsonl":
        return read_jsonl_collection(path, max_bytes=max_bytes)
    limit = max_bytes if max_bytes is not None else float("inf")
    if reason := check_size(path.stat().st_size, limit):
        out.skipped.append(Skip(str(path), reason))
        return out
    data = path.read_bytes()
    if kind := binary_kind(data):
        out.skipped.append(Skip(str(path), f"binary file ({kind}), not text"))
        return out
    decoded = decode_bytes(data)
    if decoded.note:
        out.notes.append(f"{path}: {decoded.note}")
    meta: dict = {}
    if path.suffix.lower() in HTML_SUFFIXES:
        raw, meta = extract_html(decoded.text)
        if not raw.strip():
            out.skipped.append(Skip(str(path), "no article text found in the HTML page"))
            return out
    else:
        raw = decoded.text
    body, title, date = clean_text(raw)
    if not body.strip():
        out.skipped.append(Skip(str(path), "no text (only whitespace or boilerplate)"))
        return out
    meta = {**meta, **_read_sidecar(path, out.notes)}
    out.articles.append(Article(id=path.stem, text=body, title=meta.get("title", title),
                                source=meta.get("source"), date=meta.get("date", date),
                                url=meta.get("url"), path=str(path)))
    return out


def _read_sidecar(path: Path, notes: list[str]) -> dict:
    """The metadata of ``path``'s sidecar; a broken sidecar costs its metadata
    (said in ``notes``), never the article."""
    sidecar = path.with_suffix(".json")
    if not sidecar.is_file():
        return {}
    try:
        data = json.loads(decode_bytes(sidecar.read_bytes()).text)
    except ValueError as exc:
        data = f"not valid JSON ({exc})"
    if not isinstance(data, dict):
        why = data if isinstance(data, str) else f"a JSON {_json_kind(data)}, not an object"
        notes.append(f"{sidecar}: metadata ignored: {why}; fix it (an object with title, "
                     "source, date, url) or remove it")
        return {}
    return {k: str(v) for k, v in data.items() if k in _META and v}


def article_from_record(record: dict, fallback_id: str, path: str | None = None) -> Article:
    """An article from a JSON record with ``text`` and optional ``id``, ``title``,
    ``source``, ``date``, ``url`` (the news-dev ``articles.jsonl`` format)."""
    body, detected_title, detected_date = clean_text(str(record.get("text") or ""))
    meta = {k: str(record[k]) for k in _META if record.get(k)}
    return Article(id=str(record.get("id") or record.get("_id") or fallback_id), text=body,
                   title=meta.get("title", detected_title), source=meta.get("source"),
                   date=meta.get("date", detected_date), url=meta.get("url"), path=path)


def read_jsonl_collection(path: Path, *, max_bytes: int | None = DEFAULT_MAX_BYTES) -> Collection:
    """One article per line of a ``.jsonl`` collection; bad lines are skipped
    (named ``file:line``), the rest are read. The size limit applies per line."""
    path = Path(path)
    out = Collection()
    limit = max_bytes if max_bytes is not None else float("inf")
    textless: list[Skip] = []       # records without text
    any_text_field = False
    with open(path, "rb") as lines:
        for n, line in enumerate(lines, 1):
            where = f"{path}:{n}"
            if not line.strip():
                continue
            if len(line) > limit:
                out.skipped.append(Skip(where, check_size(len(line), limit)))
                continue
            decoded = decode_bytes(line)
            if decoded.note:
                out.notes.append(f"{where}: {decoded.note}")
            try:
                record = json.loads(decoded.text)
            except ValueError as exc:
                out.skipped.append(Skip(where, f"not a JSON object ({exc})"))
                continue
            if not isinstance(record, dict):
                out.skipped.append(Skip(where, f"not a JSON object (a {_json_kind(record)})"))
                continue
            if "text" in record and not isinstance(record["text"], (str, type(None))):
                out.skipped.append(Skip(where, f"'text' is a {_json_kind(record['text'])}, "
                                               "not a string"))
                continue
            any_text_field = any_text_field or "text" in record
            article = article_from_record(record, f"{path.stem}-{n}", str(path))
            if not article.text.strip():
                textless.append(Skip(where, "record has no text"))
                out.skipped.append(textless[-1])
                continue
            out.articles.append(article)
    if textless and not any_text_field:
        # Not an article collection at all (e.g. a questions.jsonl beside the
        # articles): one line in the report instead of one per record.
        out.skipped = [k for k in out.skipped if k not in textless]
        out.skipped.append(Skip(str(path), f"not an article collection (none of its "
                                           f"{len(textless)} records has a 'text' field)"))
    return out


def _json_kind(value) -> str:
    """What a JSON value is, in JSON's words (for skip reasons)."""
    return {bool: "boolean", int: "number", float: "number", str: "string", list: "list",
            dict: "object"}.get(type(value), "null")


def read_jsonl_articles(path: Path) -> list[Article]:
    """One article per line of a ``.jsonl`` collection (see :func:`read_jsonl_collection`)."""
    return read_jsonl_collection(path).articles


def text_fingerprint(text: str) -> str:
    """Identity of an article's text for duplicate detection (whitespace-insensitive)."""
    return hashlib.sha256(" ".join(text.split()).encode("utf-8")).hexdigest()


def _unique(articles: list[Article], skipped: list[Skip], root: Path | None) -> list[Article]:
    """Drop exact duplicates (reported) and give clashing ids distinct names."""
    by_text: dict[str, Article] = {}
    ids: set[str] = set()
    kept = []
    for article in articles:
        twin = by_text.get(text_fingerprint(article.text))
        if twin is not None:
            skipped.append(Skip(_where(article), f"duplicate of article {twin.id!r} "
                                                 f"({twin.path}); indexed once"))
            continue
        if article.id in ids:
            article = _renamed(article, ids, root)
        by_text[text_fingerprint(article.text)] = article
        ids.add(article.id)
        kept.append(article)
    return kept


def _renamed(article: Article, taken: set[str], root: Path | None) -> Article:
    """A distinct id for an article whose id is already used by another file."""
    candidate = article.id
    if article.path and root is not None and not article.path.endswith(".jsonl"):
        try:
            candidate = Path(article.path).relative_to(root).with_suffix("").as_posix()
        except ValueError:
            pass
    n = 2
    base = candidate
    while candidate in taken:
        candidate, n = f"{base}~{n}", n + 1
    return replace(article, id=candidate)


def _where(article: Article) -> str:
    if article.path and article.path.endswith(".jsonl"):
        return f"{article.path} (article {article.id!r})"
    return article.path or article.id
