"""The backend contract: the embedded index and the Milvus collection behave
the same for every operation the product uses (build, incremental changes,
filters, retrieval, answers, the manifest guard, one writer at a time), and
return the same hits for the same scores. Each test runs against both
(the ``backend`` fixture); Milvus runs on milvus-lite served on 127.0.0.1.
The tests that need the server are marked e2e (a Milvus build takes seconds:
three collections are created); those that only need it to be absent are not."""

import datetime as dt
import json

import pytest
from conftest import QUAKE, STORM, VETO, free_port, milvus_settings

from rag.app.cli import main
from rag.engine import Engine
from rag.index.locking import IndexBusy
from rag.index.store import IndexCorrupt, IndexMismatch, IndexMissing, live_version
from rag.settings import Settings

GAZETTE = {"a.txt": "date 2024-01-10 The flood wall vote passed in January.",
           "b.txt": "date 2024-03-05 The flood wall vote was repeated in March.",
           "c.txt": "The flood wall vote had no date.",
           "a.json": json.dumps({"source": "Gazette"}), "b.json": json.dumps({"source": "Herald"}),
           "c.json": json.dumps({"source": "Gazette"})}


@pytest.fixture
def make(tmp_path, fake_embedder, write_articles, backend):
    """``make(files, **settings)``: an engine of the backend under test over
    those articles, built with the fake embedder (without stored sentence vectors unless
    ``sentence_vectors=True``, so both embed just the passages)."""
    def build(files: dict[str, str], **settings):
        settings = Settings().replace(articles_dir=write_articles(files),
                                      index_dir=tmp_path / "idx", **backend,
                                      **{"sentence_vectors": False, **settings})
        engine = Engine(settings, fake_embedder)
        engine.build(progress=False)
        return engine
    return build


def texts(hits):
    return [h.text for h in hits]


def test_build_indexes_every_article_and_hits_point_into_the_article_text(make):
    engine = make({"veto.txt": VETO, "storm.txt": STORM})
    hits = engine.retrieve("Who decided not to use its veto?", 2)
    assert hits[0].article_id == "veto" and hits[0].title == "Veto story"
    article = engine.article("veto")
    assert article.text[hits[0].start:hits[0].end] == hits[0].text
    assert engine.status()["articles"] == 2 and not engine.status()["stale"]


def test_answers_cite_the_passage_they_quote(make):
    engine = make({"veto.txt": VETO, "storm.txt": STORM})
    reply = engine.answer("Who decided not to use its veto?")
    assert reply.text.startswith("The US decided not to use its veto. [1]")
    citation = reply.citations[0]
    start, end = citation.quotes[0]
    assert citation.article_id == "veto" and citation.hit in reply.hits
    assert engine.article("veto").text[start:end] == "The US decided not to use its veto."


def test_incremental_build_embeds_only_new_and_changed_articles(make):
    engine = make({"veto.txt": VETO, "storm.txt": STORM})
    articles = engine.settings.articles_dir
    (articles / "quake.txt").write_text(QUAKE)
    before = engine.embedder.texts_encoded
    summary = engine.build(progress=False)
    assert (summary.added, summary.changed, summary.unchanged) == (1, 0, 2)
    assert engine.embedder.texts_encoded - before == summary.chunks_embedded == 1
    assert engine.retrieve("earthquake buildings cracked")[0].article_id == "quake"

    (articles / "storm.txt").write_text(STORM.replace("Thousands", "Millions"))
    summary = engine.build(progress=False)
    assert (summary.added, summary.changed, summary.unchanged) == (0, 1, 2)
    storm = [h for h in engine.retrieve("storm coast power", 5) if h.article_id == "storm"]
    assert len(storm) == 1 and "Millions" in storm[0].text   # the old passage is gone

    unchanged = engine.build(progress=False)
    assert not unchanged.written and unchanged.chunks_embedded == 0


