"""Retrieval metrics (hand-computed examples) and the benchmark readers."""

import json
import math

import pytest

from rag.app.evaluation import (
    EvalReport,
    answer_rank,
    contains_answer,
    exact_match,
    ndcg_at_k,
    normalize_answer_text,
    read_beir,
    read_news,
    recall_at_k,
    token_f1,
)


def test_ndcg_of_a_perfect_ranking_is_one():
    assert ndcg_at_k(["d1", "d2", "x"], {"d1": 1, "d2": 1}) == pytest.approx(1.0)


def test_ndcg_hand_computed_with_a_miss_and_graded_gains():
    # Relevant d2 (grade 2) at rank 3 and d1 (grade 1) at rank 1; ideal: d2 then d1.
    dcg = 1 / math.log2(2) + 2 / math.log2(4)          # 1 + 1 = 2
    idcg = 2 / math.log2(2) + 1 / math.log2(3)         # 2 + 0.6309 = 2.6309
    got = ndcg_at_k(["d1", "x", "d2"], {"d1": 1, "d2": 2, "d0": 0})
    assert got == pytest.approx(dcg / idcg) and got == pytest.approx(0.7602, abs=1e-4)


def test_ndcg_cut_ignores_documents_below_rank_k():
    ranked = [f"x{i}" for i in range(10)] + ["d1"]
    assert ndcg_at_k(ranked, {"d1": 1}, 10) == 0.0


def test_recall_counts_relevant_documents_found_in_top_k():
    assert recall_at_k(["a", "b", "c"], {"a": 1, "c": 1, "z": 1, "n": 0}, 100) == pytest.approx(2 / 3)
    assert recall_at_k(["a", "b", "c"], {"c": 1}, 2) == 0.0


def test_answers_match_after_lower_casing_and_folding_punctuation():
    assert normalize_answer_text("  The U.S.-based Café!") == "the u s based cafe"
    assert contains_answer("Buffalo Bills' safety Damar Hamlin...", ["buffalo bills"])
    assert contains_answer("the u.s. said", ["U.S."])
    assert not contains_answer("The Billsborough fair", ["Bills"])  # whole words only
    assert not contains_answer("anything", [""])


def test_answer_rank_and_ar_at_k():
    passages = ["nothing here", "still nothing", "Pope Benedict XVI was laid to rest"]
    assert answer_rank(passages, ["Pope Benedict XVI", "Benedict"]) == 3
    assert answer_rank(passages[:2], ["Benedict"]) is None


