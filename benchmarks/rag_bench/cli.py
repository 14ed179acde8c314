"""The ``rag-bench`` command: one subcommand per benchmark of newsroom-rag.

Only wiring lives here: flags become :class:`rag.settings.Settings` the way
``rag`` makes them, the benchmark modules do the work (each imported only when
its subcommand runs). Progress goes to stderr, the table or JSON to stdout.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

# Raw: the backslashes below are shell line continuations, shown as typed.
DESCRIPTION = r"""Benchmarks of newsroom-rag: how fast, how big, how it grows, how often
answers are corroborated. Developer tools, installed beside the product (make
setup), not shipped in it.

Every command prints a table (or JSON with --json) on stdout and its progress on
stderr. Timings depend on how busy the machine is: every result reports the load
average, and nothing asserts a speed.

Measure build speed, query latency, memory and cold start on the seed articles:

    rag-bench perf

Do the same on a larger collection (a directory, or one .jsonl file) with its
questions (the examples use the team's data sets in ../shared/eval):

    rag-bench perf --articles ../shared/eval/news-dev/articles.jsonl \
        --questions ../shared/eval/news-dev/questions.jsonl --json

See how the vector index and BM25 grow, on synthetic passages:

    rag-bench scale 10000 100000 1000000

Compare the embedding backends (torch, ONNX, ONNX int8), speed and nDCG@10:

    rag-bench backends ../shared/eval/scifact

Compare the embedded index with Milvus (milvus-lite on 127.0.0.1) at 100k passages:

    rag-bench stores 100000

Put 20 concurrent API clients on the chat serving the seeds (p50/p95 latency):

    rag-bench load --clients 20 --total 100

Time a full build, an incremental add and a remove on a large collection:

    rag-bench indexing ../shared/eval/news-dev/articles.jsonl --work /tmp/bench-index

Count the answers other outlets corroborate, over an index you built:

    rag-bench corroboration --index /tmp/news-index ../shared/eval/news-dev/questions.jsonl

Check that a change left every answer as it was (text, citations, corroboration):

    rag-bench answers ../shared/eval/news-dev/questions.jsonl --index /tmp/news-index \
        --articles ../shared/eval/news-dev --out /tmp/after.jsonl
    rag-bench answers-diff /tmp/before.jsonl /tmp/after.jsonl

Each command's --help has its options and more examples:

    rag-bench corroboration --help
"""

PERF_EXAMPLES = r"""examples:
  rag-bench perf                         the seed articles, 20 built-in news questions
  rag-bench perf --embed-backend onnx-int8  the same with the int8 ONNX model
  rag-bench perf --articles ../shared/eval/news-dev/articles.jsonl \
      --questions ../shared/eval/news-dev/questions.jsonl --json
  rag-bench perf --articles ../shared/eval/news-dev/articles.jsonl \
      --questions ../shared/eval/news-dev/questions.jsonl --built /tmp/news-index
                                         latency only, on an index built before
"""

SCALE_EXAMPLES = r"""examples:
  rag-bench scale 10000 100000           two sizes, a table
  rag-bench scale 10000 100000 1000000 --json
  rag-bench scale 1000000 --no-bm25      vectors only (BM25 at 1M takes minutes)
"""

BACKENDS_EXAMPLES = r"""examples:
  rag-bench backends ../shared/eval/scifact
  rag-bench backends ../shared/eval/scifact --json
"""

STORES_EXAMPLES = r"""examples:
  rag-bench stores 20000                 embedded and milvus-lite, 20k synthetic passages
  rag-bench stores 100000 --json
  rag-bench stores 100000 --only milvus  one backend
"""

LOAD_EXAMPLES = r"""examples:
  rag-bench load                         serve the seeds, 20 clients ask 100 questions
  rag-bench load --clients 4 --total 20 http://127.0.0.1:7860/
                                         a chat that is already running
  rag-bench load --auth ann:s3cret https://chat.example.org/
  rag-bench load --articles /tmp/news --index /tmp/news-index \
      --questions my-questions.jsonl     JSON lines with question and expect
"""

INDEXING_EXAMPLES = r"""examples:
  rag-bench indexing ../shared/eval/news-dev/articles.jsonl --work /tmp/bench-index
  rag-bench indexing ../shared/eval/news-dev/articles.jsonl --work /tmp/bench-index2 \
      --built /tmp/bench-index/index   re-measure add and remove without the full build
"""

CORROBORATION_EXAMPLES = r"""examples:
  first index the collection the questions are about:
    mkdir -p /tmp/news && ln -sf $PWD/../shared/eval/news-dev/articles.jsonl /tmp/news/
    rag build --articles /tmp/news --index /tmp/news-index
  then:
    rag-bench corroboration --articles /tmp/news --index /tmp/news-index \
        ../shared/eval/news-dev/questions.jsonl
    rag-bench corroboration --articles /tmp/news --index /tmp/news-index --limit 90 \
        --calibrate 0.45 --labels benchmarks/corroboration_labels.jsonl --out /tmp/cal \
        ../shared/eval/news-dev/questions.jsonl
                                         precision and recall per threshold on labelled pairs
"""


ANSWERS_EXAMPLES = r"""examples:
  before and after a change, over the same index:
    rag-bench answers ../shared/eval/news-dev/questions.jsonl --index /tmp/news-index \
        --articles ../shared/eval/news-dev --out /tmp/before.jsonl
    (change the code or a setting)
    RAG_QUERY_BACKEND=onnx-int8 rag-bench answers ../shared/eval/news-dev/questions.jsonl \
        --index /tmp/news-index --articles ../shared/eval/news-dev --out /tmp/after.jsonl
    rag-bench answers-diff /tmp/before.jsonl /tmp/after.jsonl
  every 10th question, for a quick look:
    rag-bench answers questions.jsonl --index /tmp/news-index --every 10 --out /tmp/a.jsonl
"""

ANSWERS_DIFF_EXAMPLES = r"""examples:
  rag-bench answers-diff /tmp/before.jsonl /tmp/after.jsonl
                                         what differs, question by question (exit 1 if any)
  rag-bench answers-diff /tmp/before.jsonl /tmp/after.jsonl --json
"""


class _ExamplesAsTyped(argparse.HelpFormatter):
    """Text written line by line (the examples) is shown as typed; one-line
    descriptions are wrapped to the terminal."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if "\n" in text:
            return "".join(indent + line for line in text.splitlines(keepends=True))
        return super()._fill_text(text, width, indent)


#: Each subcommand: its line in ``rag-bench --help``, its description, its examples.
SUBCOMMANDS = {
    "perf": ("build speed, query latency, memory, cold start of a collection",
             "Build a collection into a temporary index (yours is untouched), then measure "
             "raw model throughput (the model alone on the passages and sentences a build "
             "embeds, batched as a build batches them) and build throughput, retrieve and "
             "answer latency, and in a fresh serving process cold start and peak memory.",
             PERF_EXAMPLES),
    "scale": ("vector index and BM25 at growing sizes, on synthetic passages",
              "For each size, build the vector index `rag build` would build for that many "
              "synthetic passages and measure build time, search latency, recall@10 against "
              "exact search and memory; then BM25 and hybrid latency on synthetic text.",
              SCALE_EXAMPLES),
    "backends": ("embedding backends compared: speed and nDCG@10 on BEIR data",
                 "Encode a BEIR data set's corpus with each embedding backend (torch, onnx, "
                 "onnx-int8) and report documents per second, CPU time per document and dense "
                 "nDCG@10, each against torch.", BACKENDS_EXAMPLES),
    "stores": ("the embedded index beside Milvus: build throughput, retrieve p50/p95",
               "Build the same synthetic articles into the embedded index and into Milvus "
               "(milvus-lite, served on a free port of 127.0.0.1 for the run) with a hashing "
               "stand-in for the model, then time retrieve(k=5) for the same questions. "
               "Single-machine figures, not a cluster's.", STORES_EXAMPLES),
    "load": ("many concurrent API clients against the chat; p50/p95 latency",
             "Ask questions through /ask from many clients at once and check every reply. "
             "Without URL, serves --articles/--index (default: the seeds) in a child process "
             "first. Exits 1 when any reply failed or was wrong.", LOAD_EXAMPLES),
    "indexing": ("full build, no-change build, add and remove one article",
                 "Time index maintenance with the real model: a full build of ARTICLES into "
                 "WORK/index, a build with nothing changed, adding one new article in the warm "
                 "process (counting what the model embeds) and with `rag add` from a cold "
                 "start, removing it; plus the size on disk. Writes WORK/results.json.",
                 INDEXING_EXAMPLES),
    "corroboration": ("how often answers are corroborated by other outlets",
                      "Answer every question of a quiz file over an existing index, "
                      "corroborate each answer, report the share of answer sentences reported "
                      "by 2+ outlets and print a sample of corroborations to check by hand.",
                      CORROBORATION_EXAMPLES),
    "answers": ("every answer of a quiz file written down, to compare before and after",
                "Answer every question of QUESTIONS (JSON lines with a question, and its date "
                "when it has one) over an index, with the settings given, and write one JSON "
                "line per answer to --out: text, citations, short answer, each sentence's "
                "supporting and conflicting citations, disagreements, wall and CPU time.",
                ANSWERS_EXAMPLES),
    "answers-diff": ("two `answers` files compared: which answers changed, and how",
                     "Match the answers of two `rag-bench answers` files by question and "
                     "count those identical in text, citations, short answer, corroboration "
                     "and disagreements; list the others. Exits 1 when any answer differs.",
                     ANSWERS_DIFF_EXAMPLES),
}


def make_parser() -> argparse.ArgumentParser:
    from rag.app.cli import add_setting_flags

    from .load import CLIENTS

    parser = argparse.ArgumentParser(prog="rag-bench", description=DESCRIPTION,
                                     formatter_class=_ExamplesAsTyped)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    perf, scale, backends, stores, load, indexing, corro, answers, answers_diff = (
        commands.add_parser(name, help=line, description=description, epilog=examples,
                            formatter_class=_ExamplesAsTyped)
        for name, (line, description, examples) in SUBCOMMANDS.items())

    add_setting_flags(perf, "articles_dir", "embed_backend", "query_backend")
    perf.add_argument("--questions", metavar="FILE",
                      help="questions, one per line or JSON lines with a 'question' field "
                           "(default: a built-in list of 20 news questions)")
    perf.add_argument("--built", metavar="INDEX",
                      help="an index of the articles built before: skip the raw and build "
                           "figures and measure latency, memory and cold start on it (read only)")

    scale.add_argument("sizes", metavar="N", type=int, nargs="+", help="passage counts")
    scale.add_argument("--no-bm25", action="store_true", help="vectors only")

    backends.add_argument("beir_dir", metavar="BEIR_DIR",
                          help="corpus.jsonl, queries.jsonl, qrels/test.tsv")

    stores.add_argument("passages", metavar="N", type=int, help="about this many passages")
    stores.add_argument("--only", choices=("embedded", "milvus"), help="one backend")

    add_setting_flags(load, "articles_dir", "index_dir", "auth")
    load.add_argument("url", nargs="?", help="a running chat, e.g. http://127.0.0.1:7860/")
    load.add_argument("--clients", type=int, default=20, help="concurrent clients (default 20)")
    load.add_argument("--total", type=int, default=100, help="questions in all (default 100)")
    load.add_argument("--client", choices=CLIENTS, default="http",
                      help="how each client asks: http (Gradio's REST API with httpx, light) or "
                           "gradio (a gradio_client.Client, ~120 ms of CPU a question)")
    load.add_argument("--questions", metavar="FILE",
                      help="JSON lines with question and expect (default: seed questions)")

    indexing.add_argument("articles", metavar="ARTICLES",
                          help="articles directory or .jsonl collection")
    indexing.add_argument("--work", metavar="DIR", default="/tmp/bench-index",
                          help="where to build (default: /tmp/bench-index)")
    indexing.add_argument("--new", metavar="FILE",
                          help="the article to add incrementally (default: a seed article "
                               "that is not in news-dev)")
    indexing.add_argument("--built", metavar="INDEX",
                          help="an index of ARTICLES built before: copy it instead of the "
                               "full build, to re-measure adding and removing in minutes")

    add_setting_flags(corro, "articles_dir", "index_dir")
    corro.add_argument("questions", metavar="QUESTIONS", help="questions.jsonl (news-dev format)")
    corro.add_argument("--out", metavar="DIR", default="corroboration-bench",
                       help="where to write corroborations.jsonl and sample.jsonl")
    corro.add_argument("--limit", type=int, help="only the first N questions")
    corro.add_argument("--offset", type=int, default=0, help="skip the first N questions")
    corro.add_argument("--calibrate", type=float, metavar="FLOOR",
                       help="also write every candidate pair above this similarity")
    corro.add_argument("--labels", metavar="FILE",
                       help="with --calibrate: pairs judged by hand (JSON lines with key and "
                            "same_fact); prints precision and recall per similarity threshold and "
                            "number of shared words")

    add_setting_flags(answers, "articles_dir", "index_dir")
    answers.add_argument("questions", metavar="QUESTIONS",
                         help="JSON lines with a question (news-dev's questions.jsonl)")
    answers.add_argument("--out", metavar="FILE", required=True,
                         help="where to write the answers (JSON lines)")
    answers.add_argument("--every", type=int, default=1, metavar="N",
                         help="only every Nth question (default: all)")
    answers_diff.add_argument("before", metavar="BEFORE", help="an `answers` file")
    answers_diff.add_argument("after", metavar="AFTER", help="an `answers` file")

    for command in (perf, scale, backends, stores, load, indexing, corro, answers_diff):
        command.add_argument("--json", action="store_true", help="print the result as JSON")
    return parser


def _log(command: str):
    """A progress logger: ``rag-bench COMMAND: message`` on stderr."""
    def log(message: str) -> None:
        print(f"rag-bench {command}: {message}", file=sys.stderr, flush=True)
    return log


def perf(args, settings) -> int:
    """``rag-bench perf``: a progress bar only on a terminal and without --json."""
    from .perf import format_bench, load_questions, run_bench

    questions = load_questions(args.questions) if args.questions else None
    result = run_bench(settings, questions=questions, log=_log("perf"),
                       progress=not args.json and sys.stderr.isatty(),
                       built=Path(args.built) if args.built else None)
    print(json.dumps(result, indent=2) if args.json else format_bench(result))
    return 0


def scale(args, settings) -> int:
    """``rag-bench scale``: the vector index policy (flat up to a size, then IVF) as
    the settings say."""
    from rag.index.vectors import VectorIndexPolicy

    from .scale import format_scale, run_scale_bench

    rows = run_scale_bench(args.sizes, bm25=not args.no_bm25, log=_log("scale"),
                           policy=VectorIndexPolicy.from_settings(settings))
    print(json.dumps(rows, indent=2) if args.json else format_scale(rows))
    return 0


def backends(args, settings) -> int:
    """``rag-bench backends``: every backend, torch first (the reference)."""
    from .backends import compare_backends, format_backends

    rows = compare_backends(args.beir_dir, settings, log=_log("backends"))
    print(json.dumps(rows, indent=2) if args.json else format_backends(rows))
    return 0


def stores(args, settings) -> int:
    """``rag-bench stores``: both backends unless ``--only``."""
    from .stores import format_stores, run_stores_bench

    rows = run_stores_bench(args.passages, log=_log("stores"),
                            backends=(args.only,) if args.only else ("embedded", "milvus"))
    print(json.dumps(rows, indent=2) if args.json else format_stores(rows))
    return 0


def load(args, settings) -> int:
    """``rag-bench load``: exit status 1 when any reply failed or was wrong."""
    import contextlib

    from .load import load_questions, run_load, served

    questions = load_questions(args.questions) if args.questions else None
    auth = tuple(settings.auth.split(":", 1)) if settings.auth else None
    if args.url:
        server = contextlib.nullcontext(args.url)
    else:
        from rag.engine import Engine

        if summary := Engine(settings).ensure_index(progress=False):
            print(summary, file=sys.stderr)
        server = served(settings)
    with server as url:
        result = run_load(url, questions, clients=args.clients, total=args.total, auth=auth,
                          client=args.client)
    print(result.to_json() if args.json else result)
    return 0 if result.correct == result.requests else 1


def indexing(args, settings) -> int:
    """``rag-bench indexing``: also writes ``WORK/results.json``."""
    from .indexing import DEFAULT_NEW, run, table

    built = Path(args.built).resolve() if args.built else None
    new = Path(args.new).resolve() if args.new else DEFAULT_NEW
    result = run(Path(args.articles).resolve(), Path(args.work).resolve(), new, built)
    print(json.dumps(result, indent=2) if args.json else table(result))
    return 0


def corroboration(args, settings) -> int:
    """``rag-bench corroboration``: over the index of ``settings`` as it is."""
    from rag.engine import Engine

    from .corroboration import (
        format_corroboration_bench,
        format_threshold_table,
        load_labels,
        run_corroboration_bench,
    )

    if args.labels and args.calibrate is None:
        raise SystemExit("rag-bench: --labels needs --calibrate FLOOR (the pairs to judge)")
    result = run_corroboration_bench(
        Engine(settings), args.questions, args.out, limit=args.limit, offset=args.offset,
        calibrate_floor=args.calibrate, labels=load_labels(args.labels) if args.labels else None,
        log=_log("corroboration"))
    print(json.dumps(result, indent=2, ensure_ascii=False) if args.json
          else format_corroboration_bench(result))
    if args.labels and not args.json:
        print("\nOn the labelled pairs:\n" + format_threshold_table(result["thresholds"]))
    return 0


def answers(args, settings) -> int:
    """``rag-bench answers``: over the index of ``settings`` as it is."""
    from rag.app.answer_evaluation import load_questions
    from rag.engine import Engine

    from .answers import dump_answers

    if args.every < 1:
        raise ValueError(f"--every must be 1 or more, not {args.every}")
    questions = load_questions(Path(args.questions))[::args.every]
    n = dump_answers(Engine(settings), questions, Path(args.out), log=_log("answers"))
    print(f"{n} answers written to {args.out}")
    return 0


def answers_diff(args, settings) -> int:
    """``rag-bench answers-diff``: exit status 1 when any answer differs."""
    from .answers import compare, format_compare, load_records

    result = compare(load_records(Path(args.before)), load_records(Path(args.after)))
    print(json.dumps(result, indent=2, ensure_ascii=False) if args.json
          else format_compare(result))
    return 0 if result["same"]["all"] == result["compared"] else 1


COMMANDS = {"perf": perf, "scale": scale, "backends": backends, "stores": stores, "load": load,
            "indexing": indexing, "corroboration": corroboration, "answers": answers,
            "answers-diff": answers_diff}


def main(argv: list[str] | None = None) -> int:
    from rag.app.cli import settings_from_args
    from rag.index.locking import IndexBusy
    from rag.index.store import IndexError_

    args = make_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args, settings_from_args(args))
    except (IndexError_, IndexBusy, FileNotFoundError, ValueError) as exc:
        print(f"rag-bench: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
