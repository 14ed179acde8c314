"""The `rag-bench` command: one subcommand per benchmark, help that teaches by example."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT
from rag_bench.cli import main, make_parser

SUBCOMMANDS = ["perf", "scale", "backends", "stores", "load", "indexing", "corroboration",
               "answers", "answers-diff"]


def test_rag_bench_help_lists_every_benchmark_with_an_example_each():
    script = Path(sys.executable).with_name("rag-bench")   # the installed console script
    out = subprocess.run([str(script), "--help"], capture_output=True, text=True, cwd=ROOT,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    commands = out.stdout.split("positional arguments:")[1].split("\n\n")[0]
    assert re.findall(r"^    (\S+)", commands, re.MULTILINE) == SUBCOMMANDS
    for name in SUBCOMMANDS:
        assert re.search(rf"^    rag-bench {name}\b", out.stdout, re.MULTILINE), name


@pytest.mark.parametrize("name", SUBCOMMANDS)
def test_every_subcommand_help_ends_with_examples_of_itself(name, capsys):
    with pytest.raises(SystemExit):
        make_parser().parse_args([name, "--help"])
    text = capsys.readouterr().out
    assert "\nexamples:\n" in text and f"rag-bench {name}" in text.split("examples:")[1]


def test_labels_without_calibrate_stop_with_one_line():
    with pytest.raises(SystemExit, match="--labels needs --calibrate FLOOR"):
        main(["corroboration", "--labels", "labels.jsonl", "questions.jsonl"])


def test_a_missing_questions_file_is_one_line_and_status_2(tmp_path, capsys):
    assert main(["perf", "--questions", str(tmp_path / "missing.txt")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("rag-bench: ") and len(err.splitlines()) == 1
