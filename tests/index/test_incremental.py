"""Incremental indexing: only new or changed articles are embedded, removed ones
disappear, chunk ids of untouched articles stay, and `add`/`remove`/`status`
work on an `Index` and on the `Engine`."""

import json

import numpy as np
from conftest import QUAKE, STORM, VETO

from rag.index.builder import Index
from rag.index.lexical import BM25_FILE
from rag.index.sentences import SENTENCES_FILE, stored_sentence_vectors
from rag.index.store import StoredIndex, VersionFile, live_version
from rag.settings import Settings


def chunks_of(engine, article_id):
    index = StoredIndex.load(engine.settings.index_dir)
    return {cid: c.text for c, cid in zip(index.chunks, index.chunk_ids)
            if c.article_id == article_id}


def stored_sentences(engine) -> set[int]:
    """The (hashed) sentence texts the live version keeps vectors for."""
    index = StoredIndex.load(engine.settings.index_dir, version_files=(stored_sentence_vectors,))
    return set(index.extras[SENTENCES_FILE].keys.tolist())


def test_first_build_embeds_every_chunk_and_counts_articles_as_added(engine):
    index = StoredIndex.load(engine.settings.index_dir)
    # every chunk, and every distinct sentence once (rag.index.sentences)
    assert engine.embedder.texts_encoded == len(index.chunks) + len(stored_sentences(engine))
    assert len(index.chunks) > 0
    assert set(index.articles) == {"veto", "storm"}


def test_unchanged_collection_embeds_nothing_and_writes_no_new_version(engine):
    before, version = engine.embedder.texts_encoded, live_version(engine.settings.index_dir)
    summary = engine.build(progress=False)
    assert engine.embedder.texts_encoded == before
    assert (summary.unchanged, summary.chunks_embedded, summary.written) == (2, 0, False)
    assert live_version(engine.settings.index_dir) == version
    assert "up to date" in str(summary)


def test_new_article_embeds_only_its_own_chunks(engine):
    storm_ids = chunks_of(engine, "storm")
    (engine.settings.articles_dir / "quake.txt").write_text(QUAKE)
    before, sentences = engine.embedder.texts_encoded, stored_sentences(engine)
    summary = engine.build(progress=False)
    quake = chunks_of(engine, "quake")
    new_sentences = stored_sentences(engine) - sentences
    assert sentences <= stored_sentences(engine) and new_sentences  # the others are kept
    assert engine.embedder.texts_encoded - before - len(new_sentences) == len(quake) == \
        summary.chunks_embedded
    assert (summary.added, summary.changed, summary.removed, summary.unchanged) == (1, 0, 0, 2)
    assert chunks_of(engine, "storm") == storm_ids  # same ids, same passages
    assert engine.retrieve("earthquake buildings cracked")[0].article_id == "quake"
    assert "added 1, changed 0, removed 0, unchanged 2; embedded" in str(summary)


def test_changed_article_is_re_embedded_and_its_old_chunks_leave_the_index(engine):
    old_ids = set(chunks_of(engine, "storm"))
    (engine.settings.articles_dir / "storm.txt").write_text(
        "Storm story\n\nA blizzard buried the valley. Avalanche warnings were issued.")
    before, sentences = engine.embedder.texts_encoded, stored_sentences(engine)
    summary = engine.build(progress=False)
    new = chunks_of(engine, "storm")
    assert (summary.changed, summary.added, summary.unchanged) == (1, 0, 1)
    new_sentences = stored_sentences(engine) - sentences
    assert engine.embedder.texts_encoded - before == len(new) + len(new_sentences)
    # the old story's sentences left with it
    assert len(sentences - stored_sentences(engine)) > 0
    assert not old_ids & set(new)  # fresh ids; the old vectors are gone
    hits = engine.retrieve("storm coast power overnight", k=5)
    assert all("Thousands lost power" not in h.text for h in hits)
    assert engine.retrieve("blizzard avalanche")[0].article_id == "storm"


