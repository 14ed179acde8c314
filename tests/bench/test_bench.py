"""`rag-bench perf` and `rag-bench scale`: every promised field is measured, on a tiny
corpus and at a small scale."""

import json
import math
import subprocess
import sys

import pytest
from conftest import ROOT, SEEDS
from fakes import FakeEmbedder
from rag_bench.perf import (
    BENCH_KEYS,
    build_texts,
    format_bench,
    load_questions,
    raw_encode,
)
from rag_bench.scale import SCALE_KEYS, run_scale_bench
from rag_bench.stores import STORES_KEYS, run_stores_bench

from rag.engine import Engine
from rag.index.vectors import VectorIndexPolicy
from rag.ingest.articles import load_articles
from rag.settings import Settings


def test_scale_bench_reports_every_field_and_switches_index_type_at_the_threshold():
    rows = run_scale_bench([800, 3000], n_queries=30,
                           policy=VectorIndexPolicy(flat_max=1000, nprobe=32))
    assert [r["n"] for r in rows] == [800, 3000]
    assert [r["index_type"] for r in rows] == ["flat", "ivf-sq8"]
    for row in rows:
        assert set(SCALE_KEYS) <= set(row)
        assert all(row[k] is not None and (not isinstance(row[k], float) or math.isfinite(row[k]))
                   for k in SCALE_KEYS)
        assert row["search_ms_p50"] <= row["search_ms_p95"]
    assert rows[0]["recall@10"] == 1.0          # exact search is exact
    assert rows[1]["recall@10"] >= 0.9          # approximate search stays close to it
    assert rows[1]["memory_mb"] < rows[1]["flat_memory_mb"] / 3   # 8-bit codes


@pytest.mark.e2e
def test_stores_bench_builds_both_backends_alike_and_reports_every_field():
    rows = run_stores_bench(400)
    assert [r["backend"] for r in rows] == ["embedded", "milvus"]
    assert rows[0]["passages"] == rows[1]["passages"] > 0
    for row in rows:
        assert set(STORES_KEYS) <= set(row)
        assert 0 < row["retrieve_ms_p50"] <= row["retrieve_ms_p95"]


def test_questions_file_accepts_json_lines_and_plain_lines(tmp_path):
    path = tmp_path / "q.jsonl"
    path.write_text('{"id": 1, "question": "Who won?"}\n\nWhat happened next?\n')
    assert load_questions(path) == ["Who won?", "What happened next?"]


