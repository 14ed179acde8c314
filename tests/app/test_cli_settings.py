"""Settings on the command line: flags, `rag config`, and one-line errors."""

import json
import os
import subprocess
import sys

import pytest

from rag.app.cli import main, make_parser, settings_from_args
from rag.settings import PROJECT_ROOT


def _run(*argv, **env):
    """``rag ARGV`` in a fresh process with only ``env`` as RAG_* variables."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    return subprocess.run([sys.executable, *argv], cwd=PROJECT_ROOT, text=True,
                          capture_output=True, env={**clean, **env}, timeout=120)


@pytest.mark.parametrize("argv, env", [
    (["-m", "rag", "ask", "Who decided not to use its veto?"], {"RAG_TOP_K": "five"}),
    (["-m", "rag", "ask", "--method", "foo", "Who?"], {}),
    (["app.py"], {"RAG_DENSE_WEIGHT": "-1"}),
])
def test_a_bad_setting_stops_with_one_line_and_status_2(argv, env):
    done = _run(*argv, **env)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert done.stderr.startswith("rag: ") and " must be " in done.stderr


def test_the_flags_users_know_keep_working():
    parse = make_parser().parse_args
    ask = settings_from_args(parse(["ask", "-k", "3", "--mode", "local", "--as-of",
                                    "2024-03-01", "--articles", "a", "--index", "i", "q"]))
    assert (ask.top_k, ask.answer_mode, ask.as_of) == (3, "local", "2024-03-01")
    assert ask.articles_dir.name == "a" and ask.index_dir.name == "i"
    evaluate = settings_from_args(parse([
        "eval", "news", "d", "--method", "bm25", "--fusion", "rrf", "--dense-weight", "0.3",
        "--article-weight", "0", "--candidates", "50", "--duplicate-above", "1",
        "--max-per-article", "0", "--recency-weight", "0", "--reranker", "r",
        "--cache", "c", "--chunk-tokens", "100", "--chunk-overlap-tokens", "20"]))
    assert (evaluate.retrieval_method, evaluate.fusion, evaluate.dense_weight,
            evaluate.article_weight, evaluate.candidates, evaluate.duplicate_above,
            evaluate.max_per_article, evaluate.recency_weight, evaluate.chunk_tokens,
            evaluate.chunk_overlap_tokens) == ("bm25", "rrf", 0.3, 0, 50, 1, 0, 0, 100, 20)
    assert evaluate.reranker_path.name == "r" and evaluate.embedding_cache_dir.name == "c"
    serve = settings_from_args(parse(["serve", "--host", "0.0.0.0", "--port", "8000",
                                      "--auth", "a:b", "--no-uploads"]))
    assert (serve.host, serve.port, serve.auth, serve.uploads) == ("0.0.0.0", 8000, "a:b", False)


def test_config_shows_each_value_and_where_it_came_from(monkeypatch, capsys):
    monkeypatch.setenv("RAG_METHOD", "bm25")
    monkeypatch.setenv("RAG_AUTH", "ann:s3cret")
    assert main(["config", "--json", "--top-k", "3"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["top_k"] == {"group": "search", "value": 3, "from": "flag --top-k",
                              "flag": "--top-k", "env": "RAG_TOP_K"}
    assert shown["retrieval_method"]["from"] == "env RAG_METHOD"
    assert shown["fusion"]["from"] == "default" and shown["fusion"]["value"] == "convex"
    assert shown["auth"]["value"] == "****"
    assert main(["config"]) == 0
    table = capsys.readouterr().out
    assert "s3cret" not in table and "search: " in table
    assert any(line.split()[:4] == ["top_k", "5", "default", "--top-k,"]
               for line in table.splitlines())


def test_a_bad_flag_value_gets_the_same_one_line_error(capsys):
    assert main(["config", "--port", "http"]) == 2
    assert capsys.readouterr().err == ("rag: port must be a whole number from 1 to 65535, "
                                       "not 'http' (flag --port, env RAG_PORT)\n")


def test_config_says_what_an_auto_setting_is_on_this_machine(monkeypatch, capsys):
    from rag.models import embedding

    monkeypatch.setattr(embedding, "cpu_flags", lambda: frozenset({"avx2"}))   # no AMX
    assert main(["config", "--json", "--query-backend", "onnx"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["sentence_precision"]["value"] == "auto"
    assert shown["sentence_precision"]["here"] == "fp32"
    assert "here" not in shown["query_backend"]          # not auto: nothing to resolve
    assert main(["config"]) == 0
    assert any(line.split()[:3] == ["query_backend", "auto", "(onnx"]
               for line in capsys.readouterr().out.splitlines())
