"""Loading a model once, on first use, from local files only.

Every model here (the sentence embedder, its ONNX twin, the optional reranker
and the optional local LLM) is heavy to load and must never be loaded at
import or fetched from a hub. :class:`LazyModel` is the one way they load:
``warm_up()`` (or the first use) calls the subclass's ``_load()`` once,
under a lock, with the hub libraries told to stay offline.
"""

from __future__ import annotations

import os
import sys
import threading

__all__ = ["LazyModel"]


class LazyModel:
    """Base of the models: ``warm_up()`` loads once and returns the loaded object."""

    def __init__(self):
        self._model = None
        self._lock = threading.Lock()

    def _load(self):
        """Build and return the loaded model (called once, under the lock)."""
        raise NotImplementedError

    def warm_up(self):
        if self._model is None:
            with self._lock:
                if self._model is None:
                    # Belt and braces: the files are local, but make sure the
                    # hub libraries never try the network for metadata, and
                    # keep their "Loading weights" bars off the user's stderr.
                    os.environ.setdefault("HF_HUB_OFFLINE", "1")
                    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
                    _quiet_progress_bars()
                    self._model = self._load()
        return self._model


def _quiet_progress_bars() -> None:
    """Turn the hub libraries' bars off when they were imported before the
    variable was set (the chat imports Gradio, which imports huggingface_hub,
    and both read it once at import), unless the user asked for them."""
    if os.environ["HF_HUB_DISABLE_PROGRESS_BARS"] != "1":
        return
    if "huggingface_hub" in sys.modules:
        from huggingface_hub.utils import disable_progress_bars

        disable_progress_bars()
    if "transformers" in sys.modules:
        from transformers.utils.logging import disable_progress_bar

        disable_progress_bar()
