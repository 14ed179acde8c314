"""Bad questions get a sensible answer, never a traceback: in the API, the CLI
and (see test_app.py) the chat."""

import json
import os
import subprocess
import sys

import pytest
from conftest import ROOT

from rag.search.queries import EMPTY_QUESTION, prepare_question

STORY = "Veto story\n\nThe US decided not to use its veto. The resolution passed the council."


@pytest.fixture
def engine(build_engine):
    return build_engine({"veto.txt": STORY})


@pytest.mark.parametrize("question", ["", "   ", "\n\t \u200b", None])
def test_empty_question_gets_a_prompt_not_an_error(engine, question):
    reply = engine.answer(question)
    assert reply.text == EMPTY_QUESTION and reply.abstained and reply.citations == []
    assert engine.retrieve(question) == []


def test_very_long_question_is_cut_and_says_so(engine):
    question = "Who decided not to use its veto? " + "blah " * 5000
    reply = engine.answer(question)
    assert reply.hits and reply.hits[0].article_id == "veto"
    assert any("characters long" in note for note in reply.notes)
    assert reply.question == question


def test_non_latin_question_is_answered_with_a_note(engine):
    reply = engine.answer("谁决定不使用否决权？")
    assert isinstance(reply.text, str)
    assert any("Latin-script" in note for note in reply.notes)


def test_latin_non_english_question_needs_no_note():
    assert prepare_question("¿Quién decidió no usar su veto?").notes == ()


def test_zero_or_negative_k_still_returns_passages(engine):
    assert len(engine.retrieve("veto", k=0)) == 1
    assert len(engine.retrieve("veto", k=-3)) == 1


def test_control_characters_are_dropped():
    assert prepare_question("veto\x00 power\x07?").text == "veto power ?"


@pytest.mark.parametrize("question", ["", "   "])
def test_cli_empty_question_answers_without_traceback(engine, question):
    result = subprocess.run([sys.executable, "-m", "rag", "ask", "--json", "--index",
                             str(engine.settings.index_dir), question],
                            capture_output=True, text=True, cwd=ROOT, timeout=120,
                            env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["text"] == EMPTY_QUESTION
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("pasted", [
    "How did Netanyahu react? " * 400,
    ("How did Netanyahu react? " * 400)[:1000],           # cut inside a copy
    "How did Netanyahu react?\nHow did Netanyahu react?",
])
def test_a_question_pasted_many_times_over_is_read_once_with_a_note(pasted):
    question = prepare_question(pasted, max_chars=1000)
    assert question.text == "How did Netanyahu react?"
    assert len(question.notes) == 1 and "read once" in question.notes[0]


@pytest.mark.parametrize("text", ["Bora Bora?", "Is it very very late?", "no no no, why?",
                                  "Who decided not to use its veto? " + "blah " * 300])
def test_a_question_that_only_contains_a_repetition_is_left_as_written(text):
    assert prepare_question(text, max_chars=5000).text == " ".join(text.split())


def test_a_repeated_question_is_answered_as_the_question_once(engine):
    once = engine.answer("Who decided not to use its veto?")
    reply = engine.answer("Who decided not to use its veto? " * 40)
    assert reply.text == once.text and not reply.abstained
    assert any("read once" in note for note in reply.notes)