def test_removed_articles_leave_the_index(make):
    engine = make({"veto.txt": VETO, "storm.txt": STORM, "quake.txt": QUAKE})
    (engine.settings.articles_dir / "quake.txt").unlink()
    assert engine.build(progress=False).removed == 1
    summary = engine.remove(["storm", "nope"])
    assert summary.removed == 1 and summary.not_found == ("nope",)
    assert {h.article_id for h in engine.retrieve("storm earthquake veto", 5)} == {"veto"}
    assert engine.status()["articles"] == 1


def test_add_indexes_files_from_elsewhere(make, tmp_path):
    engine = make({"veto.txt": VETO})
    late = tmp_path / "late.txt"
    late.write_text(QUAKE)
    assert engine.add([late]).added == 1
    assert engine.retrieve("earthquake mountain town")[0].article_id == "late"
    assert engine.build(progress=False).removed == 0   # added from elsewhere: it stays


def test_source_and_date_filters(make):
    engine = make(GAZETTE)
    assert {h.article_id for h in engine.retrieve("flood wall vote", 5, sources=["gazette"])} \
        == {"a", "c"}
    assert [h.article_id for h in engine.retrieve("flood wall vote", 5,
                                                  date_from="2024-03-05")] == ["b"]
    assert [h.article_id for h in engine.retrieve("flood wall vote", 5,
                                                  date_to="2024-02-01")] == ["a"]
    assert engine.retrieve("flood wall vote", 5, date_from="2030-01-01") == []
    catalog = engine.catalog()
    assert catalog.sources == ["Gazette", "Herald"] and catalog.n_articles == 3
    assert (catalog.first_date, catalog.last_date) == ("2024-01-10", "2024-03-05")


@pytest.mark.parametrize("method", ["hybrid", "dense", "bm25"])
def test_every_retrieval_method_finds_the_story(make, method):
    engine = make({"veto.txt": VETO, "storm.txt": STORM, "quake.txt": QUAKE})
    assert engine.retrieve("earthquake shook the mountain town", 3,
                           method=method)[0].article_id == "quake"


def test_index_built_with_other_settings_is_refused_with_rebuild_advice(make):
    engine = make({"veto.txt": VETO})
    other = Engine(engine.settings.replace(chunk_tokens=100), engine.embedder)
    with pytest.raises(IndexMismatch, match=r"chunk_tokens[\s\S]*rag build --full"):
        other.retrieve("veto")
    assert other.status()["differs"]


def test_rebuild_advice_names_the_articles_so_the_default_ones_are_not_added(make, backend):
    engine = make({"veto.txt": VETO})
    other = Engine(engine.settings.replace(chunk_tokens=100), engine.embedder)
    with pytest.raises(IndexMismatch) as err:
        other.retrieve("veto")
    advice = str(err.value).split("`")[1]
    assert advice.startswith("rag build --full ")
    assert advice.endswith(f" --articles {engine.settings.articles_dir}")
    if backend:
        assert f"--milvus-uri {backend['milvus_uri']}" in advice


def test_an_unreadable_manifest_is_refused_and_the_next_build_rebuilds_the_index(make, backend):
    engine = make({"veto.txt": VETO, "storm.txt": STORM})
    settings = engine.settings
    if backend:
        from rag.index.milvus import _Collections

        _Collections(settings).put("manifest", "{not json")
    else:
        (live_version(settings.index_dir) / "manifest.json").write_text("{not json")
    with pytest.raises(IndexCorrupt, match="rag build --full"):
        Engine(settings, engine.embedder).retrieve("veto")
    summary = Engine(settings, engine.embedder).build(progress=False)   # what the advice says
    assert "could not be read" in summary.full_reason and summary.added == 2
    assert Engine(settings, engine.embedder).retrieve("veto")[0].article_id == "veto"


def test_missing_index_says_how_to_build_it(backend, tmp_path, fake_embedder):
    settings = Settings().replace(index_dir=tmp_path / "none", **backend)
    with pytest.raises(IndexMissing, match="rag build"):
        Engine(settings, fake_embedder).retrieve("veto")


