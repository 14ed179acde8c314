"""The index directory: save/load, manifest checks, corruption, atomic switch."""

import json

import pytest

from rag.engine import Engine
from rag.index.store import (
    IndexCorrupt,
    IndexMismatch,
    IndexMissing,
    StoredIndex,
    live_version,
)
from rag.settings import Settings


@pytest.fixture
def built(tmp_path, fake_embedder, write_articles):
    folder = write_articles({
        "veto.txt": "Veto story\n\nThe US decided not to use its veto. The resolution passed.",
        "storm.txt": "Storm story\n\nA storm hit the coast. Thousands lost power overnight."})
    settings = Settings().replace(articles_dir=folder, index_dir=tmp_path / "idx")
    engine = Engine(settings, fake_embedder)
    engine.build(progress=False)
    return engine


def test_build_writes_self_describing_manifest(built):
    manifest = (live_version(built.settings.index_dir) / "manifest.json").read_text()
    for key in ('"format_version"', '"model": "fake-bow"', '"dimension": 512',
                '"tokenizer": "cl100k_base"', '"max_tokens": 200', '"searchable_format": 1',
                '"veto"', '"storm"'):
        assert key in manifest


def test_loaded_index_returns_offsets_into_article_text(built):
    hits = built.retrieve("veto resolution", k=2)
    assert hits[0].article_id == "veto"
    article = built.retriever.index.articles["veto"]
    assert article.text[hits[0].start:hits[0].end] == hits[0].text
    assert hits[0].citation == "Veto story"


def test_index_built_with_other_settings_fails_with_rebuild_advice(built):
    other = Settings().replace(articles_dir=built.settings.articles_dir,
                               index_dir=built.settings.index_dir, chunk_tokens=100)
    with pytest.raises(IndexMismatch) as err:
        Engine(other, built.embedder).retrieve("veto")
    assert "chunking" in str(err.value) and "rag build" in str(err.value)


def test_rebuild_advice_names_the_articles_so_the_default_ones_are_not_added(built):
    s = built.settings
    other = s.replace(chunk_tokens=100)
    rebuild = f"`rag build --full --index {s.index_dir} --articles {s.articles_dir}`"
    with pytest.raises(IndexMismatch, match=rebuild):          # answering
        Engine(other, built.embedder).retrieve("veto")
    with pytest.raises(IndexMismatch, match=rebuild):          # an incremental change
        Engine(other, built.embedder).remove(["veto"])


def test_index_built_with_another_model_fails(built):
    class OtherModel(type(built.embedder)):
        name = "another-model"

    with pytest.raises(IndexMismatch, match="model"):
        Engine(built.settings, OtherModel()).retrieve("veto")


def test_index_of_another_backend_names_the_backend_setting(built):
    class Int8Model(type(built.embedder)):   # an int8 model records another name
        name = "fake-bow+int8"

    with pytest.raises(IndexMismatch, match="RAG_EMBED_BACKEND"):
        Engine(built.settings, Int8Model()).retrieve("veto")


def test_an_index_searched_under_another_passage_header_must_be_rebuilt(built, monkeypatch):
    import rag.index.store

    monkeypatch.setattr(rag.index.store, "SEARCHABLE_FORMAT", 2)   # the header code changed
    with pytest.raises(IndexMismatch, match="searchable_format.*rag/searchable.py"):
        Engine(built.settings, built.embedder).retrieve("veto")


def test_an_index_written_before_the_header_format_was_recorded_still_loads(built):
    manifest = live_version(built.settings.index_dir) / "manifest.json"
    data = json.loads(manifest.read_text())
    del data["searchable_format"]
    manifest.write_text(json.dumps(data))
    assert Engine(built.settings, built.embedder).retrieve("veto")[0].article_id == "veto"


def test_truncated_file_is_reported_by_name(built):
    version = live_version(built.settings.index_dir)
    vectors = version / "vectors.faiss"
    vectors.write_bytes(vectors.read_bytes()[:50])
    with pytest.raises(IndexCorrupt, match="vectors.faiss.*rag build"):
        StoredIndex.load(built.settings.index_dir)


def test_missing_index_says_to_build_it_from_the_articles(tmp_path, fake_embedder):
    engine = Engine(Settings().replace(index_dir=tmp_path / "nothing"), fake_embedder)
    with pytest.raises(IndexMissing, match=r"rag build --index \S+ --articles DIR"):
        engine.retrieve("anything")


def test_a_current_pointer_to_an_incomplete_version_says_to_rebuild_from_the_articles(built):
    index_dir = built.settings.index_dir
    (index_dir / "CURRENT").write_text("v-gone")
    with pytest.raises(IndexCorrupt, match=r"not a complete index; run `rag build --full "
                                           r"--index \S+ --articles DIR`"):
        live_version(index_dir)


def test_full_rebuild_switches_version_and_removes_the_old_one(built):
    old = live_version(built.settings.index_dir)
    built.build(full=True, progress=False)
    new = live_version(built.settings.index_dir)
    assert new != old and not old.exists()
    assert built.retrieve("storm power")[0].article_id == "storm"


def test_status_reports_stale_after_an_article_changes(built):
    assert built.status()["stale"] is False
    (built.settings.articles_dir / "storm.txt").write_text("Storm story\n\nNew text.")
    assert built.status()["stale"] is True
    assert built.ensure_index() is not None and built.status()["stale"] is False
