"""The ``rag`` command line: build the index, ask questions, serve the chat.

Only wiring lives here: flags become :class:`Settings`, which go to an
:class:`Engine`; the work happens in the library.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict

from ..settings import Settings

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
  rag status
  rag serve --port 7860                  web chat on http://127.0.0.1:7860
  RAG_AUTH=ann:s3cret rag serve --host 0.0.0.0   shared on the network, login required
  rag eval news ~/my-news-eval           retrieval: do the top passages hold the gold answers?
  rag eval beir ~/beir/scifact --json    nDCG@10 / Recall@100 on BEIR-format data
  rag eval answers ~/my-news-eval/questions.jsonl --index ~/news-index \
            --modes extractive local --table
                                         answers: gold answers, abstention, latency per mode
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


def _add_collection_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--articles", metavar="DIR", help="articles directory (default: seeds/)")
    parser.add_argument("--index", metavar="DIR", help="index directory (default: index/)")


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rag", description="Cited answers from a collection of news articles.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    build = commands.add_parser(
        "build", help="index the articles directory (incrementally)",
        description="Bring the index up to date with the articles directory: embed new and "
                    "changed articles, drop removed ones. Reads .txt, .md, .html and .jsonl; "
                    "lists every skipped file.")
    _add_collection_flags(build)
    build.add_argument("--full", action="store_true", help="re-embed every article")
    build.add_argument("--quiet", action="store_true", help="no progress bar")

    add = commands.add_parser("add", help="index article files now",
                              description="Index these files (.txt, .md, .html, .jsonl) "
                                          "without scanning the articles directory.")
    _add_collection_flags(add)
    add.add_argument("files", nargs="+", metavar="FILE")
    add.add_argument("--quiet", action="store_true", help="no progress bar")

    remove = commands.add_parser("remove", help="remove articles from the index by id",
                                 description="Remove articles from the index by id: the file "
                                             "name without its extension, or the id of a "
                                             ".jsonl record (a hit's article_id).")
    _add_collection_flags(remove)
    remove.add_argument("ids", nargs="+", metavar="ARTICLE_ID")

    ask = commands.add_parser("ask", help="answer a question with citations")
    _add_collection_flags(ask)
    ask.add_argument("question")
    ask.add_argument("-k", type=int, help="passages to retrieve (default: 5)")
    ask.add_argument("--json", action="store_true", help="print the answer as JSON")
    ask.add_argument("--as-of", metavar="YYYY-MM-DD", type=_iso_day,
                     help="the date the question is asked from: stories near it rank higher "
                          "(default: the newest article's date, at most today)")
    ask.add_argument("--mode", choices=("extractive", "local"),
                     help="extractive quotes (default) or the local model ([llm] extra)")
    _add_filter_flags(ask)

    status = commands.add_parser("status", help="what the index holds and whether it is stale")
    _add_collection_flags(status)
    status.add_argument("--json", action="store_true", help="print the status as JSON")

    serve = commands.add_parser("serve", help="start the web chat")
    add_serve_flags(serve)

    evaluation = commands.add_parser(
        "eval", help="measure retrieval or answers on your own data",
        description="Measure on data of your own:\n"
                    "  rag eval beir DIR, rag eval news DIR   retrieval, over a scratch index "
                    "of DIR\n"
                    "  rag eval answers FILE                  answers, from an index you "
                    "built\n"
                    "Each has its own --help.",
        epilog="examples:\n  rag eval beir ~/beir/scifact\n"
               "  rag eval news ~/my-news-eval --json --method dense\n"
               "  rag eval news DIR --fusion rrf --article-weight 0 --cache /tmp/emb\n"
               "  rag eval news DIR --recency-weight 0     (no preference for recent stories)\n"
               "  rag eval answers ~/my-news-eval/questions.jsonl --index ~/news-index --sweep",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    formats = evaluation.add_subparsers(dest="format", required=True, metavar="FORMAT")
    evaluate = argparse.ArgumentParser(add_help=False)  # what `rag eval beir|news` take
    evaluate.add_argument("data", metavar="DIR", help="data directory")
    evaluate.add_argument("--json", action="store_true", help="print one JSON object")
    evaluate.add_argument("--quiet", action="store_true", help="no progress bar")
    evaluate.add_argument("--cache", metavar="DIR",
                          help="cache passage embeddings here between runs")
    add_retrieval_flags(evaluate)
    evaluate.add_argument("--no-question-dates", action="store_true",
                          help="news: ignore the questions' dates (ask every question as of "
                               "the newest article's date)")
    evaluate.add_argument("--chunk-tokens", type=int, help="passage size in tokens")
    evaluate.add_argument("--chunk-overlap-tokens", type=int, help="overlap between passages")
    formats.add_parser(
        "beir", parents=[evaluate], help="retrieval on BEIR data: nDCG@10, Recall@100",
        description="Index a BEIR directory (corpus.jsonl, queries.jsonl, qrels/test.tsv) into "
                    "a scratch index and report nDCG@10 and Recall@100.")
    formats.add_parser(
        "news", parents=[evaluate], help="retrieval on news articles and questions: AR@k, MRR",
        description="Index a news directory (articles.jsonl, questions.jsonl with question and "
                    "answers) into a scratch index and report AR@1/5/10 (the share of questions "
                    "whose top passages hold a gold answer), MRR@10 and the mean passage "
                    "length in tokens.")
    answers = formats.add_parser(
        "answers", help="answers against gold answers, per answer mode",
        description=EVAL_ANSWERS_DESCRIPTION)
    answers.add_argument("questions", metavar="QUESTIONS_FILE")
    _add_answer_eval_flags(answers)

    # `rag eval-answers --questions FILE`, before `rag eval answers FILE`: hidden
    # (no help), says it is deprecated.
    old_answers = commands.add_parser("eval-answers", description=EVAL_ANSWERS_DESCRIPTION)
    old_answers.add_argument("--questions", metavar="FILE", required=True)
    _add_answer_eval_flags(old_answers)
    return parser


EVAL_ANSWERS_DESCRIPTION = (
    "Answer every question of a JSON-lines file (question, answers, answer_in_corpus; "
    "optionally articles, kind, date) with the index and report the share of answerable "
    "questions whose answer contains a gold answer, abstentions on unanswerable ones and the "
    "median latency, per mode.")


def _add_answer_eval_flags(parser: argparse.ArgumentParser) -> None:
    """The options of ``rag eval answers``."""
    _add_collection_flags(parser)
    parser.add_argument("--modes", nargs="+", choices=("extractive", "local"),
                        default=["extractive"], help="answer modes to measure")
    parser.add_argument("--sample", type=int, metavar="N",
                        help="only N questions spread over the file (the sweep uses all)")
    parser.add_argument("--answerable", action="store_true",
                        help="only the questions whose answer is in the articles")
    parser.add_argument("--sweep", action="store_true",
                        help="also sweep the extractive abstention threshold")
    parser.add_argument("--table", action="store_true",
                        help="also print one row per question (what each mode answered)")
    parser.add_argument("-k", type=int, help="passages per question (default: 5)")
    parser.add_argument("--json", action="store_true",
                        help="print the summaries (and the sweep) as one JSON object")


def add_retrieval_flags(parser: argparse.ArgumentParser) -> None:
    """Retrieval options (defaults: the settings, see README "Retrieval quality")."""
    parser.add_argument("--method", choices=["hybrid", "dense", "bm25"],
                        help="retriever (default: hybrid)")
    parser.add_argument("--fusion", choices=["convex", "rrf"], help="hybrid fusion")
    parser.add_argument("--dense-weight", type=float, help="dense share in convex fusion")
    parser.add_argument("--article-weight", type=float,
                        help="how much an article's relevance counts in its passages' scores")
    parser.add_argument("--candidates", type=int, help="passages each retriever proposes")
    parser.add_argument("--duplicate-above", type=float,
                        help="near-duplicate threshold (1 = keep duplicates)")
    parser.add_argument("--max-per-article", type=int, help="passages per article (0 = no cap)")
    parser.add_argument("--recency-weight", type=float,
                        help="how much closeness to the as-of date counts (0 = off)")
    parser.add_argument("--as-of", metavar="YYYY-MM-DD", type=_iso_day,
                        help="the date questions are asked from (default: the newest article's "
                             "date, at most today; `rag eval news`: each question's date)")
    parser.add_argument("--reranker", metavar="PATH", help="local CrossEncoder model directory")
    _add_filter_flags(parser)


def _add_filter_flags(parser: argparse.ArgumentParser) -> None:
    """Which articles may answer (``rag ask``, ``rag eval``)."""
    parser.add_argument("--source", action="append", dest="sources", metavar="SOURCE",
                        help="only articles from this source (repeatable)")
    parser.add_argument("--date-from", metavar="YYYY-MM-DD", type=_iso_day,
                        help="only articles from this date")
    parser.add_argument("--date-to", metavar="YYYY-MM-DD", type=_iso_day,
                        help="only articles up to this date")


def add_serve_flags(parser: argparse.ArgumentParser) -> None:
    """Flags shared by ``rag serve`` and ``python app.py``."""
    _add_collection_flags(parser)
    parser.add_argument("--host", help="interface to listen on (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port (default: 7860)")
    parser.add_argument("--auth", metavar="USER:PASSWORD",
                        help="require this login for the page and the API "
                             "(or set RAG_AUTH; prefer the variable, flags show in `ps`)")
    parser.add_argument("--no-uploads", dest="uploads", action="store_false", default=None,
                        help="do not let people add articles from the browser "
                             "(or set RAG_UPLOADS=0)")


def settings_from_args(args: argparse.Namespace) -> Settings:
    return Settings.from_env().replace(
        articles_dir=getattr(args, "articles", None), index_dir=getattr(args, "index", None),
        host=getattr(args, "host", None), port=getattr(args, "port", None),
        embed_backend=getattr(args, "backend", None),
        auth=getattr(args, "auth", None), uploads=getattr(args, "uploads", None),
        retrieval_method=getattr(args, "method", None), fusion=getattr(args, "fusion", None),
        dense_weight=getattr(args, "dense_weight", None),
        article_weight=getattr(args, "article_weight", None),
        candidates=getattr(args, "candidates", None),
        duplicate_above=getattr(args, "duplicate_above", None),
        max_per_article=getattr(args, "max_per_article", None),
        recency_weight=getattr(args, "recency_weight", None), as_of=getattr(args, "as_of", None),
        reranker_path=getattr(args, "reranker", None),
        embedding_cache_dir=getattr(args, "cache", None),
        chunk_tokens=getattr(args, "chunk_tokens", None),
        chunk_overlap_tokens=getattr(args, "chunk_overlap_tokens", None))


def run_eval(args: argparse.Namespace, settings: Settings) -> None:
    """``rag eval``: measure, then print a table (or JSON) on stdout."""
    from .evaluation import evaluate_beir, evaluate_news

    if args.format == "answers":
        return eval_answers(args, settings)

    evaluate = evaluate_beir if args.format == "beir" else evaluate_news
    options = {"sources": args.sources, "date_from": args.date_from, "date_to": args.date_to}
    extra = {"question_dates": not args.no_question_dates} if args.format == "news" else {}
    report = evaluate(args.data, settings, progress=not args.quiet,
                      options={k: v for k, v in options.items() if v}, **extra)
    if args.json:
        print(json.dumps(report.to_json()))
    else:
        print(report.to_table(f"rag eval {args.format} {args.data}"))


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


def eval_answers(args: argparse.Namespace, settings: Settings) -> None:
    """``rag eval answers``: progress on stderr, Markdown tables (or JSON) on stdout."""
    from ..engine import Engine
    from .answer_evaluation import evaluate_answers, load_questions

    questions = load_questions(args.questions)
    if args.answerable:
        questions = [q for q in questions if q.get("answer_in_corpus", True)]
    report = evaluate_answers(
        Engine(settings), questions, args.modes, sample_size=args.sample, sweep=args.sweep,
        k=args.k, log=lambda message: print(f"eval: {message}", file=sys.stderr, flush=True))
    print(json.dumps(report.to_json(), indent=2) if args.json
          else report.to_markdown(table=args.table))


def main(argv: list[str] | None = None) -> int:
    args = make_parser().parse_args(argv)
    settings = settings_from_args(args)
    _log_warnings_to_stderr()
    from ..engine import Engine
    from ..index.locking import IndexBusy
    from ..index.store import IndexError_

    try:
        if args.command == "serve":
            serve(settings)
            return 0
        if args.command == "eval-answers":
            print("rag: `rag eval-answers --questions FILE` is deprecated: use "
                  "`rag eval answers FILE`", file=sys.stderr)
            eval_answers(args, settings)
            return 0
        if args.command == "eval":
            run_eval(args, settings)
            return 0
        engine = Engine(settings)
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
            reply = engine.answer(args.question, args.k, mode=args.mode,
                                  sources=args.sources or (), date_from=args.date_from,
                                  date_to=args.date_to)
            for note in reply.notes:
                print(f"rag: note: {note}", file=sys.stderr)
            if args.json:
                print(json.dumps(asdict(reply), indent=2, ensure_ascii=False))
            else:
                print(reply.to_markdown())
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
