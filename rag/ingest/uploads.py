"""Accepting article files uploaded from the browser.

An upload is untrusted: its name may try to escape the articles directory
(``../../etc/passwd``), its type may lie, it may be huge or binary. This module
checks each file and copies the accepted ones into one sub-directory of the
configured articles directory, under a sanitised, non-colliding name. It does
no indexing: the caller hands the stored paths to the engine.
"""

from __future__ import annotations

import json
import re
import shutil
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from .articles import ARTICLE_SUFFIXES

__all__ = ["UploadRejected", "StoredUpload", "UPLOAD_SUFFIXES", "accepted_suffixes",
           "sanitise_filename", "store_upload"]

#: What the chat offers to upload; only those the loader can read are accepted.
UPLOAD_SUFFIXES = (".txt", ".md", ".html", ".jsonl")


class UploadRejected(ValueError):
    """A file was not accepted; the message says why, for the person uploading."""


@dataclass(frozen=True)
class StoredUpload:
    original_name: str
    path: Path
    size: int


def accepted_suffixes() -> tuple[str, ...]:
    """Upload types the article loader can read right now (``.html`` needs its
    extractor to be installed)."""
    return tuple(s for s in UPLOAD_SUFFIXES if s in ARTICLE_SUFFIXES)


def sanitise_filename(name: str) -> str:
    """A safe file name from whatever the browser sent.

    Drops any directory part (both separators), folds to ASCII, keeps letters,
    digits, ``-``, ``_`` and ``.``, collapses runs, removes leading dots so the
    result is never hidden, ``.`` or ``..``; never empty.
    """
    base = re.split(r"[\\/]", name or "")[-1]
    base = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode("ascii")
    base = re.sub(r"[^A-Za-z0-9._-]+", "_", base)
    base = re.sub(r"\.{2,}", ".", base).strip("._-")
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    stem = (stem or "upload")[:80]
    return f"{stem}.{suffix.lower()}" if suffix else stem


def store_upload(source: str | Path, original_name: str, articles_dir: Path, *,
                 subdir: str = "uploads", max_bytes: int) -> StoredUpload:
    """Check one uploaded file and copy it into ``articles_dir/subdir``.

    Raises :class:`UploadRejected` for a type the loader cannot read, a file
    over ``max_bytes``, an empty or binary file, or a ``.jsonl`` line that is
    not an article record.
    """
    source = Path(source)
    name = sanitise_filename(original_name)
    suffix = Path(name).suffix.lower()
    allowed = accepted_suffixes()
    if suffix not in allowed:
        raise UploadRejected(f"{original_name}: only {', '.join(allowed)} files are accepted")
    size = source.stat().st_size
    if size > max_bytes:
        raise UploadRejected(f"{original_name}: {size:,} bytes is over the "
                             f"{max_bytes:,}-byte limit")
    data = source.read_bytes()
    _check_content(original_name, suffix, data)

    target_dir = (Path(articles_dir) / sanitise_filename(subdir)).resolve()
    root = Path(articles_dir).resolve()
    if not target_dir.is_relative_to(root):  # belt and braces: names are sanitised above
        raise UploadRejected(f"{original_name}: refused, would be stored outside {root}")
    target_dir.mkdir(parents=True, exist_ok=True)
    target = _free_name(target_dir, name, taken={p.stem for p in root.rglob("*")})
    if not target.resolve().is_relative_to(target_dir):
        raise UploadRejected(f"{original_name}: refused, would be stored outside {root}")
    tmp = target.with_name(f".{target.name}.part")
    shutil.copyfile(source, tmp)
    tmp.replace(target)  # never leave a half-written article for the loader to see
    return StoredUpload(original_name, target, size)


def _check_content(name: str, suffix: str, data: bytes) -> None:
    if not data.strip():
        raise UploadRejected(f"{name}: the file is empty")
    if b"\x00" in data[:8192]:
        raise UploadRejected(f"{name}: looks like a binary file, not text")
    # Other encodings are fine: the article loader detects them and reports it.
    if suffix == ".jsonl":
        text = data.decode("utf-8", errors="replace")
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                raise UploadRejected(f"{name}: line {number} is not JSON") from None
            if not isinstance(record, dict) or not str(record.get("text") or "").strip():
                raise UploadRejected(f"{name}: line {number} has no \"text\" field")


def _free_name(directory: Path, name: str, taken: set[str]) -> Path:
    """``name`` in ``directory``, or ``stem-2.ext``, ``stem-3.ext``… when the stem
    is taken anywhere in the collection (the stem is the article id)."""
    candidate = directory / name
    stem, suffix = candidate.stem, candidate.suffix
    n = 1
    while candidate.stem in taken or candidate.exists():
        n += 1
        candidate = directory / f"{stem}-{n}{suffix}"
    return candidate
