"""`rag eval answers`: gold matching, the threshold sweep and rule, the question file."""

import pytest

from rag.app.answer_evaluation import (
    ModeResult,
    Outcome,
    choose_threshold,
    load_questions,
    sweep_thresholds,
)
from rag.types import Answer


def _outcome(text, answers, *, support=1.0, answerable=True, abstained=False):
    question = {"question": "q?", "answers": answers, "answer_in_corpus": answerable}
    return Outcome(question, Answer("q?", text, [], [], abstained=abstained, support=support),
                   0.1)


def test_gold_answer_matches_whole_words_ignoring_case_and_punctuation():
    assert _outcome("The U.S. vetoed it; Buffalo Bills won.", ["buffalo bills"]).contains_gold
    assert not _outcome("The Billsborough team", ["Bills"]).contains_gold


@pytest.mark.parametrize("text, gold", [("President Macron met the Pope in Brasília.", ["Brasilia"]),
                                        ("The cafe on Rue Saint-Honore reopened.", ["Café"]),
                                        ("Zürich and São Paulo", ["zurich", "SAO PAULO"])])
def test_gold_answers_match_with_or_without_accents_on_either_side(text, gold):
    # One normaliser for `rag eval news` and `rag eval answers`: accents fold on
    # both sides, so a gold answer typed without them still counts (and the
    # other way round); before, answers dropped accented letters ("caf").
    assert _outcome(text, gold).contains_gold


def test_an_abstention_never_contains_the_gold_answer():
    assert not _outcome("Not in the articles: veto.", ["veto"], abstained=True).contains_gold


def test_sweep_counts_what_each_threshold_would_answer_and_abstain_on():
    result = ModeResult("extractive", [
        _outcome("The US used no veto.", ["veto"], support=0.7),      # right, confident
        _outcome("The US used no veto.", ["veto"], support=0.4),      # right, borderline
        _outcome("Something else.", ["veto"], support=0.5),          # wrong
        _outcome("A guess.", [], support=0.45, answerable=False)])    # should abstain
    low, mid, high = sweep_thresholds(result, [0.3, 0.45, 0.8])
    assert (low["gold_in_answer"], low["answered_answerable"], low["abstained_unanswerable"]) \
        == (2 / 3, 1.0, 0.0)
    assert (mid["gold_in_answer"], mid["answered_answerable"], mid["abstained_unanswerable"]) \
        == (1 / 3, 2 / 3, 0.0)
    assert (high["gold_in_answer"], high["abstained_unanswerable"]) == (0.0, 1.0)
    assert high["score"] == 0.5


def test_chosen_threshold_is_the_highest_that_loses_at_most_a_point_of_gold_answers():
    rows = [{"threshold": t, "gold_in_answer": g, "score": sc}
            for t, g, sc in [(0.4, 0.30, 0.15), (0.5, 0.295, 0.30), (0.6, 0.293, 0.40),
                             (0.7, 0.25, 0.45), (0.8, 0.20, 0.50)]]
    # One borderline answer lost (0.30 -> 0.293) does not pull the choice down
    # to 0.4; the best score (0.8) would give up a third of the right answers.
    assert choose_threshold(rows)["threshold"] == 0.6
    assert choose_threshold(rows, tolerance=0)["threshold"] == 0.4


def test_a_bad_line_in_the_questions_file_is_named_by_file_and_line(tmp_path):
    path = tmp_path / "questions.jsonl"
    path.write_text('{"question": "Who won?", "answers": ["Bills"]}\n\n{"answers": []}\n')
    with pytest.raises(ValueError, match=r"questions.jsonl:3: not a JSON object with a question"):
        load_questions(path)
    path.write_text('{"question": "Who won?"}\n')
    assert load_questions(path) == [{"question": "Who won?"}]


def test_eval_answers_says_in_one_line_what_path_it_cannot_read(tmp_path, capsys):
    from rag.app.cli import main

    assert main(["eval", "answers", str(tmp_path / "missing.jsonl")]) == 2
    assert capsys.readouterr().err.strip() == \
        f"rag: no question file or news directory at {tmp_path / 'missing.jsonl'}"
    assert main(["eval", "answers", str(tmp_path)]) == 2
    assert "has no questions.jsonl" in capsys.readouterr().err


def test_evaluating_answers_with_the_sweep_answers_every_question_again_without_abstaining(
        build_engine):
    from conftest import STORM, VETO

    from rag.app.answer_evaluation import evaluate_answers

    engine = build_engine({"veto.txt": VETO, "storm.txt": STORM}, abstain_below=0.3)
    questions = [{"question": "Who decided not to use its veto?", "answers": ["The US"]},
                 {"question": "What hit the coast?", "answers": ["a storm"]},
                 {"question": "What is the boiling point of tungsten?", "answers": [],
                  "answer_in_corpus": False}]
    report = evaluate_answers(engine, questions, sample_size=2, sweep=True)
    (summary,) = report.to_json()["modes"]
    assert summary["n_questions"] == 2 and summary["mode"] == "extractive"
    assert report.threshold == 0.3 and report.chosen in report.sweep
    # The sweep covers all three questions, answered once without abstention:
    # a higher threshold can only answer fewer and abstain on more.
    answered = [row["answered_answerable"] for row in report.sweep]
    abstained = [row["abstained_unanswerable"] for row in report.sweep]
    assert answered == sorted(answered, reverse=True) and abstained == sorted(abstained)
    assert answered[0] == 1.0 and abstained[-1] == 1.0
    assert "| extractive | 2 |" in report.to_markdown()
    assert "| # | question |" in report.to_markdown(table=True)


def test_a_news_directory_s_questions_are_read_once_for_a_scratch_index(
        tmp_path, fake_embedder, monkeypatch, capsys):
    import builtins
    import json

    from conftest import STORM, VETO

    from rag.app.cli import main

    monkeypatch.setattr("rag.models.embedding.make_embedder",
                        lambda settings, *rest, **options: fake_embedder)
    monkeypatch.setattr("rag.engine.make_query_embedder", lambda settings, *rest: fake_embedder)
    news = tmp_path / "news"
    news.mkdir()
    (news / "articles.jsonl").write_text("".join(
        json.dumps({"id": name, "title": text.split("\n")[0], "text": text}) + "\n"
        for name, text in (("veto", VETO), ("storm", STORM))))
    (news / "questions.jsonl").write_text(json.dumps(
        {"question": "Who decided not to use its veto?", "answers": ["The US"]}) + "\n")
    opened = []
    real_open = builtins.open

    def spy(file, *args, **kwargs):
        opened.append(str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", spy)
    assert main(["eval", "answers", str(news), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["modes"][0]["n_questions"] == 1
    assert opened.count(str(news / "questions.jsonl")) == 1


def test_short_answer_scores_are_missing_not_zero_when_no_answer_has_one():
    summary = ModeResult("extractive", [_outcome("The US decided. [1]", ["US"])]).summary()
    assert summary["short_em"] is None and summary["short_f1"] is None
    from rag.app.answer_evaluation import format_report

    row = format_report([summary]).splitlines()[-1]
    assert "| – | – |" in row


@pytest.mark.parametrize("flag", [["--sample", "-5"], ["--sample", "0"], ["-k", "0"]])
def test_eval_answers_refuses_a_count_below_one_before_answering(flag, capsys):
    from rag.app.cli import main

    with pytest.raises(SystemExit) as stop:
        main(["eval", "answers", "questions.jsonl", *flag])
    assert stop.value.code == 2
    assert f"argument {flag[0]}: must be a whole number >= 1, not '{flag[1]}'" in \
        capsys.readouterr().err
