"""The Python API's arguments: a wrong type is a clear TypeError, never a
wrong answer or an AttributeError from deep inside."""

import pytest

from rag.engine import Engine
from rag.index.builder import Index
from rag.settings import Settings


@pytest.mark.parametrize("question", [123, ["veto"], b"veto"])
def test_a_question_that_is_not_text_is_a_type_error(engine, question):
    with pytest.raises(TypeError, match=f"the question must be a str, not "
                                        f"{type(question).__name__}"):
        engine.retrieve(question)
    with pytest.raises(TypeError, match="the question must be a str"):
        engine.answer(question)


@pytest.mark.parametrize("k", ["5", 2.5, True])
def test_k_that_is_not_a_whole_number_is_a_type_error(engine, k):
    with pytest.raises(TypeError, match=r"k \(the number of passages\) must be a whole number"):
        engine.retrieve("veto", k)
    with pytest.raises(TypeError, match=r"k \(the number of passages\) must be a whole number"):
        engine.answer("veto", k)


@pytest.mark.parametrize("cap", ["2", 1.5, True])
def test_max_per_article_that_is_not_a_whole_number_is_a_type_error(engine, cap):
    with pytest.raises(TypeError, match=r"max_per_article \(passages per article\) must be a "
                                        "whole number"):
        engine.retrieve("veto", max_per_article=cap)
    with pytest.raises(TypeError, match=r"max_per_article \(passages per article\)"):
        engine.answer("veto", max_per_article=cap)


def test_negative_max_per_article_is_refused_and_zero_means_no_cap(engine):
    with pytest.raises(ValueError, match=r"max_per_article must be 0 \(no cap\) or more"):
        engine.retrieve("veto", max_per_article=-1)
    assert engine.retrieve("veto", max_per_article=0)


@pytest.mark.parametrize("history", ["Who vetoed it?", 5, {"role": "user", "content": "x"},
                                     [5], [{"content": "no role"}]])
def test_history_of_the_wrong_shape_is_a_type_error(engine, history):
    with pytest.raises(TypeError, match="history must be a list of earlier turns|each turn of "
                                        "history must be"):
        engine.answer("veto", history=history)


def test_history_in_every_documented_shape_is_read_as_the_same_turn(engine):
    turns = [("Who decided not to use its veto?", "")]
    expected = engine.answer("And then?", history=turns).text
    assert expected != engine.answer("And then?").text     # the history is read at all
    for history in (["Who decided not to use its veto?"],
                    [{"role": "user", "content": "Who decided not to use its veto?"}],
                    (turn for turn in turns)):      # a generator is read once, not used up
        assert engine.answer("And then?", history=history).text == expected


def test_no_question_is_still_an_empty_question(engine):
    assert engine.retrieve(None) == [] and engine.answer(None).abstained


@pytest.mark.parametrize("maker", [Engine, Index])
@pytest.mark.parametrize("settings", ["/data/news-index", {"index_dir": "/data/news-index"}])
def test_engine_and_index_given_a_path_or_dict_say_to_pass_settings(maker, settings):
    with pytest.raises(TypeError, match=rf"{maker.__name__} takes a Settings, not "
                                        rf"{type(settings).__name__}: {maker.__name__}\(Settings"
                                        r"\(\).replace\(index_dir="):
        maker(settings)


def test_engine_without_settings_takes_them_from_the_environment(monkeypatch, tmp_path,
                                                                 fake_embedder):
    monkeypatch.setenv("RAG_INDEX", str(tmp_path / "idx"))
    assert Engine(None, fake_embedder).settings.index_dir == Settings.from_env().index_dir \
        == tmp_path / "idx"
