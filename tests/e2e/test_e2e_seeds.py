"""End to end with the real MiniLM model on the real seed articles."""

import json
import os
import subprocess
import sys

import pytest
from conftest import ROOT, SEEDS, fresh_python

pytestmark = pytest.mark.e2e

VETO = "Who decided not to use its veto?"


def test_retrieve_finds_the_veto_passage(seed_engine):
    hits = seed_engine.retrieve(VETO, k=5)
    # Two seed articles, at most two passages each (Settings.max_per_article).
    assert len(hits) == 4 and hits == sorted(hits, key=lambda h: -h.score)
    assert {h.article_id for h in hits} == {"000_e223778168a361c0", "004_30dc108169a15181"}
    assert "veto" in hits[0].text and "US" in hits[0].text
    for hit in hits:
        article = seed_engine.retriever.index.articles[hit.article_id]
        assert article.text[hit.start:hit.end] == hit.text


def test_answer_names_the_us_with_a_valid_citation(seed_engine):
    reply = seed_engine.answer(VETO)
    assert not reply.abstained and reply.mode == "extractive"
    assert "US" in reply.text and "veto" in reply.text and "[1]" in reply.text
    cited = reply.citations[0]
    assert cited.hit in reply.hits
    article = seed_engine.retriever.index.articles[cited.article_id]
    quote = article.text[cited.quotes[0][0]:cited.quotes[0][1]]
    assert quote in reply.text and "veto" in quote


def test_question_the_articles_cannot_answer_abstains(seed_engine):
    reply = seed_engine.answer("What is the boiling point of tungsten?")
    assert reply.abstained and reply.citations == [] and reply.hits


def test_public_api_uses_given_index_and_citation_labels(seed_engine):
    from rag import answer, retrieve

    hits = retrieve(VETO, k=3, index_dir=seed_engine.settings.index_dir)
    assert len(hits) == 3
    labels = {h.article_id: h.citation for h in hits}
    if "004_30dc108169a15181" in labels:
        assert labels["004_30dc108169a15181"] == \
            "004_30dc108169a15181.txt — The Independent, 2024-03-25"
    reply = answer(VETO, index_dir=seed_engine.settings.index_dir)
    assert reply.citations and reply.citations[0].hit.citation


def _rag(*args, **kw):
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    return subprocess.run([sys.executable, "-m", "rag", *args], capture_output=True, text=True,
                          cwd=kw.get("cwd", ROOT), env=env, timeout=300)


def test_cli_build_and_ask_from_another_directory(tmp_path):
    index = tmp_path / "idx"
    built = _rag("build", "--articles", str(SEEDS), "--index", str(index), cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    assert "Indexed 2 articles" in built.stdout and "embedding" in built.stderr
    asked = _rag("ask", "--index", str(index), "--json", VETO, cwd=tmp_path)
    assert asked.returncode == 0, asked.stderr
    reply = json.loads(asked.stdout)
    assert reply["citations"] and not reply["abstained"]
    only = _rag("ask", "--index", str(index), "--json", "--source", "The Independent",
                "--date-from", "2024-03-01", VETO, cwd=tmp_path)
    assert only.returncode == 0, only.stderr
    cited = json.loads(only.stdout)["citations"]
    assert cited and {c["hit"]["source"] for c in cited} == {"The Independent"}


def test_cli_explains_a_missing_index_it_has_no_articles_to_build_from(tmp_path):
    # With articles, `rag ask` builds a missing index (tests/test_first_use.py).
    result = _rag("ask", "--articles", str(tmp_path / "no-articles"),
                  "--index", str(tmp_path / "none"), "anything")
    assert result.returncode == 2 and "rag build" in result.stderr
    assert "Traceback" not in result.stderr


def test_importing_rag_loads_no_model_or_index():
    code = ("import sys, rag; heavy = {'torch', 'faiss', 'sentence_transformers', 'numpy'}; "
            "print(sorted(heavy & set(sys.modules)))")
    out = fresh_python(code)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("question", [
    "Who decided not to use its veto? " + "Please explain in detail. " * 400,   # > model limit
    "¿Quién decidió no usar su poder de veto?",
    "谁决定不使用否决权？",
])
def test_cli_answers_long_and_non_english_questions_without_traceback(seed_engine, question):
    result = _rag("ask", "--json", "--index", str(seed_engine.settings.index_dir), question)
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    reply = json.loads(result.stdout)
    assert reply["text"] and (reply["citations"] or reply["abstained"])
