"""One writer at a time per index directory.

Every change to an index (build, add, remove) holds an exclusive ``flock`` on
``<index>/.build.lock`` from reading the live version to switching to the new
one, so two builds never interleave and a build never deletes the unfinished
directory of another. The kernel releases the lock when its holder dies, even
by SIGKILL, so a crashed build never leaves the index locked. Readers do not
lock: they only ever see complete versions (see :mod:`rag.index.store`).
"""

from __future__ import annotations

import fcntl
import os
import time
from contextlib import contextmanager
from pathlib import Path

__all__ = ["IndexBusy", "write_lock", "LOCK_NAME"]

LOCK_NAME = ".build.lock"


class IndexBusy(RuntimeError):
    """Another process is changing the same index."""


@contextmanager
def write_lock(index_dir: Path, wait: float = 0.0, on_wait=None):
    """Hold the index's write lock; wait up to ``wait`` seconds for it.

    ``on_wait(message)`` is called once if the lock is taken, so a command can
    tell its user why it pauses. Raises :class:`IndexBusy` when the wait runs
    out, naming the process that holds the lock.
    """
    index_dir = Path(index_dir)
    path = index_dir / LOCK_NAME
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:  # a file given for the directory, no permission...
        from .store import IndexError_

        what = "it is a file" if index_dir.is_file() else exc.strerror.lower()
        raise IndexError_(f"cannot keep an index in {index_dir}: {what}; give --index "
                          "(RAG_INDEX) a directory you can write to") from None
    try:
        deadline = time.monotonic() + max(0.0, wait)
        told = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                holder = _holder(path)
                if time.monotonic() >= deadline:
                    raise IndexBusy(
                        f"another build ({holder}) is changing the index in {index_dir}; "
                        f"wait for it to finish and try again (or allow waiting with "
                        f"RAG_BUILD_LOCK_WAIT=<seconds>)") from None
                if on_wait and not told:
                    on_wait(f"waiting for another build ({holder}) to finish "
                            f"changing {index_dir}...")
                    told = True
                time.sleep(0.1)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()} since {time.strftime('%H:%M:%S')}\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # releases the lock


def _holder(path: Path) -> str:
    try:
        return path.read_text().strip() or "unknown process"
    except OSError:
        return "unknown process"
