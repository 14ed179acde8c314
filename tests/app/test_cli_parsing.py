"""The command line's parsing and help text (no index, no model)."""

import re

import pytest

from rag.app.cli import main, make_parser


def test_help_shows_continued_example_commands_as_typed():
    text = make_parser().format_help()
    # A backslash-newline once joined a command and its next line into one
    # line with a run of spaces ("questions.jsonl             --sweep").
    assert not re.search(r"\S {6,}--", text)
    assert "--index ~/news-index \\\n            --modes extractive local --table" in text


USER_COMMANDS = {"build", "add", "remove", "ask", "status", "serve", "eval", "config"}


def test_help_lists_only_user_commands_and_examples_users_can_run():
    text = make_parser().format_help()
    commands = text.split("positional arguments:")[1].split("\n\n")[0]
    listed = set(re.findall(r"^    (\S+)", commands, re.MULTILINE))
    assert listed <= USER_COMMANDS and {"build", "ask", "serve", "eval"} <= listed
    for developer_only in ("bench", "loadtest", "corroborate", "../shared", "benchmarks/"):
        assert developer_only not in text


def test_eval_answers_takes_the_questions_file_and_its_options():
    args = make_parser().parse_args(["eval", "answers", "q.jsonl", "--modes", "extractive",
                                     "local", "--sample", "5", "--sweep", "--table", "--json"])
    assert (args.command, args.format, args.questions) == ("eval", "answers", "q.jsonl")
    assert args.modes == ["extractive", "local"] and args.sample == 5
    assert args.sweep and args.table and args.json


def test_old_eval_answers_command_still_runs_with_a_deprecation_line(tmp_path, capsys):
    from rag.app.cli import main

    missing = str(tmp_path / "missing.jsonl")
    assert main(["eval-answers", "--questions", missing]) == 2   # the file is missing
    first, second = capsys.readouterr().err.splitlines()
    assert "deprecated" in first and "rag eval answers FILE" in first
    assert second.startswith("rag: ") and "missing.jsonl" in second


@pytest.mark.parametrize("argv", [["ask", "--as-of", "2024-3-5", "q"],
                                  ["eval", "news", "d", "--date-from", "March 5"]])
def test_a_malformed_date_flag_stops_the_command_with_the_reason(argv, capsys):
    try:
        status = main(argv)
    except SystemExit as stop:  # argparse's own check (--date-from)
        status = stop.code
    assert status == 2
    assert "must be an ISO date (YYYY-MM-DD)" in capsys.readouterr().err


def test_date_flags_are_normalised_days():
    args = make_parser().parse_args(["eval", "news", "d", "--date-to", "2024-03-05T10:00:00Z"])
    assert args.date_to == "2024-03-05"


def test_eval_per_query_file_that_cannot_be_written_stops_before_the_run(tmp_path, capsys):
    from rag.app.cli import main

    target = tmp_path / "no-such-dir" / "per-query.jsonl"
    assert main(["eval", "beir", str(tmp_path / "missing-data"), "--per-query", str(target)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("rag: cannot write") and "per-query.jsonl" in err   # not the data
