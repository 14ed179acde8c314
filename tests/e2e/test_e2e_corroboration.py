"""Corroboration with the real model: the two seeds, a contradicting article, distractors."""

import json
import shutil

import pytest
from conftest import SEEDS

pytestmark = pytest.mark.e2e

INDEPENDENT = "The Independent"
DW_TITLE = "US rejects Netanyahu's claim that UN ceasefire vote hurt negotiations"
GAZETTE = "Test Gazette"

# Written for this test: it contradicts one fact of the seeds (14 nations
# backed the resolution) and repeats nothing else of them.
CONTRADICTING = """Security Council vote: a dissenting count

The ceasefire resolution in the Security Council was backed by 12 nations, diplomats said.
Observers in New York described the session as tense and unusually long.
"""
# Unrelated stories that share words with the seeds (veto, resolution, US,
# delegation, cancelled): they must never count as corroboration.
DISTRACTORS = {
    "budget.txt": """Senate budget fight continues

President Joe Biden vetoed a Republican resolution on student loans on Tuesday, the White House said.
The US Senate had passed the resolution by a narrow margin last month.
Lawmakers said they would not try to override the veto.
""",
    "football.txt": """Club cancels tour after injuries

The football club cancelled the visit of a youth delegation to Washington after several players were injured.
The coach said the team would play its next home game on Saturday.
""",
}


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    from rag.engine import Engine
    from rag.settings import Settings

    articles = tmp_path_factory.mktemp("corroboration-articles")
    for path in SEEDS.iterdir():
        if path.suffix in (".txt", ".json"):
            shutil.copy(path, articles / path.name)
    (articles / "gazette.txt").write_text(CONTRADICTING)
    (articles / "gazette.json").write_text(json.dumps({"source": GAZETTE}))
    for name, text in DISTRACTORS.items():
        (articles / name).write_text(text)
    engine = Engine(Settings().replace(articles_dir=articles,
                                       index_dir=tmp_path_factory.mktemp("corroboration-index")))
    engine.build(progress=False)
    return engine


def _sentence(reply, *words):
    found = [s for s in reply.sentences if all(w in s.text for w in words)]
    assert found, f"no answer sentence with {words}: {[s.text for s in reply.sentences]}"
    return found[0]


def test_fact_in_both_seeds_is_attributed_to_both(engine):
    reply = engine.answer("How did Netanyahu react to the UN vote?")
    sentence = _sentence(reply, "Netanyahu", "cancelled")
    assert set(sentence.outlets) == {INDEPENDENT, DW_TITLE}
    assert sentence.reported_by.startswith("reported by 2 sources")
    # Each outlet is cited, by the answer itself or as a supporting passage,
    # and each cited passage states the cancelled visit.
    by_number = {c.number: c for c in reply.citations}
    cited = [by_number[n] for n in sentence.citations] + list(sentence.supporting)
    assert {c.article_id for c in cited} == {"000_e223778168a361c0", "004_30dc108169a15181"}
    for citation in cited:
        assert "Netanyahu" in citation.hit.text and "cancel" in citation.hit.text


def test_fact_only_in_one_seed_is_attributed_to_one(engine):
    reply = engine.answer("How many Security Council resolutions has the US vetoed since 1945?")
    sentence = _sentence(reply, "89")
    assert sentence.outlets == (INDEPENDENT,) and sentence.supporting == ()


def test_contradicting_article_produces_a_disagreement_naming_both_sides(engine):
    reply = engine.answer("How many nations backed the ceasefire resolution?")
    numbers = [d for d in reply.disagreements if d.kind == "number"]
    assert numbers, reply.to_text()
    sides = {(s.outlet, s.value) for d in numbers for s in d.sides}
    assert (INDEPENDENT, "14 nations") in sides and (GAZETTE, "12 nations") in sides
    for d in numbers:
        for side in d.sides:
            article = engine.retriever.index.articles[side.citation.article_id]
            quoted = [article.text[a:b] for a, b in side.citation.quotes] or [side.citation.hit.text]
            assert any(side.value in q for q in quoted)
    assert "Sources disagree" in reply.to_text()


@pytest.mark.parametrize("question", [
    "Who decided not to use its veto?",
    "How did Netanyahu react to the UN vote?",
    "Who cancelled the visit of a delegation to Washington?",
    "What did the White House say about the resolution?",
    "How many nations backed the ceasefire resolution?",
])
def test_unrelated_articles_are_never_counted_as_corroboration(engine, question):
    reply = engine.answer(question)
    for sentence in reply.sentences:
        supporting = {c.article_id for c in sentence.supporting}
        assert not supporting & {"budget", "football"}, (sentence.text, supporting)


def test_compare_sources_shows_each_article_once(engine):
    columns = engine.compare_sources("How did Netanyahu react to the UN vote?")
    ids = [c.hit.article_id for c in columns]
    assert len(ids) == len(set(ids)) >= 2
    assert {"000_e223778168a361c0", "004_30dc108169a15181"} <= set(ids)
    best = {c.hit.article_id: c for c in columns}["004_30dc108169a15181"]
    article = engine.retriever.index.articles[best.hit.article_id]
    assert "Netanyahu" in article.text[best.quote[0]:best.quote[1]]


def test_corroboration_bench_reports_precision_on_hand_labelled_pairs(engine, tmp_path, capsys):
    from rag_bench.cli import main

    questions = tmp_path / "questions.jsonl"
    questions.write_text(json.dumps({"question": "Who decided not to use its veto?"}) + "\n")
    flags = ["--articles", str(engine.settings.articles_dir),
             "--index", str(engine.settings.index_dir)]
    out = tmp_path / "bench"
    assert main(["corroboration", *flags, "--out", str(out), "--calibrate", "0.4",
                 str(questions)]) == 0
    pairs = [json.loads(x) for x in (out / "candidates.jsonl").open()]
    assert pairs and all(p["similarity"] >= 0.4 for p in pairs)
    # Judge as a reader would here: the other outlet's sentence about withholding the veto.
    labels = tmp_path / "labels.jsonl"
    labels.write_text("".join(json.dumps({"key": p["key"], "same_fact": "withhold its veto"
                                          in p["candidate"]}) + "\n" for p in pairs))
    capsys.readouterr()
    assert main(["corroboration", *flags, "--out", str(out), "--calibrate", "0.4",
                 "--labels", str(labels), "--json", str(questions)]) == 0
    result = json.loads(capsys.readouterr().out)
    at_two_words = next(row for row in result["thresholds"] if row["min_shared_words"] == 2
                        and row["threshold"] == engine.settings.corroborate_min_similarity)
    assert at_two_words["right"] == 1 and at_two_words["recall"] == 1.0