def test_deleted_file_removes_its_article_from_vectors_and_records(engine):
    (engine.settings.articles_dir / "storm.txt").unlink()
    before = engine.embedder.texts_encoded
    summary = engine.build(progress=False)
    assert (summary.removed, summary.unchanged, summary.chunks_embedded) == (1, 1, 0)
    assert engine.embedder.texts_encoded == before
    index = StoredIndex.load(engine.settings.index_dir)
    assert set(index.articles) == {"veto"}
    assert index.faiss_index.ntotal == len(index.chunks)
    assert {h.article_id for h in engine.retrieve("storm coast power", k=5)} == {"veto"}


def test_full_rebuild_re_embeds_everything(engine):
    before = engine.embedder.texts_encoded
    summary = engine.build(full=True, progress=False)
    assert summary.chunks_embedded == summary.chunks == \
        engine.embedder.texts_encoded - before - len(stored_sentences(engine))
    assert summary.full_reason == "requested (--full)"


def test_changed_chunk_settings_trigger_a_full_rebuild_that_says_why(engine):
    index = Index(engine.settings.replace(chunk_tokens=50), engine.embedder)
    summary = index.build(progress=False)
    assert summary.full_reason and "chunking.max_tokens" in summary.full_reason
    assert summary.chunks_embedded == summary.chunks
    assert StoredIndex.load(engine.settings.index_dir).config["chunking"]["max_tokens"] == 50


def test_add_indexes_a_file_from_outside_and_build_keeps_it(engine, tmp_path):
    outside = tmp_path / "elsewhere" / "quake.txt"
    outside.parent.mkdir()
    outside.write_text(QUAKE)
    before, sentences = engine.embedder.texts_encoded, stored_sentences(engine)
    summary = engine.add([outside])
    assert (summary.added, summary.unchanged) == (1, 2)
    new_sentences = stored_sentences(engine) - sentences
    assert engine.embedder.texts_encoded - before - len(new_sentences) == \
        summary.chunks_embedded == len(chunks_of(engine, "quake"))
    assert engine.retrieve("earthquake buildings cracked")[0].article_id == "quake"
    # Not in the articles directory, but added on purpose: a build keeps it.
    assert engine.status()["stale"] is False
    assert engine.build(progress=False).removed == 0
    assert "quake" in StoredIndex.load(engine.settings.index_dir).articles


def test_adding_the_same_file_again_embeds_nothing_and_an_edit_replaces_it(engine, tmp_path):
    story = tmp_path / "quake.txt"
    story.write_text(QUAKE)
    engine.add([story])
    before = engine.embedder.texts_encoded
    assert engine.add([story]).written is False and engine.embedder.texts_encoded == before
    story.write_text("Quake story\n\nAftershocks rattled the town again on Friday.")
    summary = engine.add([story])
    assert (summary.changed, summary.added) == (1, 0)
    assert list(StoredIndex.load(engine.settings.index_dir).articles).count("quake") == 1


def test_add_skips_an_exact_duplicate_of_an_indexed_article(engine, tmp_path):
    copy = tmp_path / "veto-copy.txt"
    copy.write_text(VETO)
    summary = engine.add([copy])
    assert summary.added == 0 and summary.written is False
    assert any("veto-copy.txt" in s.path and "duplicate" in s.reason for s in summary.skipped)


def test_remove_drops_articles_and_reports_unknown_ids(engine):
    before = engine.embedder.texts_encoded
    summary = engine.remove(["storm", "no-such-article"])
    assert (summary.removed, summary.unchanged) == (1, 1)
    assert summary.not_found == ("no-such-article",)
    assert engine.embedder.texts_encoded == before
    assert set(StoredIndex.load(engine.settings.index_dir).articles) == {"veto"}
    assert engine.retrieve("storm power", k=3)[0].article_id == "veto"
    # Its file is still there, so the user is told a build will bring it back.
    assert any("storm" in note and "rag build" in note for note in summary.notes)