def test_second_build_fails_clearly_while_one_holds_the_index(make):
    engine = make({"veto.txt": VETO})
    (engine.settings.articles_dir / "storm.txt").write_text(STORM)
    second = Engine(engine.settings.replace(build_lock_wait=0), engine.embedder)
    with engine.index._write_lock():
        with pytest.raises(IndexBusy, match="another build"):
            second.build(progress=False)
    assert second.build(progress=False).added == 1


# ---------------------------------------------------------------------- sentence vectors
VETO_SENTENCES = ["The US decided not to use its veto.", "The resolution passed the council."]


def test_answers_look_stored_sentence_vectors_up_instead_of_running_the_model(make):
    engine = make({"veto.txt": VETO, "storm.txt": STORM}, sentence_vectors=True)
    found = engine.retriever.sentence_vectors(VETO_SENTENCES + ["not a sentence of the index"])
    assert list(found) == VETO_SENTENCES
    for text, exact in zip(VETO_SENTENCES, engine.embedder.encode(VETO_SENTENCES)):
        assert float(found[text] @ exact) > 0.999     # the model's, to int8 rounding
    encoded = []
    encode = engine.embedder.encode
    engine.embedder.encode = lambda texts, **kw: encoded.extend(texts) or encode(texts, **kw)
    reply = engine.answer("Who decided not to use its veto?")
    assert reply.text.startswith("The US decided not to use its veto. [1]")
    assert engine.vectors.stored_hits > 0 and not set(encoded) & set(VETO_SENTENCES)


def test_stored_sentence_vectors_follow_incremental_changes(make):
    engine = make({"veto.txt": VETO, "storm.txt": STORM}, sentence_vectors=True)
    articles = engine.settings.articles_dir
    lookup = engine.retriever.sentence_vectors
    (articles / "quake.txt").write_text(QUAKE)
    (articles / "storm.txt").write_text(STORM.replace("Thousands", "Millions"))
    before = engine.embedder.texts_encoded
    summary = engine.build(progress=False)
    assert (summary.added, summary.changed) == (1, 1)
    # two passages, the quake's two sentences and the storm's one new sentence: a
    # sentence whose vector is stored already ("A storm hit the coast.") is not embedded
    assert engine.embedder.texts_encoded - before == 2 + 2 + 1
    assert set(lookup(["An earthquake shook the mountain town.", "A storm hit the coast.",
                       "Millions lost power overnight in the region.",
                       "Thousands lost power overnight in the region."])) == {
        "An earthquake shook the mountain town.", "A storm hit the coast.",
        "Millions lost power overnight in the region."}
    (articles / "quake.txt").unlink()
    assert engine.build(progress=False).removed == 1
    engine.remove(["storm"])
    assert lookup(["An earthquake shook the mountain town.", "A storm hit the coast."]) == {}
    assert list(lookup(VETO_SENTENCES)) == VETO_SENTENCES


def test_an_index_built_without_sentence_vectors_gets_them_from_the_next_build(make):
    engine = make({"veto.txt": VETO, "storm.txt": STORM})
    assert engine.retriever.sentence_vectors(VETO_SENTENCES) == {}
    reply = engine.answer("Who decided not to use its veto?")
    assert not reply.abstained and engine.vectors.stored_hits == 0
    on = Engine(engine.settings.replace(sentence_vectors=True), engine.embedder)
    summary = on.build(progress=False)
    assert summary.written and summary.chunks_embedded == 0
    assert list(on.retriever.sentence_vectors(VETO_SENTENCES)) == VETO_SENTENCES
    assert on.answer("Who decided not to use its veto?").text == reply.text
    assert not on.build(progress=False).written       # and then nothing more to do
    off = Engine(engine.settings, engine.embedder)      # turned off: the next change
    (engine.settings.articles_dir / "quake.txt").write_text(QUAKE)   # keeps none
    assert off.build(progress=False).added == 1
    assert off.retriever.sentence_vectors(VETO_SENTENCES) == {}


