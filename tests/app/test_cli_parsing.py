"""The command line's parsing and help text (no index, no model)."""

import re

import pytest

from rag.app.cli import main, make_parser


def test_help_shows_continued_example_commands_as_typed():
    text = make_parser().format_help()
    # A backslash-newline once joined a command and its next line into one
    # line with a run of spaces ("questions.jsonl             --sweep").
    assert not re.search(r"\S {6,}--", text)
    assert "questions.jsonl \\\n            --sweep" in text


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
