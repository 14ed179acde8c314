"""The ``rag`` command line: build the index, ask questions, serve the chat.

Only wiring lives here: flags become :class:`Settings`, which go to an
:class:`Engine`; the work happens in the library.
"""

from __future__ import annotations

import argparse
import contextlib
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
  rag status
  rag build --backend milvus --milvus-uri http://milvus:19530
                                         the index in a Milvus server (docs/scaling.md)
  rag config                             every setting: value, where it came from, flag, env
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


def _count(value: str) -> int:
    """Type of the count flags (``--sample``, ``-k``): a whole number >= 1."""
    if not value.strip().isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 1, not {value!r}")
    return int(value)


def add_setting_flags(parser: argparse.ArgumentParser, *wanted: str) -> None:
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
    add_setting_flags(parser, *COMMAND_SETTINGS[name])
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

    status = _command(commands, "status", "what the index holds and whether it is stale")
    status.add_argument("--json", action="store_true", help="print the status as JSON")

    _command(commands, "serve", "start the web chat",
             description="Serve the chat (python app.py does the same). The index is built "
                         "first if it is missing or stale.")

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
               "  rag eval answers ~/my-news-eval/questions.jsonl --index ~/news-index --sweep\n"
               "  rag eval answers ~/my-news-eval --sample 40 --json   (scratch index)",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    formats = evaluation.add_subparsers(dest="format", required=True, metavar="FORMAT")
    evaluate = argparse.ArgumentParser(add_help=False)  # what `rag eval beir|news` take
    add_setting_flags(evaluate, *COMMAND_SETTINGS["eval"])
    evaluate.add_argument("data", metavar="DIR", help="data directory")
    evaluate.add_argument("--json", action="store_true", help="print one JSON object")
    evaluate.add_argument("--quiet", action="store_true", help="no progress bar")
    evaluate.add_argument("--per-query", metavar="FILE",
                          help="also write each query's figures to FILE, one JSON line a "
                               "query sorted by query (diff two runs' files)")
    evaluate.add_argument("--no-question-dates", action="store_true",
                          help="news: ignore the questions' dates (ask every question as of "
                               "the newest article's date)")
    _add_filter_flags(evaluate)
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
    answers.add_argument("questions", metavar="QUESTIONS_FILE|DIR")
    _add_answer_eval_flags(answers)

    config = _command(
        commands, "config", "every setting: its value, where it came from, flag and env",
        description="Print every setting, grouped, with its value, where the value came from "
                    "(default, env VARIABLE or flag --FLAG), its flag and its environment "
                    "variable. Takes every setting's flag, to show what a command would use. "
                    "The login is masked. docs/configuration.md describes them all.")
    config.add_argument("--json", action="store_true", help="print the settings as JSON")
    config.add_argument("--docs", action="store_true",
                        help="print the settings reference (docs/configuration.md) instead")

    # `rag eval-answers --questions FILE`, before `rag eval answers FILE`: hidden
    # (no help), says it is deprecated.
    old_answers = commands.add_parser("eval-answers", description=EVAL_ANSWERS_DESCRIPTION)
    old_answers.add_argument("--questions", metavar="FILE", required=True)
    _add_answer_eval_flags(old_answers)
    for command in [*commands.choices.values(), *formats.choices.values()]:
        _usage_without_settings(command)
    return parser


EVAL_ANSWERS_DESCRIPTION = (
    "Answer every question of a JSON-lines file (question, answers, answer_in_corpus; "
    "optionally articles, kind, date) with the index and report the share of answerable "
    "questions whose answer contains a gold answer, abstentions on unanswerable ones, the "
    "short answer's exact match and F1 and the median latency, per mode. Given a news "
    "directory (articles.jsonl, questions.jsonl) instead of a file, its questions are "
    "answered from its articles, indexed into a scratch index unless --index is given.")


def _add_answer_eval_flags(parser: argparse.ArgumentParser) -> None:
    """The options of ``rag eval answers``."""
    add_setting_flags(parser, "articles_dir", "index_dir")
    parser.add_argument("--modes", nargs="+", choices=("extractive", "local"),
                        default=["extractive"], help="answer modes to measure")
    parser.add_argument("--sample", type=_count, metavar="N",
                        help="only N questions spread over the file (the sweep uses all)")
    parser.add_argument("--answerable", action="store_true",
                        help="only the questions whose answer is in the articles")
    parser.add_argument("--sweep", action="store_true",
                        help="also sweep the extractive abstention threshold")
    parser.add_argument("--table", action="store_true",
                        help="also print one row per question (what each mode answered)")
    parser.add_argument("-k", type=_count, help="passages per question (default: 5)")
    parser.add_argument("--json", action="store_true",
                        help="print the summaries (and the sweep) as one JSON object")


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


def _writable(path: str):
    """``path`` opened for writing, before a long run that would end by writing it;
    or a one-line error saying why not."""
    try:
        return open(path, "w", encoding="utf-8")
    except OSError as exc:
        raise ValueError(f"cannot write {path}: {exc.strerror}") from exc