# ---------------------------------------------------------------------- both at once
QUESTIONS = ["Who decided not to use its veto?", "storm power coast", "earthquake town",
             "flood wall vote in March", "resolution council"]


@pytest.mark.e2e
@pytest.mark.parametrize("method", ["hybrid", "dense", "bm25"])
def test_both_backends_return_the_same_hits_for_the_same_scores(
        tmp_path, fake_embedder, write_articles, milvus_server, method):
    articles = write_articles({"veto.txt": VETO, "storm.txt": STORM, "quake.txt": QUAKE,
                               **GAZETTE})
    hits = {}
    for name, extra in (("embedded", {}), ("milvus", milvus_settings(milvus_server))):
        settings = Settings().replace(articles_dir=articles, index_dir=tmp_path / name, **extra)
        engine = Engine(settings, fake_embedder)
        engine.build(progress=False)
        # Ties may come in another order: compare by score, then place.
        hits[name] = [sorted((round(h.score, 4), h.article_id, h.start, h.text)
                             for h in engine.retrieve(q, 6, method=method))
                      for q in QUESTIONS]
    assert hits["milvus"] == hits["embedded"]


@pytest.mark.e2e
def test_both_backends_keep_the_same_sentence_vectors(
        tmp_path, fake_embedder, write_articles, milvus_server):
    from rag.index.sentences import sentence_texts

    articles = write_articles({"veto.txt": VETO, "storm.txt": STORM, "quake.txt": QUAKE})
    found = {}
    for name, extra in (("embedded", {}), ("milvus", milvus_settings(milvus_server))):
        settings = Settings().replace(articles_dir=articles, index_dir=tmp_path / name,
                                      sentence_vectors=True, **extra)
        engine = Engine(settings, fake_embedder)
        engine.build(progress=False)
        hits = engine.retrieve("storm earthquake veto", 6)
        texts = sentence_texts(hits)
        found[name] = {t: v.tolist() for t, v in engine.retriever.sentence_vectors(texts).items()}
    assert len(found["embedded"]) == 6 and found["milvus"] == found["embedded"]


