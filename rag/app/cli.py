"""The ``rag`` command line: build the index, ask questions, serve the chat.

Only wiring lives here: flags become :class:`Settings`, which go to an
:class:`Engine`; the work happens in the library.
"""

from __future__ import annotations

import argparse
import json
import sys

from ..settings import GROUPS, Loaded, SettingError, Settings, load, specs
from .config import COMMAND_SETTINGS, offered, shown_default

# Raw: the backslashes below are shell line continuations, shown as typed.
EXAMPLES = r"""examples:
  rag build                              index seeds/ into index/ (only new/changed articles)
  rag build --full                       re-embed every article
  rag build --articles ~/news --index ~/news-index
  rag add ~/Downloads/story.html         index one more file now
  rag remove 004_30dc108169a15181        drop an article (by id) from the index
  rag ask "Who decided not to use its veto?"
  rag ask --json -k 3 "How did Netanyahu react?"
  rag ask --mode local "How did Netanyahu react?"   answer with the local model ([llm] extra)
  rag ask --as-of 2024-03-26 "What did the Security Council demand?"
                                         favour stories published near that date
  rag ask --source "The Independent" --date-from 2024-03-01 "How did Netanyahu react?"
                                         only that outlet's articles from that date on
  rag eval-answers --questions benchmarks/seed_questions.jsonl --modes extractive local --table
  rag eval-answers --index /tmp/news-index --questions ../shared/eval/news-dev/questions.jsonl \
            --sweep
                                         gold answers, abstention, latency; threshold sweep
  rag status
  rag config                             every setting: value, where it came from, flag, env
  rag serve --port 7860                  web chat on http://127.0.0.1:7860
  RAG_AUTH=ann:s3cret rag serve --host 0.0.0.0   shared on the network, login required
  rag loadtest --clients 20 --total 100  serve the seeds, 20 concurrent API clients, p50/p95
  rag bench --articles ../shared/eval/news-dev/articles.jsonl \
            --questions ../shared/eval/news-dev/questions.jsonl
                                         build speed, query latency, memory, cold start
  rag bench --backends ../shared/eval/scifact
                                         torch vs ONNX vs int8: speed and nDCG@10
  rag corroborate-bench --index /tmp/news-index ../shared/eval/news-dev/questions.jsonl
                                         share of answers reported by 2+ outlets
  rag bench --scale 10000 100000 1000000 --json
                                         vector index + BM25 on synthetic passages
  rag eval beir ../shared/eval/scifact   nDCG@10 / Recall@100 on BEIR-format data
  rag eval news ../shared/eval/news-dev --json --method bm25
"""


