"""Turning a raw file into text, or a clear reason why not.

Article files arrive in every state: UTF-8 or Windows-1252, empty, a PNG that
someone renamed ``.txt``, a 50 MB log dump, a saved web page with menus and
cookie banners. This module decides, for one file, whether it can be read and
how: size and emptiness checks before anything is read, binary detection,
encoding detection (with a report when the text was not UTF-8) and main-text
extraction from HTML with trafilatura. It never raises for a bad file: it
returns a :class:`Skip` with a reason a person can act on.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Skip", "Decoded", "check_size", "decode_bytes", "extract_html", "binary_kind"]


@dataclass(frozen=True)
class Skip:
    """A file (or a line of a collection) that was not indexed, and why."""

    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str
    #: Set when the bytes were not UTF-8: what was done about it, for the build report.
    note: str | None = None


# Signatures of formats people most often drop into a folder by mistake.
_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "PNG image"), (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF87a", "GIF image"), (b"GIF89a", "GIF image"), (b"%PDF-", "PDF document"),
    (b"PK\x03\x04", "ZIP archive (or .docx/.xlsx)"), (b"\x1f\x8b", "gzip archive"),
    (b"\xd0\xcf\x11\xe0", "MS Office document"), (b"\x7fELF", "executable"),
    (b"RIFF", "RIFF media file"), (b"ID3", "MP3 audio"), (b"\x00\x00\x00", "binary data"),
)
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
         (codecs.BOM_UTF16_BE, "utf-16"))


def check_size(size: int, limit_bytes: int) -> str | None:
    """Why a file of ``size`` bytes is skipped, or ``None`` if it may be read."""
    if size == 0:
        return "empty file"
    if size > limit_bytes:
        return (f"too large ({megabytes(size)}; the limit is {limit_bytes / 1e6:g} MB, "
                "setting max_file_mb / RAG_MAX_FILE_MB)")
    return None


def megabytes(size: int) -> str:
    """``size`` bytes for people: "50.0 MB", and "0.0051 MB" rather than "0.0 MB"."""
    mb = size / 1e6
    return f"{mb:.1f} MB" if mb >= 0.1 else f"{mb:.2g} MB"


def binary_kind(data: bytes) -> str | None:
    """A name for the binary format of ``data``, or ``None`` if it looks like text."""
    if any(data.startswith(bom) for bom, _ in _BOMS):
        return None  # UTF-16/32 text legitimately contains NUL bytes
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            return kind
    head = data[:8192]
    if b"\x00" in head:
        return "binary data (contains NUL bytes)"
    # Control characters other than whitespace are rare in any text encoding.
    controls = sum(1 for b in head if b < 32 and b not in b"\t\n\r\f\v\x1b")
    if head and controls / len(head) > 0.05:
        return "binary data (mostly control characters)"
    return None


def decode_bytes(data: bytes) -> Decoded:
    """Decode text of unknown encoding; never fails.

    UTF-8 (the expected case) and byte-order-marked UTF-16/32 are taken as
    they are. Anything else is handed to charset-normalizer's detector; when
    even that has no answer, UTF-8 with replacement characters is used. Every
    case but plain UTF-8 carries a ``note`` for the build report.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            text = data.decode(encoding, errors="replace")
            return Decoded(text, encoding, None if encoding == "utf-8-sig"
                           else f"decoded as {encoding} (byte-order mark)")
    try:
        return Decoded(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError as exc:
        position = exc.start
    if encoding := _detect_encoding(data):
        return Decoded(data.decode(encoding, errors="replace"), encoding,
                       f"not valid UTF-8 (byte {position}); decoded as {encoding}")
    return Decoded(data.decode("utf-8", errors="replace"), "utf-8",
                   f"not valid UTF-8 (byte {position}) and no encoding detected; "
                   "undecodable bytes replaced with U+FFFD")


# On short Western text the detector often cannot tell Windows-1252 from its
# Central European or Baltic cousins (same letters for English words); when
# it is among the equally good candidates, the far more common cp1252 wins.
_WESTERN = ("cp1252", "latin_1", "iso8859_15")


def _detect_encoding(data: bytes) -> str | None:
    from charset_normalizer import from_bytes

    matches = list(from_bytes(data))
    if not matches:
        return None
    best = matches[0]
    tied = [m.encoding for m in matches
            if m.chaos <= best.chaos + 0.01 and m.coherence >= best.coherence - 0.01]
    return next((e for e in _WESTERN if e in tied), best.encoding)


# Only dates the page states as its publication date; no guessing from a
# copyright line or the URL.
_DATES = {"extensive_search": False, "original_date": True}


def extract_html(markup: str, url: str | None = None) -> tuple[str, dict]:
    """Main text and metadata (``title``, ``date``, ``url``, ``source``) of a web page.

    trafilatura drops navigation, footers, cookie banners and other page
    furniture. Paragraphs come back separated by blank lines, as in our text
    files, so sentence and paragraph handling downstream is the same.
    """
    import json
    import logging

    import trafilatura

    # trafilatura logs its own fallbacks as warnings; the build reports what matters.
    logging.getLogger("trafilatura").setLevel(logging.ERROR)
    extracted = trafilatura.extract(markup, url=url, output_format="json", with_metadata=True,
                                    include_comments=False, include_tables=False,
                                    favor_precision=True, deduplicate=True,
                                    date_extraction_params=_DATES)
    if not extracted:  # very short pages fall under trafilatura's precision thresholds
        extracted = trafilatura.extract(markup, url=url, output_format="json",
                                        with_metadata=True, include_comments=False,
                                        favor_recall=True, date_extraction_params=_DATES)
    if not extracted:
        return "", {}
    record = json.loads(extracted)
    lines = [line.strip() for line in (record.get("text") or "").splitlines()]
    text = "\n\n".join(line for line in lines if line)
    meta = {"title": record.get("title"), "date": record.get("date"),
            "url": record.get("source") if str(record.get("source") or "").startswith("http")
            else None,
            "source": record.get("sitename") or record.get("hostname")}
    return text, {k: str(v) for k, v in meta.items() if v}


def describe_path(path: Path, root: Path | None) -> str:
    """``path`` relative to ``root`` when inside it, for short messages."""
    try:
        return str(Path(path).relative_to(root)) if root else str(path)
    except ValueError:
        return str(path)