def test_status_reports_contents_settings_and_pending_changes(engine):
    status = engine.status()
    assert (status["articles"], status["model"], status["stale"]) == (2, "fake-bow", False)
    assert status["chunking"] == {"max_tokens": 200, "overlap_tokens": 40}
    assert status["size_bytes"] > 0 and status["differs"] == []
    (engine.settings.articles_dir / "quake.txt").write_text(QUAKE)
    (engine.settings.articles_dir / "storm.txt").unlink()
    status = engine.status()
    assert status["stale"] is True
    assert status["pending"] == {"added": 1, "changed": 0, "removed": 1}


def test_status_names_settings_that_differ(engine):
    status = Index(engine.settings.replace(chunk_overlap_tokens=10), engine.embedder).status()
    assert status["stale"] is True and status["ok"] is False
    assert "chunking.overlap_tokens" in status["differs"][0]


def test_status_tells_the_build_command_for_this_index_and_its_articles(engine):
    from rag.index.builder import format_status

    s = engine.settings
    (s.articles_dir / "quake.txt").write_text(QUAKE)
    build = f"rag build --index {s.index_dir} --articles {s.articles_dir}"
    assert f"run `{build}`" in format_status(engine.status())
    other = Index(s.replace(chunk_overlap_tokens=10), engine.embedder).status()
    assert f"run `{build} --full` to rebuild" in format_status(other)


def test_status_of_a_small_index_shows_its_size_not_0_0_mb(engine):
    from rag.index.builder import format_status

    status = engine.status()
    assert status["size_bytes"] < 50_000
    assert "0.0 MB" not in format_status(status) and " MB, built" in format_status(status)


def test_index_object_works_without_an_engine(tmp_path, fake_embedder, write_articles):
    folder = write_articles({"veto.txt": VETO})
    index = Index(Settings().replace(articles_dir=folder, index_dir=tmp_path / "i"),
                  fake_embedder)
    assert index.build(progress=False).added == 1
    extra = tmp_path / "storm.txt"
    extra.write_text(STORM)
    assert index.add([extra]).added == 1
    assert index.remove(["veto"]).removed == 1
    assert index.status()["articles"] == 1


def test_a_version_file_given_to_the_index_follows_every_change(engine):
    """The hook for per-version data such as BM25: rewritten from the complete
    new version on every change, checksummed, and read back on load by whoever
    asks for it."""
    def write(index, path):
        path.write_text(json.dumps(sorted({c.article_id for c in index.chunks})))

    seen = VersionFile("articles-seen.json", write,
                       lambda index, path: json.loads(path.read_text()))
    (engine.settings.articles_dir / "storm.txt").unlink()
    Index(engine.settings, engine.embedder, version_files=(BM25_FILE, seen)).build(progress=False)
    loaded = StoredIndex.load(engine.settings.index_dir, version_files=[seen])
    assert loaded.extras == {"articles-seen.json": ["veto"]}
    manifest = json.loads((loaded.version_dir / "manifest.json").read_text())
    assert {"articles-seen.json", "bm25.zip"} <= set(manifest["files"])


def test_update_works_on_a_vector_index_that_cannot_remove_ids(engine):
    """HNSW cannot delete vectors: the update rebuilds it from the kept ones."""
    import faiss

    index = StoredIndex.load(engine.settings.index_dir)
    vectors, ids = np.vstack([index.faiss_index.reconstruct(i) for i in index.chunk_ids]), \
        np.asarray(index.chunk_ids, dtype="int64")
    hnsw = faiss.IndexIDMap2(faiss.IndexHNSWFlat(vectors.shape[1], 8, faiss.METRIC_INNER_PRODUCT))
    hnsw.add_with_ids(vectors, ids)
    index.faiss_index = hnsw
    kept_ids = [cid for c, cid in zip(index.chunks, index.chunk_ids) if c.article_id == "veto"]
    updated = index.updated({"storm"}, [], [], np.zeros((0, vectors.shape[1]), "float32"))
    assert updated.faiss_index.ntotal == len(kept_ids) == len(updated.chunks)
    query = engine.embedder.encode(["veto resolution"])
    assert updated.search(query, 1)[0][0][0] == 0


