"""Short answers end to end on the seed articles with the real MiniLM model."""

import json
import os
import subprocess
import sys

import pytest
from conftest import ROOT
from servers import running_app

from rag.engine import Engine

pytestmark = pytest.mark.e2e

INDEPENDENT = "004_30dc108169a15181"


@pytest.fixture(scope="module")
def short_engine(seed_engine):
    """The seed engine with short answers on (they are off by default)."""
    return Engine(seed_engine.settings.replace(short_answer=True), vectors=seed_engine.vectors)


def test_short_answers_are_off_by_default(seed_engine):
    assert seed_engine.answer("How many nations backed the resolution?").short is None


def test_how_many_nations_has_the_short_answer_14_cited_where_it_occurs(short_engine):
    reply = short_engine.answer("How many nations backed the resolution?")
    assert reply.short is not None and reply.short.text == "14"
    assert INDEPENDENT in {s.article_id for s in reply.short.spans}
    numbers = {c.number: c for c in reply.citations}
    for span in reply.short.spans:
        citation = numbers[span.citation]
        assert citation.article_id == span.article_id
        article = short_engine.retriever.index.articles[span.article_id]
        assert article.text[span.start:span.end] == "14"
    assert reply.to_text().startswith("Answer: 14 [")


def test_local_mode_short_answer_is_grounded_in_a_cited_passage(short_engine):
    pytest.importorskip("llama_cpp")
    reply = short_engine.answer("How many nations backed the resolution?", mode="local")
    assert reply.short is not None and reply.short.text == "14", reply.notes
    numbers = {c.number: c for c in reply.citations}
    for span in reply.short.spans:
        assert numbers[span.citation].article_id == span.article_id
        assert short_engine.article(span.article_id).text[span.start:span.end] == "14"


def test_a_question_the_seeds_cannot_answer_has_no_short_answer(short_engine):
    reply = short_engine.answer("What is the boiling point of tungsten?")
    assert reply.abstained and reply.short is None


# Three outlets, written for this test, on one event: two agree on the number
# evacuated (2,400), the third states another (3,100).
PLANTED = {
    "harbour": ("Harbour Herald", "2024-05-02", """Dam failure forces evacuations in the valley

Officials said 2,400 residents were evacuated from the valley after the Kessel dam failed on Tuesday night.
Rescue teams worked through the night to reach farms cut off by the flood water.
The regional governor said the dam had been inspected last year.
"""),
    "valley": ("Valley Times", "2024-05-02", """Thousands leave homes as Kessel dam breaks

About 2,400 residents were evacuated from the valley when the Kessel dam gave way, police said on Wednesday.
Schools in the area were closed and turned into shelters for the families.
Engineers are checking two smaller dams upstream.
"""),
    "courier": ("Mountain Courier", "2024-05-03", """Kessel dam collapse: questions over inspections

Some 3,100 residents were evacuated from the valley after the Kessel dam collapsed, a local official told reporters.
Farmers said the water destroyed most of the spring harvest.
The inquiry into the inspections will start next month.
"""),
}
AGREEING = {"harbour", "valley"}
EVACUATED = "How many residents were evacuated after the Kessel dam failed?"


@pytest.fixture(scope="module")
def planted(seed_engine, tmp_path_factory):
    """An engine over the three planted articles (short answers on) and its answer
    to EVACUATED."""
    articles = tmp_path_factory.mktemp("planted-articles")
    for name, (source, date, text) in PLANTED.items():
        (articles / f"{name}.txt").write_text(text, encoding="utf-8")
        (articles / f"{name}.json").write_text(json.dumps({"source": source, "date": date}))
    settings = seed_engine.settings.replace(articles_dir=articles, short_answer=True,
                                            index_dir=tmp_path_factory.mktemp("planted-index"))
    engine = Engine(settings, vectors=seed_engine.vectors)
    engine.build(progress=False)
    return engine, engine.answer(EVACUATED)


def test_two_outlets_agreeing_on_a_figure_outvote_the_third(planted):
    engine, reply = planted
    assert reply.short is not None and reply.short.text == "2,400"
    assert set(reply.short.outlets) == {"Harbour Herald", "Valley Times"}
    assert {s.article_id for s in reply.short.spans} == AGREEING
    numbers = {c.number: c for c in reply.citations}
    for span in reply.short.spans:     # each span is a citation of its own article
        assert numbers[span.citation].article_id == span.article_id
        assert engine.article(span.article_id).text[span.start:span.end] == "2,400"
    assert reply.to_text().startswith(f"Answer: 2,400 {reply.short.markers}")


def test_the_disagreeing_figure_is_shown_beside_the_short_answer(planted):
    from rag.app.render import chat_message

    _, reply = planted
    sides = {(s.outlet, s.value) for d in reply.disagreements for s in d.sides}
    assert {("Harbour Herald", "2,400 residents"), ("Valley Times", "2,400 residents"),
            ("Mountain Courier", "3,100 residents")} <= sides
    for d in reply.disagreements:
        for side in d.sides:    # each side cites the passage that states its value
            assert side.value in side.citation.hit.text
    assert "Sources disagree" in reply.to_text()
    message = chat_message(reply)
    assert message.startswith("**2,400**") and "Sources disagree" in message
    assert "3,100" in message


def test_the_sentence_answer_holds_the_short_answer(planted):
    _, reply = planted
    assert any("2,400" in s.text for s in reply.sentences), reply.text


def test_an_answer_sentence_cites_no_article_that_gives_another_figure(planted):
    _, reply = planted
    numbers = {c.number: c for c in reply.citations}
    for sentence in reply.sentences:
        for n in sentence.citations:
            quoted = " ".join(numbers[n].hit.text[a - numbers[n].hit.start:b - numbers[n].hit.start]
                              for a, b in numbers[n].quotes)
            for figure in ("2,400", "3,100"):
                assert (figure in sentence.text) == (figure in quoted), (sentence.text, quoted)


def test_rag_ask_json_carries_the_short_answer_with_its_spans(seed_engine):
    index = str(seed_engine.settings.index_dir)
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}

    def ask(*args):
        done = subprocess.run([sys.executable, "-m", "rag", "ask", "--index", index,
                               "--short-answer", *args, "How many nations backed the resolution?"],
                              capture_output=True, text=True, cwd=ROOT, env=env, timeout=300)
        assert done.returncode == 0, done.stderr
        return done.stdout

    reply = json.loads(ask("--json"))
    short = reply["short"]
    assert short["text"] == "14" and short["kind"] == "number" and short["spans"]
    cited = {c["number"]: c for c in reply["citations"]}
    for span in short["spans"]:
        assert cited[span["citation"]]["article_id"] == span["article_id"]
        article = seed_engine.retriever.index.articles[span["article_id"]]
        assert article.text[span["start"]:span["end"]] == "14"
    markers = "".join(f"[{n}]" for n in dict.fromkeys(s["citation"] for s in short["spans"]))
    assert ask().splitlines()[0] == f"Answer: 14 {markers}"


def test_ask_api_puts_the_short_answer_first(short_engine):
    from gradio_client import Client

    with running_app(short_engine) as url:
        result = Client(url, verbose=False).predict("How many nations backed the resolution?",
                                                    api_name="/ask")
    assert result.startswith("Answer: 14 [") and "Sources:" in result
