"""A first run answers: the API and `rag ask` build an index directory that holds
no index yet (one line on stderr), as the chat does; any other index problem
keeps its error and advice. Fake embedder, no model."""

import pytest
from conftest import STORM, VETO

import rag
from rag.app.cli import main
from rag.engine import Engine
from rag.index.store import IndexCorrupt, IndexMissing, live_version
from rag.settings import Settings


@pytest.fixture
def fake_model(monkeypatch, fake_embedder):
    """Every engine the API or the CLI creates embeds with the fake embedder."""
    monkeypatch.setattr("rag.engine.make_query_embedder", lambda settings: fake_embedder)
    monkeypatch.setattr(rag, "_engines", {})


def test_engine_builds_a_missing_index_once_saying_so_on_stderr(tmp_path, write_articles,
                                                                 fake_embedder, capsys):
    settings = Settings().replace(articles_dir=write_articles({"veto.txt": VETO}),
                                  index_dir=tmp_path / "idx")
    engine = Engine(settings, fake_embedder)
    summary = engine.build_if_missing()
    assert summary.articles == 1
    said = capsys.readouterr().err.strip().splitlines()
    assert said == [f"rag: no index in {tmp_path / 'idx'} yet; "
                    f"building it from {settings.articles_dir}"]
    assert engine.build_if_missing() is None and capsys.readouterr().err == ""
    assert engine.retrieve("veto")[0].article_id == "veto"


def test_a_damaged_index_is_not_rebuilt_behind_the_users_back(engine):
    manifest = live_version(engine.settings.index_dir) / "manifest.json"
    manifest.write_text(manifest.read_text()[:40])
    fresh = Engine(engine.settings, engine.embedder)
    assert fresh.build_if_missing() is None
    with pytest.raises(IndexCorrupt, match="rag build"):
        fresh.retrieve("veto")


def test_without_articles_to_build_from_the_missing_index_error_stays(tmp_path, fake_embedder):
    settings = Settings().replace(articles_dir=tmp_path / "no-articles",
                                  index_dir=tmp_path / "idx")
    engine = Engine(settings, fake_embedder)
    assert engine.build_if_missing() is None
    with pytest.raises(IndexMissing, match="rag build"):
        engine.retrieve("veto")


def test_api_builds_the_missing_index_on_first_use(tmp_path, write_articles, monkeypatch,
                                                    fake_model, capsys):
    monkeypatch.setenv("RAG_ARTICLES", str(write_articles({"veto.txt": VETO,
                                                               "storm.txt": STORM})))
    hits = rag.retrieve("Who decided not to use its veto?", k=1, index_dir=tmp_path / "idx")
    assert [h.article_id for h in hits] == ["veto"]
    assert "building it from" in capsys.readouterr().err
    assert rag.answer("Who decided not to use its veto?", index_dir=tmp_path / "idx").citations
    assert capsys.readouterr().err == ""  # built once


def test_cli_ask_builds_the_missing_index_and_answers(tmp_path, write_articles, fake_model,
                                                      capsys):
    articles = write_articles({"veto.txt": VETO, "storm.txt": STORM})
    status = main(["ask", "--articles", str(articles), "--index", str(tmp_path / "idx"),
                   "Who decided not to use its veto?"])
    out, err = capsys.readouterr()
    assert status == 0 and "[1] Veto story" in out
    assert err.splitlines()[0].startswith("rag: no index in ")


def test_cli_ask_without_articles_explains_the_missing_index(tmp_path, fake_model, capsys):
    status = main(["ask", "--articles", str(tmp_path / "none"), "--index",
                   str(tmp_path / "idx"), "veto?"])
    assert status == 2
    assert capsys.readouterr().err.strip() == \
        f"rag: no index in {tmp_path / 'idx'}; build one with `rag build --index " \
        f"{tmp_path / 'idx'} --articles DIR` (DIR: the articles to index)"


def test_cli_ask_with_an_index_path_that_holds_none_says_so_instead_of_indexing_the_seeds(
        tmp_path, fake_model, capsys):
    typo = tmp_path / "typo"
    status = main(["ask", "--index", str(typo), "Who decided not to use its veto?"])
    err = capsys.readouterr().err.strip()
    assert status == 2 and err == (
        f"rag: no index in {typo}; build one with `rag build --index {typo} --articles DIR`, "
        "or give --articles DIR to build it now")
    assert not typo.exists()



@pytest.fixture
def checkout(tmp_path, monkeypatch):
    """A checkout in ``tmp_path``: the default index is its ``index/``, the
    default articles its ``seeds/``."""
    monkeypatch.setattr("rag.settings.PROJECT_ROOT", tmp_path)
    (tmp_path / "pyproject.toml").write_text("")
    return tmp_path


def test_cli_ask_with_no_paths_builds_the_default_index_from_the_seeds(checkout, fake_model,
                                                                      capsys):
    (checkout / "seeds").mkdir()
    (checkout / "seeds" / "veto.txt").write_text(VETO, encoding="utf-8")
    status = main(["ask", "Who decided not to use its veto?"])
    out, err = capsys.readouterr()
    assert status == 0 and "[1] Veto story" in out
    assert err.splitlines()[0] == (f"rag: no index in {checkout / 'index'} yet; "
                                   f"building it from {checkout / 'seeds'}")
    assert live_version(checkout / "index") is not None


def test_cli_ask_with_no_paths_and_no_seeds_says_how_to_build(checkout, fake_model, capsys):
    status = main(["ask", "Who decided not to use its veto?"])
    assert status == 2
    assert capsys.readouterr().err.strip() == \
        f"rag: no index in {checkout / 'index'}; build one with `rag build --index " \
        f"{checkout / 'index'} --articles DIR` (DIR: the articles to index)"
