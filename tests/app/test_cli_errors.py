"""Bad input and interruptions on the command line: one clear line on stderr,
never a traceback, and nothing lost."""

import pytest

from rag.app.cli import main
from rag.engine import Engine


@pytest.mark.parametrize("command", [["build"], ["add", "story.txt"], ["remove", "story"]])
def test_ctrl_c_during_a_change_says_the_index_keeps_its_last_version(
        command, tmp_path, monkeypatch, capsys):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt
    for method in ("build", "add", "remove"):
        monkeypatch.setattr(Engine, method, interrupted)
    assert main([*command, "--index", str(tmp_path / "idx"),
                 "--articles", str(tmp_path)]) == 130
    err = capsys.readouterr().err.strip()
    assert err.startswith("rag: interrupted; the index still holds its last complete version")
    assert "run the same command again" in err and len(err.splitlines()) == 1


def test_ctrl_c_while_asking_is_one_line(engine, monkeypatch, capsys):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt
    monkeypatch.setattr(Engine, "answer", interrupted)
    assert main(["ask", "--index", str(engine.settings.index_dir), "--articles",
                 str(engine.settings.articles_dir), "veto"]) == 130
    assert capsys.readouterr().err.strip() == "rag: interrupted"


def test_ask_prints_a_note_about_the_question_once(engine, monkeypatch, capsys):
    monkeypatch.setattr("rag.engine.Engine", lambda settings: engine)  # its fake model
    long_question = "Who decided not to use its veto? " + "Please explain in detail. " * 60
    assert main(["ask", "--index", str(engine.settings.index_dir), "--articles",
                 str(engine.settings.articles_dir), long_question]) == 0
    captured = capsys.readouterr()
    assert captured.out.count("characters long; only the first") == 1
    assert "characters long" not in captured.err


def test_output_cut_short_by_its_reader_ends_quietly(tmp_path):
    import os
    import subprocess
    import sys

    # `rag config | head -1`: the reader goes away after one line.
    run = subprocess.run(f"{sys.executable} -m rag config | head -1", shell=True,
                         capture_output=True, text=True, timeout=120,
                         env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert run.stdout.count("\n") == 1
    assert "Traceback" not in run.stderr and "BrokenPipe" not in run.stderr


def test_status_lists_each_file_that_would_be_skipped_once(engine, monkeypatch, capsys):
    (engine.settings.articles_dir / "empty.txt").write_text("")
    monkeypatch.setattr("rag.engine.Engine", lambda settings: engine)  # its fake model
    assert main(["status", "--index", str(engine.settings.index_dir), "--articles",
                 str(engine.settings.articles_dir)]) == 0
    captured = capsys.readouterr()
    assert (captured.out + captured.err).count("empty.txt: empty file") == 1


def test_serve_on_a_port_in_use_says_so_before_loading_anything(tmp_path, monkeypatch, capsys):
    import socket

    def must_not_load(*args, **kwargs):
        raise AssertionError("the engine was created before the port was checked")
    monkeypatch.setattr("rag.engine.Engine", must_not_load)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["serve", "--port", str(port), "--index", str(tmp_path)]) == 2
    assert capsys.readouterr().err.strip() == (
        f"rag: port {port} on 127.0.0.1 is already in use (another rag serve?); choose "
        "another with --port N (RAG_PORT)")


def test_serve_on_an_address_of_another_machine_says_what_to_give(tmp_path, monkeypatch,
                                                                   capsys):
    monkeypatch.setattr("rag.engine.Engine", lambda settings: None)
    assert main(["serve", "--host", "192.0.2.1", "--index", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("rag: cannot listen on 192.0.2.1:7860 (") and \
        err.endswith("give --host (RAG_HOST) an address of this machine, e.g. 127.0.0.1 or "
                     "0.0.0.0")


def test_ask_from_a_source_no_article_has_says_which_sources_there_are(tmp_path, capsys,
                                                                        build_engine,
                                                                        monkeypatch):
    import json as json_

    built = build_engine({"a.txt": "The flood wall vote passed.",
                          "a.json": json_.dumps({"source": "Gazette"})})
    monkeypatch.setattr("rag.engine.Engine", lambda settings: built)
    where = ["--index", str(built.settings.index_dir), "--articles",
             str(built.settings.articles_dir)]
    assert main(["ask", *where, "--source", "Herald", "flood wall?"]) == 2
    assert capsys.readouterr().err.strip() == (
        "rag: no indexed article is from 'Herald'; the sources are: 'Gazette' "
        "(--source takes one of them)")
    assert main(["ask", *where, "--source", "Herald", "--source", "gazette", "flood wall?"]) == 0
    captured = capsys.readouterr()
    assert "rag: warning: no indexed article is from 'Herald'" in captured.err
    assert "flood wall vote passed" in captured.out


def test_status_exits_1_when_there_is_no_usable_index_so_scripts_can_check_it(
        engine, tmp_path, monkeypatch, capsys):
    from rag.index.store import live_version

    monkeypatch.setattr("rag.engine.Engine", lambda settings: engine)  # its fake model
    where = ["--index", str(engine.settings.index_dir), "--articles",
             str(engine.settings.articles_dir)]
    assert main(["status", *where]) == 0                                    # usable
    (live_version(engine.settings.index_dir) / "chunks.jsonl").write_text("")   # damaged
    capsys.readouterr()
    assert main(["status", *where]) == 1
    assert capsys.readouterr().out.startswith("No usable index: ")
    assert main(["status", "--json", *where]) == 1