# ---------------------------------------------------------------------- milvus only
def test_unreachable_server_is_one_clear_line_naming_the_uri(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("rag.index.milvus.CONNECT_TIMEOUT", 1)
    uri = f"http://127.0.0.1:{free_port()}"   # nothing listens there
    code = main(["status", "--backend", "milvus", "--milvus-uri", uri,
                 "--index", str(tmp_path / "idx")])
    out = capsys.readouterr()
    assert code == 1 and f"cannot connect to Milvus at {uri}" in out.out
    code = main(["ask", "veto?", "--backend", "milvus", "--milvus-uri", uri,
                 "--articles", str(tmp_path), "--index", str(tmp_path / "idx")])
    err = capsys.readouterr().err.strip()
    assert code == 2 and err.count("\n") == 0 and uri in err and "Traceback" not in err


def test_a_milvus_lite_file_whose_folder_cannot_be_made_is_one_clear_line(tmp_path, capsys):
    (tmp_path / "afile").write_text("not a folder")
    db = tmp_path / "afile" / "news.db"
    code = main(["ask", "veto?", "--backend", "milvus", "--milvus-uri", str(db),
                 "--articles", str(tmp_path / "none"), "--index", str(tmp_path / "idx")])
    err = capsys.readouterr().err.strip()
    assert code == 2 and err.count("\n") == 0 and "Traceback" not in err
    assert str(tmp_path / "afile") in err and "--milvus-uri" in err


def test_chat_says_when_the_server_cannot_be_reached(tmp_path, fake_embedder, monkeypatch):
    from rag.app.handlers import ChatHandlers

    monkeypatch.setattr("rag.index.milvus.CONNECT_TIMEOUT", 1)
    settings = Settings().replace(articles_dir=tmp_path / "none", index_dir=tmp_path / "idx",
                                  backend="milvus", milvus_uri=f"http://127.0.0.1:{free_port()}")
    steps = list(ChatHandlers(Engine(settings, fake_embedder)).respond(
        "Who used the veto?", [], [], "extractive", 3))
    said = steps[-1].messages[-1]["content"]
    assert "cannot be searched right now" in said and "cannot connect to Milvus" in said


def test_milvus_records_fit_their_fields_in_bytes_not_characters():
    """A Milvus server counts a VARCHAR's ``max_length`` in UTF-8 bytes (and
    refuses the whole batch otherwise; milvus-lite does not check): a long
    Cyrillic article and title must be cut by bytes."""
    from rag.index import milvus
    from rag.ingest.articles import Article

    article = Article("moscow", " ".join(["Москва сообщила"] * 10_000), title="Ж" * 5_000,
                      source="Ё" * 2_000, url="https://example.org/" + "я" * 3_000)
    record, rest = milvus._article_records(article)
    fields = {"title": 4096, "source": 1024, "source_key": 1024, "date": 64, "url": 4096,
              "path": 4096, "text": 65535, "words": 65535}
    assert {name: n for name, limit in fields.items()
            if (n := len(record[name].encode())) > limit} == {}   # no field overflows
    assert all(len(part["value"].encode()) <= 65535 for part in rest)
    assert len(record["words"]) > 20_000                     # cut, not emptied
    assert record["words"].split()[-1] == "сообщила"         # at a word's end


class _MetaOnly:
    """Just the meta records a build lease reads and writes (no server)."""

    meta = "meta"

    def __init__(self, settings):
        self.settings = settings
        self.records: dict[str, str] = {}
        self.writes = 0

    def create_meta(self):
        pass

    def get(self, key):
        return self.records.get(key)

    def put(self, key, value):
        self.records[key] = value
        self.writes += 1

    def delete(self, name, expression, what):
        assert expression == 'key == "lock"'
        self.records.pop("lock", None)


def test_a_renewed_build_lease_still_says_when_the_build_began(monkeypatch, tmp_path):
    import time

    from rag.index import milvus

    monkeypatch.setattr(milvus, "LEASE_SECONDS", 0.4)        # renewed every 0.1 s
    clock = iter(f"10:00:{n:02d}" for n in range(60))
    monkeypatch.setattr(milvus.time, "strftime", lambda fmt: next(clock))
    meta = _MetaOnly(Settings().replace(backend="milvus", index_dir=tmp_path))
    with milvus._Lease(meta, wait=0):
        while meta.writes < 3:                                # taken, then renewed
            time.sleep(0.01)
        holder = json.loads(meta.records["lock"])
        assert holder["since"] == "10:00:00"
        second = milvus._Lease(meta, wait=0)
        with pytest.raises(IndexBusy, match=r"since 10:00:00\)"):
            second.__enter__()
    assert "lock" not in meta.records                         # released


def test_a_build_whose_lease_another_build_took_over_stops_and_leaves_it_alone(
        monkeypatch, tmp_path):
    """A build that stood still longer than its lease (a stopped process, a
    minute without the server) finds another build holding it: it does not
    write over that lease, and its next step stops with one line."""
    import time

    from rag.index import milvus

    monkeypatch.setattr(milvus, "LEASE_SECONDS", 0.4)        # renewed every 0.1 s
    meta = _MetaOnly(Settings().replace(backend="milvus", index_dir=tmp_path))
    other = json.dumps({"owner": "pid 2 on elsewhere", "since": "10:00:00",
                        "expires": time.time() + 60})
    with milvus._Lease(meta, wait=0) as lease:
        meta.records["lock"] = other                          # ours expired; taken over
        writes = meta.writes
        time.sleep(0.35)                                      # three renewal times
        assert meta.records["lock"] == other and meta.writes == writes
        with pytest.raises(IndexBusy, match=r"pid 2 on elsewhere, since 10:00:00.*run it again"):
            lease.check()
    assert meta.records["lock"] == other                      # not released either


def test_a_bad_milvus_uri_is_refused_when_the_settings_are_read():
    with pytest.raises(ValueError, match="milvus_uri"):
        Settings().replace(milvus_uri="localhost:19530")


@pytest.fixture
def milvus_engine(tmp_path, fake_embedder, write_articles, milvus_server):
    """An engine over VETO and STORM built in a Milvus collection of its own."""
    settings = Settings().replace(articles_dir=write_articles({"veto.txt": VETO,
                                                               "storm.txt": STORM}),
                                  index_dir=tmp_path / "idx", **milvus_settings(milvus_server))
    engine = Engine(settings, fake_embedder)
    engine.build(progress=False)
    return engine


def _build_stopped_at(engine, monkeypatch, method: str, step: str) -> None:
    """``engine.build()``, stopped (as by Ctrl-C) where it calls
    ``_Collections.<method>`` for ``step``."""
    from rag.index import milvus

    real = getattr(milvus._Collections, method)

    def stop(self, name, data, what):
        if what == step:
            raise KeyboardInterrupt
        return real(self, name, data, what)

    monkeypatch.setattr(milvus._Collections, method, stop)
    with pytest.raises(KeyboardInterrupt):
        engine.build(progress=False)
    monkeypatch.undo()


@pytest.mark.e2e
def test_an_interrupted_change_leaves_the_old_passages_answering(
        milvus_engine, fake_embedder, monkeypatch):
    settings = milvus_engine.settings
    (settings.articles_dir / "storm.txt").write_text(STORM.replace("Thousands", "Millions"))
    (settings.articles_dir / "quake.txt").write_text(QUAKE)
    # the build stops after writing the new passages, at the switch
    _build_stopped_at(milvus_engine, monkeypatch, "upsert", "writing articles")

    reader = Engine(settings, fake_embedder)
    storm = [h for h in reader.retrieve("storm coast power", 5) if h.article_id == "storm"]
    assert len(storm) == 1 and "Thousands" in storm[0].text       # the old version only
    assert "quake" not in {h.article_id for h in reader.retrieve("earthquake town", 5)}

    summary = reader.build(progress=False)                        # the next build finishes
    assert (summary.added, summary.changed) == (1, 1)
    storm = [h for h in reader.retrieve("storm coast power", 5) if h.article_id == "storm"]
    assert len(storm) == 1 and "Millions" in storm[0].text
    assert reader.status()["chunks"] == 3


@pytest.mark.e2e
def test_a_change_stopped_after_its_switch_is_finished_by_the_next_build(
        milvus_engine, fake_embedder, monkeypatch):
    """Stopped after the article records changed but before the old passages
    went: the next build has no article left to change, yet removes them and
    writes the manifest (counts, days) of what is visible."""
    from rag.index import milvus

    settings = milvus_engine.settings
    (settings.articles_dir / "storm.txt").write_text(STORM.replace("Thousands", "Millions"))
    (settings.articles_dir / "gale.txt").write_text("date 2024-02-01 A gale closed the port.")
    # the records are switched, nothing old is removed
    _build_stopped_at(milvus_engine, monkeypatch, "delete", "removing replaced passages")

    reader = Engine(settings, fake_embedder)
    assert reader.build(progress=False).written                    # the next build finishes
    status = reader.status()
    assert (status["articles"], status["chunks"], status["stale"]) == (3, 3, False)
    c = milvus._Collections(settings)
    assert (c.count(c.passages), c.count(c.sentences)) == (3, 5)  # nothing old is left
    assert Engine(settings, fake_embedder).retriever.searchable.day_counts() == {
        dt.date(2024, 2, 1): 1}
    assert not reader.build(progress=False).written                # and then nothing to do


@pytest.mark.e2e
def test_a_long_article_keeps_all_its_text_beyond_what_one_query_returns(
        tmp_path, fake_embedder, write_articles, milvus_server, monkeypatch):
    """An article's text is kept in parts; a Milvus query returns at most 16,384
    rows, so reading the parts (the article, a --full rebuild) must page."""
    from rag.index import milvus

    monkeypatch.setattr(milvus, "TEXT_PART", 4)    # 17,500 parts: more than one query holds
    story = " ".join(f"Clause {n} of the long report." for n in range(2500))
    settings = Settings().replace(articles_dir=write_articles({"long.txt": story}),
                                  index_dir=tmp_path / "idx", sentence_vectors=False,
                                  **milvus_settings(milvus_server))
    engine = Engine(settings, fake_embedder)
    engine.build(progress=False)
    text = engine.article("long").text
    assert len(text) > 4 * 16_384 and text.endswith("Clause 2499 of the long report.")
    assert engine.build(full=True, progress=False).full_reason == "requested (--full)"
    assert Engine(settings, fake_embedder).article("long").text == text


@pytest.mark.e2e
def test_a_server_that_goes_away_fails_requests_cleanly_and_is_used_again_when_back(
        tmp_path, fake_embedder, write_articles, monkeypatch):
    from rag.index import milvus

    monkeypatch.setattr(milvus, "REQUEST_TIMEOUT", 3)
    port = free_port()
    server = milvus.start_lite_server(tmp_path / "gone.db", port)
    settings = Settings().replace(articles_dir=write_articles({"veto.txt": VETO}),
                                  index_dir=tmp_path / "idx", backend="milvus",
                                  milvus_uri=f"http://127.0.0.1:{port}")
    engine = Engine(settings, fake_embedder)
    try:
        engine.build(progress=False)
        assert engine.retrieve("veto")[0].article_id == "veto"   # the session is open
        server.stop()
        with pytest.raises(milvus.MilvusUnavailable, match=f"127.0.0.1:{port}.*searching failed"):
            engine.retrieve("veto")
        server = milvus.start_lite_server(tmp_path / "gone.db", port)
        monkeypatch.setattr(milvus, "REQUEST_TIMEOUT", 30)   # reconnecting takes a while
        assert engine.retrieve("veto")[0].article_id == "veto"
    finally:
        server.stop()


def _served(db) -> bool:
    """Whether a process (milvus-lite's server) runs with ``db`` on its command line."""
    from pathlib import Path

    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if str(db).encode() in cmdline.read_bytes():
                return True
        except OSError:
            pass
    return False


@pytest.mark.e2e
def test_an_evaluation_s_scratch_milvus_lite_file_leaves_no_server_running(
        tmp_path, fake_embedder, write_articles):
    from rag.app.evaluation import scratch_index
    from rag.index.backend import make_index
    from rag.index.milvus import milvus_uri

    settings = Settings().replace(articles_dir=write_articles({"veto.txt": VETO}),
                                  backend="milvus", sentence_vectors=False)
    with scratch_index(settings) as scratch:
        make_index(scratch, fake_embedder).build(progress=False)
        assert Engine(scratch, fake_embedder).retrieve("veto")[0].article_id == "veto"
        db = milvus_uri(scratch)
        assert _served(db)
    assert not _served(db)


@pytest.mark.e2e
def test_a_milvus_lite_file_in_use_by_another_process_is_one_clear_line(tmp_path, capsys):
    import subprocess
    import sys

    from conftest import ROOT

    db = tmp_path / "busy.db"
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time\n"
         "from rag.settings import Settings\n"
         "from rag.index.milvus import _client\n"
         f"_client(Settings().replace(backend='milvus', milvus_uri={str(db)!r}))"
         ".list_collections()\n"
         "print('holding', flush=True)\n"
         "sys.stdin.read()\n"],
        cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
        code = main(["ask", "veto?", "--backend", "milvus", "--milvus-uri", str(db),
                     "--articles", str(tmp_path / "none"), "--index", str(tmp_path / "idx")])
        err = capsys.readouterr().err.strip()
        assert code == 2 and err.count("\n") == 0
        assert str(db) in err and "another process" in err
    finally:
        holder.communicate("", timeout=30)