def run_eval(args: argparse.Namespace, settings: Settings) -> None:
    """``rag eval``: measure, then print a table (or JSON) on stdout."""
    from .evaluation import evaluate_beir, evaluate_news

    if args.format == "answers":
        return eval_answers(args, settings)

    evaluate = evaluate_beir if args.format == "beir" else evaluate_news
    options = {"sources": args.sources, "date_from": args.date_from, "date_to": args.date_to}
    extra = {"question_dates": not args.no_question_dates} if args.format == "news" else {}
    with contextlib.ExitStack() as stack:
        per_query = args.per_query and stack.enter_context(_writable(args.per_query))
        report = evaluate(args.data, settings, progress=not args.quiet,
                          options={k: v for k, v in options.items() if v}, **extra)
        if per_query:
            per_query.writelines(line + "\n" for line in report.per_query_lines())
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
    import threading

    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    from ..engine import Engine
    from .ui import build_ui, check_can_listen, launch_kwargs

    kwargs = launch_kwargs(settings)
    check_can_listen(settings.host, settings.port)   # before minutes of loading, not after
    engine = Engine(settings)
    # The model loads while the index is checked and read and the page is
    # built (it needs the index's catalogue, not the model); the rest of the
    # warm-up (BM25's postings) runs beside the server's start.
    engine.start_loading_model()
    if summary := engine.ensure_index():
        print(summary, file=sys.stderr)
    threading.Thread(target=engine.warm_up, name="warm-up", daemon=True).start()
    # Quiet: Gradio's own lines tell a developer to call launch(share=True).
    demo = build_ui(engine)
    demo.launch(prevent_thread_lock=True, quiet=True, **kwargs)
    print(f"The chat is on {demo.local_url} (Ctrl-C stops it)", file=sys.stderr, flush=True)
    demo.block_thread()


def _check_sources(wanted: list[str], known: list[str]) -> None:
    """``--source`` names that no indexed article has (compared as the filter
    does, ignoring case): a warning, or an error when none is known."""
    unknown = [w for w in wanted if w.lower() not in {k.lower() for k in known}]
    if not unknown:
        return
    listed = ", ".join(repr(k) for k in known[:10]) or "none (no article states its source)"
    if len(known) > 10:
        listed += f", ... ({len(known)} in all; `rag ask --json` shows each hit's source)"
    message = (f"no indexed article is from {', '.join(map(repr, unknown))}; the sources "
               f"are: {listed}")
    if len(unknown) == len(wanted):
        raise ValueError(f"{message} (--source takes one of them)")
    print(f"rag: warning: {message}", file=sys.stderr)


def eval_answers(args: argparse.Namespace, settings: Settings) -> None:
    """``rag eval answers``: progress on stderr, Markdown tables (or JSON) on stdout."""
    from .answer_evaluation import answering, evaluate_answers

    log = lambda message: print(f"eval: {message}", file=sys.stderr, flush=True)  # noqa: E731
    with answering(args.questions, settings, index_given=args.index_dir is not None,
                   articles_given=args.articles_dir is not None, log=log) as (engine, questions):
        if args.answerable:
            questions = [q for q in questions if q.get("answer_in_corpus", True)]
        report = evaluate_answers(engine, questions, args.modes, sample_size=args.sample,
                                  sweep=args.sweep, k=args.k, log=log)
    print(json.dumps(report.to_json(), indent=2) if args.json
          else report.to_markdown(table=args.table))


def main(argv: list[str] | None = None) -> int:
    try:
        return _main(argv)
    except BrokenPipeError:
        # The reader stopped early (`rag status | head -1`): not an error to
        # report; send what is still buffered nowhere, so exiting cannot fail.
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141   # 128 + SIGPIPE, as for a command the pipe ended


def _main(argv: list[str] | None) -> int:
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
    from ..index.backend import index_exists
    from ..index.locking import IndexBusy
    from ..index.store import IndexError_, IndexMissing

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

            status = engine.status()   # lists the files it would skip, once
            print(json.dumps(status, indent=2) if args.json else format_status(status))
            if not status["ok"]:    # missing, damaged or built with other settings
                return 1
        elif args.command == "ask":
            # A first run answers, as the chat and the API do; but an index
            # directory named without the articles to build it from is more
            # likely a typo than a wish to index the seed articles there.
            if loaded.sources["index_dir"] != "default" and \
                    loaded.sources["articles_dir"] == "default" and not index_exists(settings):
                raise IndexMissing(
                    f"no index in {settings.index_dir}; build one with `rag build --index "
                    f"{settings.index_dir} --articles DIR`, or give --articles DIR to build "
                    "it now")
            engine.build_if_missing()
            if args.sources:
                _check_sources(args.sources, engine.catalog().sources)
            reply = engine.answer(args.question, sources=args.sources or (),
                                  date_from=args.date_from, date_to=args.date_to)
            if args.json:  # (the text has the notes under the answer)
                for note in reply.notes:
                    print(f"rag: note: {note}", file=sys.stderr)
            print(reply.to_json() if args.json else reply.to_text())
    except (IndexError_, IndexBusy, FileNotFoundError, ValueError) as exc:
        print(f"rag: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        # A change is all or nothing (rag/index/store.py): nothing half-written stays.
        changing = args.command in ("build", "add", "remove")
        print("\nrag: interrupted" + (INTERRUPTED_CHANGE if changing else ""), file=sys.stderr)
        return 130
    return 0


INTERRUPTED_CHANGE = ("; the index still holds its last complete version (nothing half-written "
                      "is used): run the same command again to finish")


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
