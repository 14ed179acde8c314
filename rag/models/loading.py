"""Models load once, on first use, and only from local files.

Loading a model takes seconds, so it never happens at import; requests that
arrive together while it loads wait for the one load instead of each starting
their own.
"""

from __future__ import annotations

import os
import threading
from typing import Callable, Generic, TypeVar

__all__ = ["LoadOnce", "hub_offline"]

T = TypeVar("T")


class LoadOnce(Generic[T]):
    """``load()`` run on the first call, once even when threads call together;
    every call returns what it returned."""

    def __init__(self, load: Callable[[], T]):
        self._load = load
        self._value: T | None = None
        self._lock = threading.Lock()

    def __call__(self) -> T:
        if self._value is None:
            with self._lock:
                if self._value is None:
                    self._value = self._load()
        return self._value


def hub_offline() -> None:
    """Belt and braces: model paths are local, but make sure the Hugging Face
    hub libraries never try the network for metadata."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
