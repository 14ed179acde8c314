"""Crash safety: a build killed at any point leaves the previous index loadable
and correct; two builds never interleave; damaged files are named."""

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from conftest import QUAKE, ROOT

from rag.engine import Engine
from rag.index.builder import Index
from rag.index.locking import IndexBusy
from rag.index.store import IndexCorrupt, StoredIndex, live_version

CHILD = Path(__file__).resolve().parents[1] / "build_child.py"


class Child:
    """A build in another process, stopped at ``point`` (see build_child.py)."""

    def __init__(self, engine, point, env=None):
        self.proc = subprocess.Popen(
            [sys.executable, str(CHILD), str(engine.settings.articles_dir),
             str(engine.settings.index_dir), point],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            cwd=ROOT, env={**os.environ, **(env or {})})
        line = self.proc.stdout.readline()
        if not line.startswith("PAUSED"):
            self.proc.kill()
            pytest.fail(f"child did not reach {point}: {line!r} {self.proc.stderr.read()}")

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)

    def resume(self) -> str:
        out, err = self.proc.communicate("\n", timeout=60)
        assert self.proc.returncode == 0, err
        return out


POINTS_BEFORE_SWITCH = ["embedding", "vectors-written", "before-rename", "before-switch",
                        "mid-switch"]


@pytest.mark.parametrize("point", POINTS_BEFORE_SWITCH)
def test_build_killed_before_the_switch_leaves_the_old_index_live(engine, point):
    index_dir = engine.settings.index_dir
    old_version = live_version(index_dir)
    (engine.settings.articles_dir / "quake.txt").write_text(QUAKE)
    Child(engine, point).kill()

    assert live_version(index_dir) == old_version
    loaded = StoredIndex.load(index_dir)  # checksums verified
    assert set(loaded.articles) == {"veto", "storm"}
    fresh = Engine(engine.settings, engine.embedder)
    reply = fresh.answer("Who decided not to use its veto?")
    assert not reply.abstained and reply.citations[0].article_id == "veto"

    # The next build finishes the job and clears the debris of the killed one.
    summary = fresh.build(progress=False)
    assert summary.added == 1 and "quake" in StoredIndex.load(index_dir).articles
    leftovers = [p.name for p in index_dir.iterdir()
                 if p.name not in ("CURRENT", ".build.lock", live_version(index_dir).name)]
    assert leftovers == []


def test_build_killed_after_the_switch_leaves_the_new_index_live(engine):
    index_dir = engine.settings.index_dir
    (engine.settings.articles_dir / "quake.txt").write_text(QUAKE)
    Child(engine, "after-switch").kill()
    loaded = StoredIndex.load(index_dir)
    assert set(loaded.articles) == {"veto", "storm", "quake"}
    assert Engine(engine.settings, engine.embedder).retrieve("earthquake")[0].article_id == "quake"


def test_second_build_fails_clearly_when_not_allowed_to_wait(engine):
    (engine.settings.articles_dir / "quake.txt").write_text(QUAKE)
    child = Child(engine, "vectors-written")
    try:
        partial = [p for p in engine.settings.index_dir.iterdir() if p.name.startswith(".partial")]
        impatient = Index(engine.settings.replace(build_lock_wait=0), engine.embedder)
        with pytest.raises(IndexBusy, match=f"another build \\(pid {child.proc.pid}"):
            impatient.build(full=True, progress=False)
        assert partial and all(p.exists() for p in partial)  # its work was not touched
    finally:
        child.kill()


def test_second_build_waits_for_the_first_and_builds_on_its_result(engine):
    (engine.settings.articles_dir / "quake.txt").write_text(QUAKE)
    child = Child(engine, "vectors-written")
    results = {}
    patient = Index(engine.settings.replace(build_lock_wait=60), engine.embedder)
    waiter = threading.Thread(target=lambda: results.update(summary=patient.build(progress=False)))
    waiter.start()
    waiter.join(timeout=1.0)
    assert waiter.is_alive()  # blocked on the lock, not interleaving
    assert "DONE added=1" in child.resume()
    waiter.join(timeout=60)
    # The waiting build saw the first one's version: nothing left to add.
    assert results["summary"].added == 0 and results["summary"].written is False
    loaded = StoredIndex.load(engine.settings.index_dir)
    assert set(loaded.articles) == {"veto", "storm", "quake"}
    assert loaded.faiss_index.ntotal == len(loaded.chunks)