def test_cli_add_reports_skipped_files_with_exit_code_1(engine, tmp_path):
    import subprocess
    import sys

    from conftest import ROOT

    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    result = subprocess.run([sys.executable, "-m", "rag", "add", "--index",
                             str(tmp_path / "new-index"), str(empty)],
                            capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "empty.txt: empty file" in result.stdout and "empty.txt" in result.stderr
    assert not (tmp_path / "new-index" / "CURRENT").exists()  # nothing to write


def test_add_tokenises_only_the_new_article_for_bm25(engine, tmp_path, monkeypatch):
    """BM25 rows of untouched articles are reused, not recomputed: adding one
    article to a large index costs that article's work only."""
    import rag.index.lexical as lexical

    seen = []
    original = lexical.tokenize
    monkeypatch.setattr(lexical, "tokenize", lambda text: seen.append(text) or original(text))
    extra = tmp_path / "quake.txt"
    extra.write_text(QUAKE)
    engine.add([extra])
    index = StoredIndex.load(engine.settings.index_dir)
    own = [c for c in index.chunks if c.article_id == "quake"]
    assert len(seen) == len(own) + 1  # its passages and the article as a whole
    assert all("Quake story" in text for text in seen)
    monkeypatch.undo()
    assert engine.retrieve("earthquake cracked", k=1, method="bm25")[0].article_id == "quake"
    engine.remove(["veto"])
    assert "veto" not in {h.article_id for h in engine.retrieve("veto resolution", method="bm25")}


def test_next_change_starts_from_the_version_this_index_wrote_or_read_without_reading_it_again(
        engine, monkeypatch):
    (engine.settings.articles_dir / "quake.txt").write_text(QUAKE)
    engine.build(progress=False)
    reads = []
    real_load = StoredIndex.load
    monkeypatch.setattr(StoredIndex, "load",
                        classmethod(lambda cls, *a, **kw: reads.append(1) or real_load(*a, **kw)))
    engine.index.remove(["quake"])
    assert reads == []
    assert set(StoredIndex.load.__func__(StoredIndex, engine.settings.index_dir).articles) == \
        {"veto", "storm"}


def test_a_version_written_by_another_process_is_read_before_the_next_change(engine, fake_embedder):
    (engine.settings.articles_dir / "quake.txt").write_text(QUAKE)
    engine.build(progress=False)                                   # this Index wrote the live version
    Index(engine.settings, fake_embedder).remove(["storm"])        # another writer switches it
    engine.index.remove(["quake"])                                  # must not resurrect "storm"
    assert set(StoredIndex.load(engine.settings.index_dir).articles) == {"veto"}


def test_building_from_a_folder_without_articles_says_the_index_is_empty(tmp_path,
                                                                          fake_embedder):
    (tmp_path / "articles").mkdir()
    (tmp_path / "articles" / "notes.pdf").write_bytes(b"%PDF-1.4")
    index = Index(Settings().replace(articles_dir=tmp_path / "articles",
                                     index_dir=tmp_path / "idx"), fake_embedder)
    summary = str(index.build(progress=False))
    assert "the index holds no articles: every question will go unanswered; give --articles " \
           "a directory of .txt, .md, .html, .htm, .jsonl files" in summary
    assert "notes.pdf: unsupported file type" in summary


def test_add_and_remove_take_one_file_or_id_as_a_plain_string(engine, tmp_path):
    story = tmp_path / "quake.txt"
    story.write_text(QUAKE)
    added = engine.add(str(story))
    assert added.added == 1 and not added.skipped
    removed = engine.remove("quake")
    assert removed.removed == 1 and removed.not_found == ()