def test_read_beir_keeps_judged_queries_and_graded_qrels(tmp_path):
    (tmp_path / "qrels").mkdir()
    (tmp_path / "corpus.jsonl").write_text(
        json.dumps({"_id": "d1", "title": "T1", "text": "Alpha."}) + "\n"
        + json.dumps({"_id": "d2", "title": "T2", "text": "Beta."}) + "\n")
    (tmp_path / "queries.jsonl").write_text(
        json.dumps({"_id": "q1", "text": "alpha?"}) + "\n"
        + json.dumps({"_id": "q2", "text": "unjudged"}) + "\n")
    (tmp_path / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\nq1\td1\t2\n")
    data = read_beir(tmp_path)
    assert [a.id for a in data.articles] == ["d1", "d2"] and data.articles[0].title == "T1"
    assert data.queries == {"q1": "alpha?"} and data.qrels == {"q1": {"d1": 2}}


def test_read_news_drops_questions_without_an_answer_in_the_corpus(tmp_path):
    (tmp_path / "articles.jsonl").write_text(json.dumps(
        {"id": "a1", "url": "u", "source": "s.com", "title": "T", "date": None,
         "text": "Body."}) + "\n")
    (tmp_path / "questions.jsonl").write_text(
        json.dumps({"question": "q?", "answers": ["x"], "answer_in_corpus": True}) + "\n"
        + json.dumps({"question": "r?", "answers": ["y"], "answer_in_corpus": False}) + "\n")
    data = read_news(tmp_path)
    assert [q["question"] for q in data.questions] == ["q?"] and data.skipped == 1
    assert data.articles[0].source == "s.com" and data.articles[0].date is None


def test_eval_news_asks_each_dated_question_as_of_its_date(tmp_path, fake_embedder):
    from rag.app.evaluation import evaluate_news
    from rag.settings import Settings

    said = "Scientists set the Doomsday Clock to {} seconds to midnight."
    stories = [("old", "2022-01-20", said.format(100)), ("new", "2023-01-24", said.format(90))]
    (tmp_path / "articles.jsonl").write_text("".join(
        json.dumps({"id": aid, "url": f"https://example.com/{aid}", "source": "example.com",
                    "title": "Doomsday Clock", "date": date, "text": text}) + "\n"
        for aid, date, text in stories))
    (tmp_path / "questions.jsonl").write_text(json.dumps(
        {"question": "Scientists set the Doomsday Clock to how many seconds to midnight?",
         "answers": ["100"], "answer_in_corpus": True, "date": "2022-01-21"}) + "\n")
    settings = Settings().replace(index_dir=tmp_path / "unused")

    dated = evaluate_news(tmp_path, settings, fake_embedder, progress=False)
    undated = evaluate_news(tmp_path, settings, fake_embedder, progress=False,
                            question_dates=False)
    assert dated.metrics["ar@1"] == 1.0 and dated.settings["as_of"] == "each question's date"
    # As of the collection's newest date the 2023 report comes first.
    assert undated.metrics["ar@1"] == 0.0 and undated.metrics["ar@5"] == 1.0
    assert undated.settings["as_of"] is None
    question = "Scientists set the Doomsday Clock to how many seconds to midnight?"
    assert dated.per_query == {question: {"rank": 1, "question": question}}


def test_eval_news_writes_a_per_query_line_for_each_question_even_when_ids_repeat(
        tmp_path, fake_embedder):
    from rag.app.evaluation import evaluate_news
    from rag.settings import Settings

    (tmp_path / "articles.jsonl").write_text(json.dumps(
        {"id": "a1", "url": "https://example.com/a1", "source": "example.com",
         "title": "Volcano", "date": "2024-01-01",
         "text": "Lava flowed from the volcano in Iceland. The pope visited Rome."}) + "\n")
    asked = ["Where did lava flow?", "Where did the pope go?", "What flowed in Iceland?"]
    (tmp_path / "questions.jsonl").write_text("".join(
        json.dumps({"id": qid, "question": q, "answers": ["Iceland"]}) + "\n"
        for qid, q in zip(["q1", "q2", "q1"], asked)))

    report = evaluate_news(tmp_path, Settings().replace(index_dir=tmp_path / "unused"),
                           fake_embedder, progress=False)
    lines = [json.loads(line) for line in report.per_query_lines()]
    assert report.n_queries == 3 and len(lines) == 3
    assert sorted(line["question"] for line in lines) == sorted(asked)
    assert [line["query"] for line in lines] == ["q1", "q1#2", "q2"]


def test_exact_match_is_squad_normalised_and_best_over_gold_answers():
    assert exact_match("The Buffalo Bills", ["Buffalo Bills"]) == 1.0     # article dropped
    assert exact_match("$500", ["500"]) == 1.0                          # punctuation dropped
    assert exact_match("Kevin McCarthy", ["McCarthy", "Kevin McCarthy"]) == 1.0
    assert exact_match("McCarthy", ["Kevin McCarthy"]) == 0.0
    assert exact_match(None, ["14"]) == 0.0                             # abstained


def test_token_f1_is_the_harmonic_mean_of_token_precision_and_recall():
    # "pope benedict" against "pope benedict xvi": precision 2/2, recall 2/3 -> 0.8
    assert token_f1("Pope Benedict", ["Pope Benedict XVI"]) == pytest.approx(0.8)
    # "600" against "600 years": precision 1, recall 1/2 -> 2/3; the best gold counts
    assert token_f1("600", ["six centuries", "600 years"]) == pytest.approx(2 / 3)
    assert token_f1("Ohio State", ["TCU"]) == 0.0
    assert token_f1(None, ["TCU"]) == 0.0


def test_a_failed_evaluation_is_reported_even_when_its_scratch_collection_cannot_be_dropped(
        monkeypatch):
    """The evaluation's own failure is what the user needs to read; a scratch
    collection left behind is a warning beside it."""
    from rag.app.evaluation import scratch_index
    from rag.index import milvus
    from rag.settings import Settings

    def unreachable(settings):
        raise milvus.MilvusUnavailable("dropping collections failed: server gone")

    monkeypatch.setattr(milvus, "drop_collections", unreachable)
    settings = Settings().replace(backend="milvus", milvus_uri="http://127.0.0.1:9")
    with pytest.raises(ValueError, match="the evaluation's own failure"):
        with scratch_index(settings):
            raise ValueError("the evaluation's own failure")
    with pytest.raises(milvus.MilvusUnavailable, match="server gone"):   # alone: its own error
        with scratch_index(settings):
            pass


def test_eval_report_json_keeps_the_metrics_unrounded_and_the_table_rounds_them():
    report = EvalReport({"ndcg@10": 0.732964, "recall@100": 0.95432}, 300, 12.34, 5.67)
    data = report.to_json()
    assert data["ndcg@10"] == 0.732964 and data["recall@100"] == 0.95432
    assert data["build_seconds"] == 12.3 and data["query_ms_p50"] == 5.7
    assert "0.7330" in report.to_table("rag eval beir")


def test_eval_beir_reports_each_querys_figures_whose_means_are_the_metrics(tmp_path,
                                                                          fake_embedder):
    from rag.app.evaluation import evaluate_beir
    from rag.settings import Settings

    (tmp_path / "qrels").mkdir()
    docs = {"d1": "Volcano erupts in Iceland, lava flows.", "d2": "The pope's funeral in Rome.",
            "d3": "Markets fall as rates rise."}
    (tmp_path / "corpus.jsonl").write_text("".join(
        json.dumps({"_id": d, "title": "", "text": t}) + "\n" for d, t in docs.items()))
    (tmp_path / "queries.jsonl").write_text(
        json.dumps({"_id": "q2", "text": "funeral of the pope"}) + "\n"
        + json.dumps({"_id": "q1", "text": "lava in Iceland"}) + "\n")
    (tmp_path / "qrels" / "test.tsv").write_text(
        "query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td2\t1\nq2\tmissing\t1\n")
    report = evaluate_beir(tmp_path, Settings().replace(index_dir=tmp_path / "unused"),
                           fake_embedder, progress=False)
    assert set(report.per_query) == {"q1", "q2"}
    for name in ("ndcg@10", "recall@100"):
        assert report.metrics[name] == pytest.approx(
            sum(q[name] for q in report.per_query.values()) / 2)
    assert report.per_query["q2"]["recall@100"] == 0.5          # one of two found
    assert [json.loads(line)["query"] for line in report.per_query_lines()] == ["q1", "q2"]


def test_eval_of_a_wrong_directory_names_what_a_data_directory_holds(tmp_path, capsys):
    from rag.app.cli import main

    assert main(["eval", "news", str(tmp_path / "missing")]) == 2
    assert capsys.readouterr().err.strip() == (
        f"rag: {tmp_path / 'missing'} is not a directory: a news directory holds "
        "articles.jsonl, questions.jsonl")
    (tmp_path / "corpus.jsonl").write_text("")
    assert main(["eval", "beir", str(tmp_path)]) == 2
    assert capsys.readouterr().err.strip() == (
        f"rag: {tmp_path} has no queries.jsonl or qrels/test.tsv: a BEIR directory holds "
        "corpus.jsonl, queries.jsonl, qrels/test.tsv")


def test_a_malformed_line_of_evaluation_data_is_named_by_file_and_line(tmp_path):
    (tmp_path / "articles.jsonl").write_text('{"id": "a1", "text": "Body."}\n')
    (tmp_path / "questions.jsonl").write_text('{"question": "q?", "answers": ["x"]}\n{oops\n')
    with pytest.raises(ValueError, match=r"questions.jsonl:2: not valid JSON"):
        read_news(tmp_path)