@pytest.mark.e2e
def test_rag_bench_perf_json_on_the_seed_articles_has_every_field(tmp_path):
    questions = tmp_path / "questions.txt"
    questions.write_text("Who decided not to use its veto?\nHow did Netanyahu react?\n"
                         "What is the capital of Mars?\n")
    out = subprocess.run([sys.executable, "-m", "rag_bench", "perf", "--articles", str(SEEDS),
                          "--questions", str(questions), "--json"],
                         capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert list(result)[:len(BENCH_KEYS)] == list(BENCH_KEYS)
    for key in BENCH_KEYS:
        assert isinstance(result[key], (int, float)) and result[key] > 0, key
    assert result["chunks"] > 0
    # The ratio is computed before the two rates are rounded to 0.01 chunks/s,
    # so allow exactly the error that rounding can introduce.
    built, raw = result["build_chunks_per_s"], result["raw_chunks_per_s"]
    rounding = (built / raw) * (0.005 / built + 0.005 / raw) + 0.0005
    assert 0 < result["build_ratio"] == pytest.approx(built / raw, abs=rounding)
    assert result["retrieve_ms_p50"] <= result["retrieve_ms_p95"]


class RecordingEmbedder(FakeEmbedder):
    def __init__(self):
        super().__init__()
        self.seen: list[str] = []

    def encode(self, texts, *, progress=False):
        self.seen.extend(texts)
        return super().encode(texts, progress=progress)


@pytest.mark.parametrize("sentence_vectors", [True, False])
def test_perf_raw_model_work_encodes_exactly_the_texts_a_build_embeds(tmp_path, sentence_vectors):
    settings = Settings().replace(articles_dir=SEEDS, index_dir=tmp_path / "index",
                                  sentence_vectors=sentence_vectors)
    build = RecordingEmbedder()
    Engine(settings, build).build(progress=False)
    raw = RecordingEmbedder()
    passages, sentences = build_texts(load_articles(SEEDS), settings)
    work = raw_encode(raw, passages, sentences, settings)
    raw.seen = raw.seen[len(passages[:8]) + len(sentences[:8]):]    # the warm-up calls
    assert sorted(raw.seen) == sorted(build.seen)
    assert (work.sentences > 0) == sentence_vectors
    assert work.seconds == work.passage_seconds + work.sentence_seconds


def test_perf_raw_model_work_reads_the_articles_with_the_settings_file_limit(monkeypatch):
    # The seeds are 2.3 and 3.3 KB: with a 3 KB limit the build reads one of them,
    # and so must the raw model work (not the readers' default 20 MB limit).
    from rag_bench import perf

    encoded = []
    monkeypatch.setattr(perf, "raw_encode", lambda embedder, passages, sentences, settings:
                        encoded.append(passages) or perf.RawWork(0, "fp32", 1, 1, 1, 1))
    monkeypatch.setattr(perf, "_latency", lambda *args: dict.fromkeys(BENCH_KEYS[3:7], 1.0))
    monkeypatch.setattr(perf, "_measure_serving_process", lambda *args: {
        "rss_mb": 1.0, "cold_start_s": 1.0})
    monkeypatch.setattr(perf, "_index_mb", lambda settings: 1.0)
    result = perf.run_bench(Settings().replace(articles_dir=SEEDS, max_file_mb=0.003),
                            embedder=FakeEmbedder())
    assert 0 < len(encoded[0]) == result["chunks"]
    assert len(encoded[0]) < len(build_texts(load_articles(SEEDS), Settings())[0])


def test_perf_table_of_a_run_on_a_built_index_has_no_build_rows_and_both_answer_timings():
    result = {key: 1.0 for key in BENCH_KEYS}
    result.update(raw_chunks_per_s=None, build_chunks_per_s=None, build_ratio=None,
                  retrieve_cpu_ms_p50=1.0, answer_cpu_ms_p50=2.0, answer_nocorr_ms_p50=1.0,
                  answer_nocorr_ms_p95=1.5, answer_nocorr_cpu_ms_p50=1.0,
                  load_before=[0.1, 0.1, 0.1], load_after=[0.2, 0.2, 0.2])
    table = format_bench(result)
    assert "throughput" not in table and "build / raw" not in table
    assert "answer without corroboration" in table and "answer p50 / p95" in table


def test_perf_table_of_a_full_run_shows_the_raw_passages_and_sentences_apart():
    result = {key: 1.0 for key in BENCH_KEYS}
    result.update(build_ratio_cpu=1.0, raw_passage_seconds=18.3, raw_sentence_seconds=6.7,
                  sentences=2291, sentence_precision="bf16", retrieve_cpu_ms_p50=1.0,
                  answer_cpu_ms_p50=2.0, answer_nocorr_ms_p50=1.0, answer_nocorr_ms_p95=1.5,
                  answer_nocorr_cpu_ms_p50=1.0, load_before=[0.1], load_after=[0.2])
    assert "(passages 18.3 s + 2291 sentences in bf16 6.7 s)" in format_bench(result)


@pytest.mark.e2e
def test_rag_bench_perf_on_a_built_index_times_answers_with_and_without_corroboration(
        seed_engine, tmp_path):
    questions = tmp_path / "questions.txt"
    questions.write_text("Who decided not to use its veto?\nWhat is the capital of Mars?\n")
    out = subprocess.run([sys.executable, "-m", "rag_bench", "perf", "--articles", str(SEEDS),
                          "--questions", str(questions), "--json",
                          "--built", str(seed_engine.settings.index_dir)],
                         capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert list(result)[:len(BENCH_KEYS)] == list(BENCH_KEYS)
    assert result["raw_chunks_per_s"] is None and result["build_ratio"] is None
    for key in ("retrieve_ms_p50", "answer_ms_p50", "answer_nocorr_ms_p50", "rss_mb",
                "index_mb", "cold_start_s"):
        assert result[key] > 0, key


def test_load_client_that_cannot_connect_counts_its_questions_failed_and_others_go_on(
        monkeypatch):
    """A client whose connection (or login) fails does not leave the others
    waiting at the start line forever."""
    import threading
    from contextlib import contextmanager

    from rag_bench import load

    made = []

    @contextmanager
    def asker(url, auth=None):
        made.append(url)
        if len(made) == 2:             # the reference client, then one load client fails
            raise ConnectionError("refused")
        yield lambda question: f"{question} Security Council"

    monkeypatch.setattr(load, "http_asker", asker)
    questions = [("Who vetoed?", "Security Council")]
    result = []
    runner = threading.Thread(target=lambda: result.append(
        load.run_load("http://chat/", questions, clients=3, total=6)), daemon=True)
    runner.start()
    runner.join(timeout=30)
    assert result, "run_load hung when one client could not connect"
    assert (result[0].correct, result[0].failed) == (4, 2)
    assert any("ConnectionError: refused" in e for e in result[0].errors)


def test_load_closes_every_http_client_it_opened_even_one_whose_login_failed(monkeypatch):
    import itertools

    import httpx
    from rag_bench import load

    logins = itertools.count(1)             # the reference client, then two load clients

    def chat(request):
        if request.url.path == "/login":
            return httpx.Response(401 if next(logins) == 3 else 200)
        if request.method == "POST":
            return httpx.Response(200, json={"event_id": "e1"})
        return httpx.Response(200, text='event: complete\ndata: ["The Security Council"]\n\n')

    opened = []

    class Recorded(httpx.Client):
        def __init__(self, **kwargs):
            super().__init__(transport=httpx.MockTransport(chat), **kwargs)
            opened.append(self)

    monkeypatch.setattr(httpx, "Client", Recorded)
    result = load.run_load("http://chat/", [("Who vetoed?", "Security Council")], clients=2,
                           total=4, auth=("ann", "s3cret"))
    assert (result.correct, result.failed) == (2, 2)
    assert len(opened) == 3 and all(client.is_closed for client in opened)


def test_interleaved_timing_takes_turns_item_by_item_and_rotates_who_goes_first():
    from rag_bench.measure import time_interleaved

    calls = []
    runs = {name: (lambda item, name=name: calls.append((name, item))) for name in "abc"}
    wall, cpu = time_interleaved(runs, [1, 2])
    assert calls == [("a", 1), ("b", 1), ("c", 1), ("a", 2), ("b", 2), ("c", 2)]
    assert {k: len(v) for k, v in wall.items()} == {k: len(v) for k, v in cpu.items()} == \
        {"a": 2, "b": 2, "c": 2}
    calls.clear()
    time_interleaved(runs, [1, 2, 3], rotate=True)
    assert [name for name, _ in calls] == list("abc" "bca" "cab")


def test_perf_latency_times_each_run_on_an_engine_of_its_own_warmed_on_other_questions(
        monkeypatch):
    """No timed question finds its vector cached: retrieve, answer without
    corroboration and answer each run on a new engine (a new vector cache),
    warmed up on questions of no data set, and the warm-up is not timed."""
    from rag_bench import perf

    import rag.engine

    engines = []

    class Recording:
        def __init__(self, settings, embedder=None):
            self.settings, self.calls = settings, []
            engines.append(self)

        def warm_up(self):
            self.calls.append(("warm_up", None))

        def retrieve(self, question, k=5):
            self.calls.append(("retrieve", question))

        def answer(self, question, k=5):
            self.calls.append(("answer", question))

    monkeypatch.setattr(rag.engine, "Engine", Recording)
    questions = ["Who vetoed the resolution?", "How many nations backed it?"]
    out = perf._latency(Settings(corroborate=True), None, questions, lambda _: None)

    assert len(engines) == 3
    assert [e.settings.corroborate for e in engines] == [True, False, True]
    warm = [("warm_up", None)] + [("answer", q) for q in perf.WARM_UP_QUESTIONS]
    assert not set(perf.WARM_UP_QUESTIONS) & set(questions)
    for engine, timed in zip(engines, ("retrieve", "answer", "answer")):
        assert engine.calls == warm + [(timed, q) for q in questions]
    assert {f"{run}_ms_p50" for run in ("retrieve", "answer_nocorr", "answer")} <= set(out)


def test_the_experiments_engine_computes_every_vector_and_is_warmed_on_other_questions(
        monkeypatch):
    """``uncached_engine``: its vector cache is off (a question's vector is
    computed each time it is asked) and it is warmed up by retrieving questions
    of no data set, so an experiment's first timed question is not the cold one."""
    from types import SimpleNamespace

    from rag_bench import perf

    import rag.engine

    class Recording:
        def __init__(self, settings, embedder=None):
            self.embedder, self.calls = embedder, []
            self.vectors = SimpleNamespace(size=20_000)

        def warm_up(self):
            self.calls.append(("warm_up", None))

        def retrieve(self, question, k=5):
            self.calls.append(("retrieve", question))

    monkeypatch.setattr(rag.engine, "Engine", Recording)
    engine = perf.uncached_engine(Settings(), embedder="the query model")
    assert engine.vectors.size == 0 and engine.embedder == "the query model"
    assert engine.calls == [("warm_up", None)] + [("retrieve", q) for q in perf.WARM_UP_QUESTIONS]
