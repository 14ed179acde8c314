"""`rag-bench answers` / `answers-diff`: every answer written down, and what a change changed."""

import json

import pytest
from rag_bench.answers import (
    answer_record,
    compare,
    dump_answers,
    format_compare,
    load_records,
)
from rag_bench.cli import main


def record(question, text="It passed.", **parts):
    base = {"question": question, "text": text, "abstained": False,
            "citations": [[1, "veto", 0, [[0, 10]]]], "short": None, "corroboration": [],
            "disagreements": [], "wall_ms": 10.0, "cpu_ms": 9.0}
    return {**base, **parts}


def test_identical_answers_are_counted_identical_in_every_part():
    a = [record("q1"), record("q2")]
    result = compare(a, [dict(r) for r in a])
    assert result["same"] == {"text": 2, "citations": 2, "short": 2, "corroboration": 2,
                              "disagreements": 2, "all": 2}
    assert result["differences"] == []


def test_a_changed_citation_is_reported_with_its_question_though_the_text_is_the_same():
    before = [record("q1"), record("q2")]
    after = [record("q1"), record("q2", citations=[[1, "storm", 0, [[0, 10]]]])]
    result = compare(before, after)
    assert result["same"]["all"] == 1 and result["same"]["text"] == 2
    assert result["same"]["citations"] == 1
    assert result["differences"] == [{"question": "q2", "parts": ["citations"],
                                      "before": "It passed.", "after": "It passed."}]
    assert "q2\n  differs in: citations" in format_compare(result)


def test_questions_in_one_file_only_are_counted_not_compared():
    result = compare([record("q1"), record("q2")], [record("q2"), record("q3")])
    assert (result["compared"], result["only_before"], result["only_after"]) == (1, 1, 1)


def test_times_are_summarised_per_side_not_compared():
    before = [record("q1", wall_ms=10.0), record("q2", wall_ms=30.0)]
    after = [record("q1", wall_ms=5.0), record("q2", wall_ms=7.0)]
    result = compare(before, after)
    assert result["same"]["all"] == 2
    assert result["before"]["wall_ms"]["p50"] == 20.0 and result["after"]["wall_ms"]["p50"] == 6.0


def test_answers_of_an_engine_are_written_one_line_each_with_their_citations(engine, tmp_path):
    out = tmp_path / "answers.jsonl"
    questions = [{"question": "Did the US use its veto?"}, {"question": "What hit the coast?"}]
    assert dump_answers(engine, questions, out) == 2
    records = load_records(out)
    assert [r["question"] for r in records] == [q["question"] for q in questions]
    reply = engine.answer("Did the US use its veto?")
    assert records[0] == {**answer_record("Did the US use its veto?", reply, 0, 0),
                          "wall_ms": records[0]["wall_ms"], "cpu_ms": records[0]["cpu_ms"]}
    assert records[0]["citations"] and records[0]["citations"][0][1] == reply.citations[0].article_id


def test_answers_diff_exits_1_when_an_answer_changed_and_0_when_none(tmp_path, capsys):
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    a.write_text(json.dumps(record("q1")) + "\n")
    b.write_text(json.dumps(record("q1", text="It failed.")) + "\n")
    assert main(["answers-diff", str(a), str(a)]) == 0
    assert "1 of 1 answers identical" in capsys.readouterr().out
    assert main(["answers-diff", str(a), str(b)]) == 1
    out = capsys.readouterr().out
    assert "0 of 1 answers identical" in out and "after:  It failed." in out


@pytest.mark.parametrize("content", ["not json\n", json.dumps({"x": 1}) + "\n"])
def test_a_file_that_is_not_answers_is_one_line_and_status_2(tmp_path, capsys, content):
    bad = tmp_path / "bad.jsonl"
    bad.write_text(content)
    assert main(["answers-diff", str(bad), str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("rag-bench: ") and "rag-bench answers" in err
    assert len(err.splitlines()) == 1
