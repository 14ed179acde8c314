"""``rag eval`` end to end: the real model on tiny data sets the test writes.

The data are built so the numbers can be worked out by hand: each question is
plainly about one article, and some gold data cannot be found on purpose.
"""

import json
import math
import os
import subprocess
import sys

import pytest
from conftest import ROOT

pytestmark = pytest.mark.e2e

STORIES = [
    ("a1", "vatican.va", "Pope Benedict XVI laid to rest",
     "Pope Benedict XVI was laid to rest in St Peter's Basilica on Thursday after a funeral "
     "attended by fifty thousand people."),
    ("a2", "usatoday.com", "Damar Hamlin collapses during game",
     "Buffalo Bills safety Damar Hamlin collapsed on the field in Cincinnati and was taken "
     "to hospital in critical condition."),
    ("a3", "bbc.co.uk", "Volcano erupts in Iceland",
     "A volcano on the Reykjanes peninsula erupted overnight, sending lava into the sky "
     "near the town of Grindavik."),
]


def write_news_dir(directory, questions):
    """A news directory: the STORIES as articles.jsonl, ``(question, answers,
    answer_in_corpus)`` triples as questions.jsonl."""
    with open(directory / "articles.jsonl", "w") as out:
        for aid, source, title, text in STORIES:
            out.write(json.dumps({"id": aid, "url": f"https://{source}/{aid}", "source": source,
                                  "title": title, "date": "2023-01-05", "text": text}) + "\n")
    with open(directory / "questions.jsonl", "w") as out:
        for question, answers, in_corpus in questions:
            out.write(json.dumps({"question": question, "answers": answers,
                                  "answer_in_corpus": in_corpus}) + "\n")


def _rag_eval(*args):
    run = subprocess.run([sys.executable, "-m", "rag", "eval", *args, "--json", "--quiet"],
                         cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def test_rag_eval_news_reports_answer_recall_by_hand(tmp_path):
    questions = [
        ("Which former pope was laid to rest this week?", ["Benedict XVI"], True),
        ("Which team does Damar Hamlin play for?", ["Buffalo Bills"], True),
        # Answer marked as in the corpus but absent from every passage: a miss.
        ("Where did the volcano erupt?", ["Mount Etna"], True),
        ("Who won the lottery?", ["nobody"], False),      # not counted
    ]
    write_news_dir(tmp_path, questions)
    report = _rag_eval("news", str(tmp_path))
    assert report["n_queries"] == 3
    assert report["ar@1"] == report["ar@5"] == report["ar@10"] == pytest.approx(2 / 3)
    assert report["mrr@10"] == pytest.approx(2 / 3)
    assert 20 < report["mean_passage_tokens"] < 40   # one short passage per story
    assert report["settings"]["retrieval_method"] == "hybrid"
    for key in ("build_seconds", "query_ms_p50"):
        assert report[key] >= 0


def test_rag_eval_beir_reports_ndcg_and_recall_by_hand(tmp_path):
    (tmp_path / "qrels").mkdir()
    with open(tmp_path / "corpus.jsonl", "w") as out:
        for aid, _, title, text in STORIES:
            out.write(json.dumps({"_id": aid, "title": title, "text": text}) + "\n")
    with open(tmp_path / "queries.jsonl", "w") as out:
        out.write(json.dumps({"_id": "q1", "text": "funeral of the pope"}) + "\n")
        out.write(json.dumps({"_id": "q2", "text": "lava eruption in Iceland"}) + "\n")
    # q2 also has a relevant document missing from the corpus: it can never be found.
    (tmp_path / "qrels" / "test.tsv").write_text(
        "query-id\tcorpus-id\tscore\nq1\ta1\t1\nq2\ta3\t1\nq2\tmissing\t1\n")
    per_query = tmp_path / "per-query.jsonl"
    report = _rag_eval("beir", str(tmp_path), "--method", "dense", "--per-query", str(per_query))
    q2_ndcg = 1 / (1 + 1 / math.log2(3))    # found at rank 1; ideal has two relevant
    assert report["n_queries"] == 2
    assert report["ndcg@10"] == pytest.approx((1 + q2_ndcg) / 2)
    assert report["recall@100"] == pytest.approx((1 + 0.5) / 2)
    lines = [json.loads(line) for line in per_query.read_text().splitlines()]
    assert lines == [{"query": "q1", "ndcg@10": 1.0, "recall@100": 1.0},
                     {"query": "q2", "ndcg@10": pytest.approx(q2_ndcg), "recall@100": 0.5}]
    assert report["settings"]["retrieval_method"] == "dense"


def test_rag_eval_answers_on_a_news_directory_answers_from_a_scratch_index_of_its_articles(
        tmp_path):
    questions = [
        ("Which team does Damar Hamlin play for?", ["Buffalo Bills"], True),
        ("Which volcano erupted near Grindavik?", ["Mount Etna"], True),   # not stated: a miss
    ]
    write_news_dir(tmp_path, questions)
    index = tmp_path / "not-used-index"
    run = subprocess.run([sys.executable, "-m", "rag", "eval", "answers", str(tmp_path),
                          "--json"], cwd=ROOT, capture_output=True, text=True, timeout=600,
                         env={**os.environ, "RAG_SHORT_ANSWER": "1", "RAG_INDEX": str(index)})
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    (summary,) = report["modes"]
    assert summary["n_questions"] == 2 and summary["answerable"] == 2
    # Hamlin's team is stated (and is the short answer); Mount Etna is in no article.
    assert summary["gold_in_answer"] == 0.5
    assert summary["short_em"] == summary["short_f1"] == 0.5
    assert summary["answer_ms_p50"] > 0
    assert report["settings"]["short_answer"] is True and report["settings"]["top_k"] == 5
    assert not index.exists()        # the scratch index, not the configured one


def test_rag_eval_answers_on_a_directory_without_questions_says_so_in_one_line(tmp_path):
    run = subprocess.run([sys.executable, "-m", "rag", "eval", "answers", str(tmp_path)],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 2
    assert run.stderr.strip().count("\n") == 0 and "questions.jsonl" in run.stderr