def _iso_day(value: str) -> str | None:
    """Type of the YYYY-MM-DD flags: a malformed date stops at once with a
    clear message instead of filtering wrongly later."""
    from ..text.dates import given_day

    try:
        day = given_day(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return day and day.isoformat()


def _add_settings(parser: argparse.ArgumentParser, *wanted: str) -> None:
    """Flags for these settings (groups or names; see ``COMMAND_SETTINGS``),
    one help section per group. Values stay text here: the settings check
    them, with the same message as for the environment."""
    sections = {}
    for spec in offered(*wanted):
        if spec.group not in sections:
            sections[spec.group] = parser.add_argument_group(
                f"{spec.group} settings", GROUPS[spec.group].replace("`", ""))
        extra = {"action": argparse.BooleanOptionalAction} if spec.kind is bool else \
            {"metavar": spec.metavar}
        sections[spec.group].add_argument(
            spec.flag, *spec.aliases, dest=spec.name, default=None,
            help=f"{spec.summary} (default: {shown_default(spec)}; env {spec.env})"
            .replace("%", "%%"), **extra)


def _command(commands, name: str, help: str, **options) -> argparse.ArgumentParser:
    """A subcommand with the flags of its settings (``COMMAND_SETTINGS``)."""
    parser = commands.add_parser(name, help=help, **options)
    _add_settings(parser, *COMMAND_SETTINGS[name])
    return parser


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rag", description="Cited answers from a collection of news articles.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    build = _command(
        commands, "build", "index the articles directory (incrementally)",
        description="Bring the index up to date with the articles directory: embed new and "
                    "changed articles, drop removed ones. Reads .txt, .md, .html and .jsonl; "
                    "lists every skipped file.")
    build.add_argument("--full", action="store_true", help="re-embed every article")
    build.add_argument("--quiet", action="store_true", help="no progress bar")

    add = _command(commands, "add", "index article files now",
                   description="Index these files (.txt, .md, .html, .jsonl) without "
                               "scanning the articles directory.")
    add.add_argument("files", nargs="+", metavar="FILE")
    add.add_argument("--quiet", action="store_true", help="no progress bar")

    remove = _command(commands, "remove", "remove articles from the index by id",
                      description="Remove articles from the index by id: the file name "
                                  "without its extension, or the id of a .jsonl record (a "
                                  "hit's article_id).")
    remove.add_argument("ids", nargs="+", metavar="ARTICLE_ID")

    ask = _command(commands, "ask", "answer a question with citations",
                   description="Answer a question with citations. The first run builds a "
                               "missing index from the articles directory.")
    ask.add_argument("question")
    ask.add_argument("--json", action="store_true", help="print the answer as JSON")
    _add_filter_flags(ask)

    evaluate = commands.add_parser(
        "eval-answers", help="measure answers against gold answers, per answer mode",
        description="Answer every question of a JSON-lines file (question, answers, "
                    "answer_in_corpus; optionally articles, kind) and report the share of "
                    "answerable questions whose answer contains a gold answer, abstentions "
                    "on unanswerable ones and the median latency, per mode.")
    _add_settings(evaluate, "articles_dir", "index_dir")
    evaluate.add_argument("--questions", metavar="FILE", required=True)
    evaluate.add_argument("--modes", nargs="+", choices=("extractive", "local"),
                          default=["extractive"], help="answer modes to measure")
    evaluate.add_argument("--sample", type=int, metavar="N",
                          help="only N questions spread over the file (the sweep uses all)")
    evaluate.add_argument("--answerable", action="store_true",
                          help="only the questions whose answer is in the articles")
    evaluate.add_argument("--sweep", action="store_true",
                          help="also sweep the extractive abstention threshold")
    evaluate.add_argument("--table", action="store_true",
                          help="also print one row per question (what each mode answered)")
    evaluate.add_argument("-k", type=int, help="passages per question (default: 5)")

    status = _command(commands, "status", "what the index holds and whether it is stale")
    status.add_argument("--json", action="store_true", help="print the status as JSON")

    bench = commands.add_parser(
        "bench", help="measure build speed, latency, memory (or scaling with --scale)",
        description="Benchmark a collection (built into a temporary index; yours is "
                    "untouched), or with --scale the vector and BM25 indexes on synthetic "
                    "passages. Timings depend on machine load, which is reported.")
    bench.add_argument("--questions", metavar="FILE",
                       help="questions, one per line or JSON lines with a 'question' field "
                            "(default: a built-in list of 20 news questions)")
    bench.add_argument("--scale", metavar="N", type=int, nargs="+",
                       help="synthetic benchmark at these passage counts instead")
    bench.add_argument("--backends", metavar="BEIR_DIR",
                       help="compare the embedding backends (speed, nDCG@10) on a BEIR "
                            "data set such as ../shared/eval/scifact instead")
    bench.add_argument("--no-bm25", action="store_true", help="with --scale: vectors only")
    bench.add_argument("--json", action="store_true", help="print the result as JSON")
    _add_settings(bench, "articles_dir", "embed_backend")

    corro = commands.add_parser(
        "corroborate-bench", help="how often answers are corroborated by other outlets",
        description="Answer every question of a quiz file, corroborate each answer, report "
                    "the share of answer sentences reported by 2+ outlets and print a sample "
                    "of corroborations to check by hand.")
    _add_settings(corro, "articles_dir", "index_dir")
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
    corro.add_argument("--json", action="store_true", help="print the result as JSON")

    _command(commands, "serve", "start the web chat",
             description="Serve the chat (python app.py does the same). The index is built "
                         "first if it is missing or stale.")

    config = _command(
        commands, "config", "every setting: its value, where it came from, flag and env",
        description="Print every setting, grouped, with its value, where the value came from "
                    "(default, env VARIABLE or flag --FLAG), its flag and its environment "
                    "variable. Takes every setting's flag, to show what a command would use. "
                    "The login is masked. docs/configuration.md describes them all.")
    config.add_argument("--json", action="store_true", help="print the settings as JSON")
    config.add_argument("--docs", action="store_true",
                        help="print the settings reference (docs/configuration.md) instead")

    load = commands.add_parser(
        "loadtest", help="many concurrent API clients against the chat; p50/p95 latency",
        description="Ask questions through /ask from many clients at once and check every "
                    "reply. Without URL, serves --articles/--index (default: the seeds) in a "
                    "child process first.")
    _add_settings(load, "articles_dir", "index_dir", "auth")
    load.add_argument("url", nargs="?", help="a running chat, e.g. http://127.0.0.1:7860/")
    load.add_argument("--clients", type=int, default=20, help="concurrent clients (default 20)")
    load.add_argument("--total", type=int, default=100, help="questions in all (default 100)")
    load.add_argument("--questions", metavar="FILE",
                      help="JSON lines with question and expect (default: seed questions)")
    load.add_argument("--json", action="store_true", help="print the result as JSON")
    evaluate = _command(
        commands, "eval", "measure retrieval quality on a data directory",
        description="Index a benchmark directory into a scratch index and measure retrieval: "
                    "`beir` (corpus.jsonl, queries.jsonl, qrels/test.tsv) reports nDCG@10 "
                    "and Recall@100; `news` (articles.jsonl, questions.jsonl) reports AR@1/5/10, "
                    "MRR@10 and the mean passage length in tokens.",
        epilog="examples:\n  rag eval beir ../shared/eval/scifact\n"
               "  rag eval news ../shared/eval/news-dev --json --method dense\n"
               "  rag eval news DIR --fusion rrf --article-weight 0 --cache /tmp/emb\n"
               "  rag eval news DIR --recency-weight 0     (no preference for recent stories)",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    evaluate.add_argument("format", choices=["beir", "news"], help="data format")
    evaluate.add_argument("data", metavar="DIR", help="data directory")
    evaluate.add_argument("--json", action="store_true", help="print one JSON object")
    evaluate.add_argument("--quiet", action="store_true", help="no progress bar")
    evaluate.add_argument("--no-question-dates", action="store_true",
                          help="news: ignore the questions' dates (ask every question as of "
                               "the newest article's date)")
    _add_filter_flags(evaluate)
    for command in commands.choices.values():
        _usage_without_settings(command)
    return parser


def _usage_without_settings(parser: argparse.ArgumentParser) -> None:
    """``usage: rag ask [settings] [-h] [--json] ... question``: the setting
    flags are listed in the help's settings sections, not in one long usage."""
    own = [action for action in parser._actions if action.dest not in specs()]
    if len(own) < len(parser._actions):
        formatter = parser._get_formatter()
        formatter.add_usage(None, own, [], prefix="")
        parser.usage = formatter.format_help().strip().replace(
            parser.prog, f"{parser.prog} [settings]", 1)


def _add_filter_flags(parser: argparse.ArgumentParser) -> None:
    """Which articles may answer (``rag ask``, ``rag eval``)."""
    parser.add_argument("--source", action="append", dest="sources", metavar="SOURCE",
                        help="only articles from this source (repeatable)")
    parser.add_argument("--date-from", metavar="YYYY-MM-DD", type=_iso_day,
                        help="only articles from this date")
    parser.add_argument("--date-to", metavar="YYYY-MM-DD", type=_iso_day,
                        help="only articles up to this date")


def load_from_args(args: argparse.Namespace) -> Loaded:
    """Settings from the environment and the flags given, with where each came from."""
    return load(flags={spec: value for spec, value in vars(args).items() if value is not None})


def settings_from_args(args: argparse.Namespace) -> Settings:
    return load_from_args(args).settings


def run_eval(args: argparse.Namespace, settings: Settings) -> None:
    """``rag eval``: measure, then print a table (or JSON) on stdout."""
    from .evaluation import evaluate_beir, evaluate_news

    evaluate = evaluate_beir if args.format == "beir" else evaluate_news
    options = {"sources": args.sources, "date_from": args.date_from, "date_to": args.date_to}
    extra = {"question_dates": not args.no_question_dates} if args.format == "news" else {}
    report = evaluate(args.data, settings, progress=not args.quiet,
                      options={k: v for k, v in options.items() if v}, **extra)
    if args.json:
        print(json.dumps(report.to_json()))
    else:
        print(report.to_table(f"rag eval {args.format} {args.data}"))


def show_config(args: argparse.Namespace, loaded: Loaded) -> int:
    """``rag config``: every setting, or (``--docs``) the settings reference."""
    from .config import config_json, config_table, reference

    if args.docs:
        print(reference(), end="")
    elif args.json:
        print(json.dumps(config_json(loaded), indent=2))
    else:
        print(config_table(loaded))
    return 0


def serve(settings: Settings) -> None:
    """Build the index if missing or stale, then serve the chat (blocks)."""
    import os

    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    from ..engine import Engine
    from .ui import build_ui, launch_kwargs

    kwargs = launch_kwargs(settings)  # fails fast on a malformed --auth
    engine = Engine(settings)
    if summary := engine.ensure_index():
        print(summary, file=sys.stderr)
    engine.warm_up()
    build_ui(engine).launch(**kwargs)


def bench(args: argparse.Namespace, settings: Settings) -> int:
    """``rag bench``: progress on stderr, the table or JSON on stdout."""
    from ..index.vectors import VectorIndexPolicy
    from .bench import bench as benchmarks

    def log(message: str) -> None:
        print(f"bench: {message}", file=sys.stderr, flush=True)

    if args.backends:
        rows = benchmarks.compare_backends(args.backends, ("torch", "onnx", "onnx-int8"),
                                           settings, log=log)
        print(json.dumps(rows, indent=2) if args.json else benchmarks.format_backends(rows))
        return 0
    if args.scale:
        rows = benchmarks.run_scale_bench(args.scale, bm25=not args.no_bm25, log=log,
                                          policy=VectorIndexPolicy.from_settings(settings))
        print(json.dumps(rows, indent=2) if args.json else benchmarks.format_scale(rows))
        return 0
    questions = benchmarks.load_questions(args.questions) if args.questions else None
    result = benchmarks.run_bench(settings, questions=questions, log=log,
                                  progress=not args.json and sys.stderr.isatty())
    print(json.dumps(result, indent=2) if args.json else benchmarks.format_bench(result))
    return 0


def loadtest(args: argparse.Namespace, settings: Settings) -> int:
    """``rag loadtest``: exit status 1 when any reply failed or was wrong."""
    import contextlib

    from .bench import loadtest as load

    questions = load.load_questions(args.questions) if args.questions else None
    auth = tuple(settings.auth.split(":", 1)) if settings.auth else None
    if args.url:
        server = contextlib.nullcontext(args.url)
    else:
        from ..engine import Engine

        if summary := Engine(settings).ensure_index(progress=False):
            print(summary, file=sys.stderr)
        server = load.served(settings)
    with server as url:
        result = load.run_load(url, questions, clients=args.clients, total=args.total,
                               auth=auth)
    print(result.to_json() if args.json else result)
    return 0 if result.correct == result.requests else 1


def eval_answers(args: argparse.Namespace, settings: Settings) -> int:
    """``rag eval-answers``: progress on stderr, Markdown tables on stdout."""
    from ..answering.extractive import Answerer
    from ..engine import Engine
    from .bench import answer_eval

    def log(message: str) -> None:
        print(f"eval: {message}", file=sys.stderr, flush=True)

    engine = Engine(settings)
    questions = answer_eval.load_questions(args.questions)
    if args.answerable:
        questions = [q for q in questions if q.get("answer_in_corpus", True)]
    results, sweep, chosen = [], None, None
    for mode in args.modes:
        chosen_questions = answer_eval.sample(questions, args.sample)
        results.append(answer_eval.evaluate(engine, chosen_questions, mode, k=args.k, log=log))
    if args.sweep:
        log("sweep: answering again without abstention")
        never = Engine(settings.replace(abstain_below=-1.0), embedder=engine.embedder)
        never.answerer = Answerer(never.settings, never.retriever, engine.embedder,
                                  vector_cache=engine.answerer.vector_cache)
        unthresholded = answer_eval.evaluate(never, questions, "extractive", k=args.k, log=log)
        thresholds = [round(0.20 + 0.025 * i, 3) for i in range(25)]
        sweep = answer_eval.sweep_thresholds(unthresholded, thresholds)
        chosen = answer_eval.choose_threshold(sweep)
    print(answer_eval.format_report([r.summary() for r in results], sweep, chosen,
                                    settings.abstain_below))
    if args.table:
        index = engine.retriever.index
        label = lambda article_id: (index.articles[article_id].source  # noqa: E731
                                    or article_id) if article_id in index.articles else article_id
        print()
        print(answer_eval.format_table(results, label))


def corroborate_bench(args: argparse.Namespace, engine) -> int:
    """``rag corroborate-bench``: progress on stderr, summary and sample on stdout."""
    from .bench.corroboration_bench import (
        format_corroboration_bench,
        format_threshold_table,
        load_labels,
        run_corroboration_bench,
    )

    if args.labels and args.calibrate is None:
        raise SystemExit("rag: --labels needs --calibrate FLOOR (the pairs to judge)")
    result = run_corroboration_bench(
        engine, args.questions, args.out, limit=args.limit, offset=args.offset,
        calibrate_floor=args.calibrate, labels=load_labels(args.labels) if args.labels else None,
        log=lambda m: print(f"corroborate-bench: {m}", file=sys.stderr, flush=True))
    print(json.dumps(result, indent=2, ensure_ascii=False) if args.json
          else format_corroboration_bench(result))
    if args.labels and not args.json:
        print("\nOn the labelled pairs:\n" + format_threshold_table(result["thresholds"]))
    return 0


def main(argv: list[str] | None = None) -> int:
    args = make_parser().parse_args(argv)
    _log_warnings_to_stderr()
    try:
        loaded = load_from_args(args)
    except SettingError as exc:
        print(f"rag: {exc}", file=sys.stderr)
        return 2
    settings = loaded.settings
    if args.command == "config":
        return show_config(args, loaded)
    from ..engine import Engine
    from ..index.locking import IndexBusy
    from ..index.store import IndexError_

    try:
        if args.command == "serve":
            serve(settings)
            return 0
        if args.command == "bench":
            return bench(args, settings)
        if args.command == "loadtest":
            return loadtest(args, settings)
        if args.command == "eval-answers":
            return eval_answers(args, settings)
        if args.command == "eval":
            run_eval(args, settings)
            return 0
        engine = Engine(settings)
        if args.command == "corroborate-bench":
            return corroborate_bench(args, engine)
        if args.command == "build":
            print(engine.build(full=args.full, progress=not args.quiet))
        elif args.command == "add":
            summary = engine.add(args.files, progress=not args.quiet)
            print(summary)
            if summary.skipped:
                return 1
        elif args.command == "remove":
            summary = engine.remove(args.ids)
            print(summary)
            if summary.not_found:
                return 1
        elif args.command == "status":
            from ..index.builder import format_status

            status = engine.status()
            print(json.dumps(status, indent=2) if args.json else format_status(status))
        elif args.command == "ask":
            engine.build_if_missing()  # a first run answers, as the chat and the API do
            reply = engine.answer(args.question, sources=args.sources or (),
                                  date_from=args.date_from, date_to=args.date_to)
            for note in reply.notes:
                print(f"rag: note: {note}", file=sys.stderr)
            print(reply.to_json() if args.json else reply.to_markdown())
    except (IndexError_, IndexBusy, FileNotFoundError, ValueError) as exc:
        print(f"rag: {exc}", file=sys.stderr)
        return 2
    return 0


def _log_warnings_to_stderr() -> None:
    """Warnings of the library (skipped files, waiting for a lock) go to stderr."""
    import logging

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("rag: warning: %(message)s"))
    logger = logging.getLogger("rag")
    logger.addHandler(handler)
    logger.setLevel(logging.WARNING)
    logger.propagate = False


if __name__ == "__main__":
    sys.exit(main())