def test_cli_build_while_another_runs_exits_with_a_message(engine):
    (engine.settings.articles_dir / "quake.txt").write_text(QUAKE)
    child = Child(engine, "embedding")
    try:
        result = subprocess.run(
            [sys.executable, "-m", "rag", "build", "--articles", str(engine.settings.articles_dir),
             "--index", str(engine.settings.index_dir)],
            capture_output=True, text=True, cwd=ROOT, timeout=120,
            env={**os.environ, "RAG_BUILD_LOCK_WAIT": "0"})
        assert result.returncode == 2
        assert "another build" in result.stderr and "Traceback" not in result.stderr
    finally:
        child.kill()


@pytest.mark.parametrize("name", ["chunks.jsonl", "articles.jsonl", "vectors.faiss"])
def test_tampered_index_file_is_named_with_rebuild_advice(engine, name):
    path = live_version(engine.settings.index_dir) / name
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one flipped byte, same length
    path.write_bytes(bytes(data))
    with pytest.raises(IndexCorrupt) as err:
        StoredIndex.load(engine.settings.index_dir)
    assert name in str(err.value) and "rag build" in str(err.value)


def test_truncated_manifest_is_named_with_rebuild_advice(engine):
    path = live_version(engine.settings.index_dir) / "manifest.json"
    path.write_text(path.read_text()[:40])
    with pytest.raises(IndexCorrupt, match="manifest.json.*rag build"):
        StoredIndex.load(engine.settings.index_dir)


def test_status_of_a_damaged_index_names_the_file_and_ensure_index_rebuilds_it(engine):
    from rag.index.builder import format_status

    chunks = live_version(engine.settings.index_dir) / "chunks.jsonl"
    chunks.write_bytes(chunks.read_bytes()[:100])
    status = engine.status()
    assert status["stale"] is True and status["ok"] is False
    assert format_status(status).startswith("No usable index: index file ") and \
        "chunks.jsonl is missing, truncated or modified" in format_status(status)
    s = engine.settings   # (the advice rebuilds it from its own articles, not the default ones)
    assert f"`rag build --full --index {s.index_dir} --articles {s.articles_dir}`" in \
        status["reason"]
    served = Engine(engine.settings, engine.embedder)   # `rag serve`, a fresh process
    assert served.ensure_index(progress=False).full_reason      # (what it does first)
    assert served.status()["stale"] is False and served.retrieve("veto")


def test_build_over_a_damaged_index_rebuilds_it_and_says_why(engine):
    vectors = live_version(engine.settings.index_dir) / "vectors.faiss"
    vectors.write_bytes(vectors.read_bytes()[:100])
    summary = Engine(engine.settings, engine.embedder).build(progress=False)
    assert "could not be read" in summary.full_reason and "vectors.faiss" in summary.full_reason
    assert set(StoredIndex.load(engine.settings.index_dir).articles) == {"veto", "storm"}


def test_cli_ask_on_damaged_index_explains_without_traceback(engine):
    chunks = live_version(engine.settings.index_dir) / "chunks.jsonl"
    chunks.write_text(chunks.read_text()[:-20])
    result = subprocess.run([sys.executable, "-m", "rag", "ask", "--index",
                             str(engine.settings.index_dir), "veto?"],
                            capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "chunks.jsonl" in result.stderr and "rag build" in result.stderr


def test_failed_save_removes_its_own_directory_and_keeps_the_old_index(engine):
    from rag.index.store import VersionFile

    def broken(index, path):
        raise OSError("No space left on device")

    failing = Index(engine.settings, engine.embedder,
                    version_files=(VersionFile("broken.bin", broken),))
    (engine.settings.articles_dir / "quake.txt").write_text(QUAKE)
    old = live_version(engine.settings.index_dir)
    with pytest.raises(OSError, match="No space"):
        failing.build(progress=False)
    assert live_version(engine.settings.index_dir) == old
    assert not [p for p in engine.settings.index_dir.iterdir() if p.name.startswith(".partial")]
    assert set(StoredIndex.load(engine.settings.index_dir).articles) == {"veto", "storm"}
