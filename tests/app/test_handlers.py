"""What the chat does, checked without Gradio: the handlers take plain values
and a stand-in (or fake-embedder) engine and return plain values."""

import pytest
from conftest import fresh_python

from rag.app.handlers import (
    EXAMPLE_CHARS,
    SEED_EXAMPLES,
    ChatHandlers,
    SlotGate,
    ask_about,
    example_questions,
    malformed_date,
    parse_filters,
)
from rag.app.render import ARTICLE_GONE
from rag.corroboration.corroborator import SourceColumn
from rag.engine import Catalog
from rag.settings import Settings
from rag.types import Answer, AnswerSentence, Citation, Hit

TEXT = "The council (5-2) approved the wall."
HIT = Hit(TEXT, 0.9, "a1", "Wall vote", "Gazette", "2024-05-02", None, 0, 36,
          "Wall vote — Gazette")


class Article:
    id, title, source, date, url = "a1", "Wall vote", "Gazette", "2024-05-02", None
    text = TEXT + " The end."


class StandInEngine:
    """The engine services the chat uses; remembers what it was asked."""

    def __init__(self, settings=None):
        self.settings = settings or Settings().replace(uploads=False)
        self.asked = []

    def catalog(self):
        return Catalog(1, ["Gazette"], "2024-05-02", "2024-05-02", ["Wall vote"])

    def stream_answer(self, question, k=None, *, mode="extractive", history=None, **filters):
        self.asked.append(dict(question=question, k=k, mode=mode, history=history, **filters))
        yield TEXT
        yield self.answer(question, mode=mode)

    def answer(self, question, k=None, *, mode="extractive", **filters):
        return Answer(question, TEXT + " [1]", [Citation(1, "a1", HIT, ((0, 36),))], [HIT],
                      mode=mode, sentences=[AnswerSentence(TEXT, (1,))])

    def article(self, article_id):
        return Article if article_id == "a1" else None

    def compare_sources(self, question, k=None, **filters):
        return [SourceColumn("Gazette", HIT, (0, 11), 0.8)]


def _respond(handlers, message, history=(), turns=(), mode="extractive", **controls):
    controls = {"sources": [], "date_from": "", "date_to": "", "as_of": "", **controls}
    return list(handlers.respond(message, list(history), list(turns), mode, 5, **controls))


def test_handlers_and_rendering_load_without_gradio():
    code = ("import sys, rag.app.handlers, rag.app.render; "
            "sys.exit('gradio' in sys.modules)")
    run = fresh_python(code)
    assert run.returncode == 0, run.stderr


def test_an_empty_question_leaves_the_page_as_it_is():
    shown = [{"role": "user", "content": "earlier"}]
    (step,) = _respond(ChatHandlers(StandInEngine()), "   ", shown)
    assert step.messages == shown and step.question is None
    assert (step.sources, step.citations, step.article, step.turns) == (None,) * 4


def test_an_answer_streams_then_shows_its_sources_and_remembers_the_plain_turn():
    engine = StandInEngine()
    steps = _respond(ChatHandlers(engine), " Who approved the wall (and when)? ")
    searching, streaming, done = steps
    assert searching.messages[0] == {"role": "user",
                                     "content": r"Who approved the wall \(and when\)?"}
    assert searching.messages[-1]["content"] == "*Searching the articles…*"
    assert streaming.messages[-1]["content"].endswith(" ▍") and streaming.sources is None
    assert r"\[1\]" in done.messages[-1]["content"] and "**Sources**" in done.messages[-1]["content"]
    assert 'data-cite="1"' in done.sources and done.article == ""
    assert done.citations["1"] == {"number": 1, "article_id": "a1", "start": 0, "end": 36,
                                   "quotes": [[0, 36]], "answer": []}
    assert done.turns == [["Who approved the wall (and when)?", TEXT + " [1]"]]


def test_only_the_first_step_empties_the_question_box_so_the_next_question_typed_meanwhile_stays():
    # (Every streamed step emptied it: typing the next question while an answer
    # streamed lost its letters, and one sent meanwhile vanished.)
    steps = _respond(ChatHandlers(StandInEngine()), "Who approved the wall?")
    assert [step.question for step in steps] == ["", None, None]
    refused = _respond(ChatHandlers(StandInEngine()), "Who?", date_from="May")
    assert [step.question for step in refused] == ["", None]


def test_follow_ups_reach_the_engine_as_earlier_question_answer_pairs_with_the_filters():
    engine = StandInEngine()
    _respond(ChatHandlers(engine), "And then?", turns=[["First?", "Answer. [1]"]],
             sources=["Gazette"], date_from="2024-05-01")
    assert engine.asked == [dict(question="And then?", k=5, mode="extractive",
                                 history=[("First?", "Answer. [1]")], sources=["Gazette"],
                                 date_from="2024-05-01")]


def test_a_malformed_date_is_answered_naming_its_box_and_the_expected_form_and_nothing_is_searched():
    # (Was "Dates must look like 2024-03-25" for "2024-13-01", which does look
    # like that, without saying which of the three date boxes was wrong.)
    engine = StandInEngine()
    steps = _respond(ChatHandlers(engine), "Who approved the wall?", date_to=" 2024-13-01")
    assert steps[-1].messages[-1]["content"].replace("\\", "") == (
        "The To date box holds “2024-13-01”, which is not a date: "
        "dates must look like 2024-03-25 (year-month-day).")
    assert engine.asked == [] and steps[-1].turns is None


def test_a_local_question_beyond_the_model_slots_gets_the_extractive_answer_with_a_note():
    engine = StandInEngine(Settings().replace(local_model_slots=1, local_model_waiting=0))
    handlers = ChatHandlers(engine)
    with handlers.local_gate.enter():  # the one local slot is busy
        busy = _respond(handlers, "Who approved the wall?", mode="local")[-1]
    free = _respond(handlers, "Who approved it?", mode="local")[-1]
    assert [a["mode"] for a in engine.asked] == ["extractive", "local"]
    assert "local model is busy" in busy.messages[-1]["content"]
    assert "busy" not in free.messages[-1]["content"]


def test_opening_a_citation_shows_its_article_or_says_it_is_gone():
    handlers = ChatHandlers(StandInEngine())
    table = _respond(handlers, "Who approved the wall?")[-1].citations
    view = handlers.open_citation(table, "1")
    assert f'<span class="target"><mark>{TEXT}</mark></span> The end.' in view
    assert handlers.open_citation(table, "7") is None and handlers.open_citation(None, "1") is None
    gone = {"1": {**table["1"], "article_id": "removed"}}
    assert handlers.open_citation(gone, "1") == ARTICLE_GONE


def test_uploads_are_indexed_and_refusals_name_the_file(build_engine, tmp_path):
    engine = build_engine({"veto.txt": "Veto story\n\nThe US decided not to use its veto."})
    good = tmp_path / "lighthouse.txt"
    good.write_text("Lighthouse keeper retires\n\nThe keeper of the Skerryvane lighthouse "
                    "retired on Friday after forty years.", encoding="utf-8")
    bad = tmp_path / "notes.pdf"
    bad.write_bytes(b"%PDF-1.4 not an article")
    heard = []
    report = ChatHandlers(engine).upload([str(good), str(bad)], heard.append)
    lines = report.message.split("\n\n")
    assert lines[0] == r"✓ lighthouse\.txt added" and "notes\\.pdf" in lines[1]
    assert lines[-1].startswith("The index now holds 2 articles")
    assert heard == ["Indexing 1 file(s)…"]
    assert engine.retrieve("Skerryvane lighthouse keeper", 1)[0].title == \
        "Lighthouse keeper retires"


def test_an_upload_without_files_says_so():
    report = ChatHandlers(StandInEngine()).upload([])
    assert (report.message, report.sources) == ("No file received.", ["Gazette"])


def test_compare_sources_needs_a_question_and_well_formed_dates():
    handlers = ChatHandlers(StandInEngine())
    assert handlers.compare("  ") is None
    assert handlers.compare("Who approved the wall?", date_from="May 2024") is None
    assert '<section class="column"><header>Gazette</header>' in \
        handlers.compare("Who approved the wall?")


def test_the_comparison_is_for_the_last_question_answered_and_none_before_any():
    # (Run beside the answer, it read the question box the answer had just
    # emptied, so the chat's Compare sources panel never filled.)
    handlers = ChatHandlers(StandInEngine())
    turns = [["First?", "Answer. [1]"], ["Who approved the wall?", TEXT + " [1]"]]
    assert handlers.compare_last(turns) == handlers.compare("Who approved the wall?")
    assert "Gazette" in handlers.compare_last(turns, [], "", "", "")
    assert handlers.compare_last([]) is None and handlers.compare_last(None) is None
    assert handlers.compare_last(turns, [], "May", "", "") is None


def test_the_ask_api_returns_plain_text_with_numbered_sources():
    text = ChatHandlers(StandInEngine()).ask("Who approved the wall?")
    assert text.startswith(TEXT + " [1]\n\nSources:\n[1] Wall vote — Gazette: ")


def test_the_chat_refuses_a_date_that_only_looks_like_one():
    assert parse_filters([], "2024-13-01", "", "") is None
    assert parse_filters([], " 2024-03-05 ", "", "") == {"date_from": "2024-03-05"}


def test_the_chat_controls_pass_as_of_and_reject_a_malformed_one():
    assert parse_filters([], "", "", "2022-02-01") == {"as_of": "2022-02-01"}
    assert parse_filters(["Gazette"], "", "", "") == {"sources": ["Gazette"]}
    assert parse_filters([], "", "", "last week") is None
    assert "The As of box holds “last week”" in malformed_date("", "", "last week")
    assert malformed_date("2024-03-01", "", "") is None


def test_slot_gate_refuses_beyond_slots_plus_waiting():
    gate = SlotGate(slots=1, waiting=0)
    with gate.enter() as first:
        with gate.enter() as second:
            assert (first, second) == (True, False)
    with gate.enter() as again:
        assert again


def test_example_questions_come_from_settings_then_seeds_then_titles(tmp_path):
    catalog = Catalog(2, [], None, None, ["Old story", "Flood wall vote"])
    assert example_questions(catalog, tmp_path, tmp_path, "One? | Two?") == ["One?", "Two?"]
    assert example_questions(catalog, tmp_path, tmp_path) == SEED_EXAMPLES
    assert example_questions(catalog, tmp_path / "news", tmp_path)[-1] == \
        "Tell me about “Flood wall vote”"


@pytest.mark.parametrize("title, example", [
    ("What to expect from this week's Fed meeting | CNN Business",       # the outlet dropped
     "Tell me about “What to expect from this week's Fed meeting”"),
    ("Alex Jones trial: Sandy Hook parents ask jury to return $150 million ...",  # cut short
     "Tell me about “Alex Jones trial: Sandy Hook parents ask…”"),
    ("Canada ends COVID-19 entry requirements", "Tell me about “Canada ends COVID-19 entry "
                                                "requirements”"),
])
def test_example_questions_from_titles_read_as_a_short_request(title, example):
    assert ask_about(title) == example


def test_an_example_from_a_long_title_fits_the_60_characters_the_chat_shows_of_it():
    # (Gradio shows an example's first 60 characters then "...": a 66-character
    # request read 'Tell me about “US rejects Netanyahu's claim that UN ceasefir...'.)
    title = "US rejects Netanyahu's claim that UN ceasefire vote hurt negotiations"
    assert ask_about(title) == "Tell me about “US rejects Netanyahu's claim that UN…”"
    for long in (title * 3, "x" * 200):
        assert len(ask_about(long)) <= EXAMPLE_CHARS == 60 and ask_about(long).endswith("…”")


def test_an_upload_the_index_refuses_is_not_kept_among_the_articles(build_engine, tmp_path):
    # (A second copy of an article was stored as uploads/keeper-2.txt, refused
    # as a duplicate, and left there to be refused again at every build.)
    engine = build_engine({"veto.txt": "Veto story\n\nThe US decided not to use its veto."})
    keeper = tmp_path / "keeper.txt"
    keeper.write_text("Lighthouse keeper retires\n\nThe keeper of the Skerryvane lighthouse "
                      "retired on Friday after forty years.", encoding="utf-8")
    handlers = ChatHandlers(engine)
    assert handlers.upload([str(keeper)]).message.startswith(r"✓ keeper\.txt added")
    again = handlers.upload([str(keeper)]).message
    assert again.startswith(r"✗ keeper\.txt: duplicate")
    uploads = engine.settings.articles_dir / engine.settings.upload_subdir
    assert [p.name for p in uploads.iterdir()] == ["keeper.txt"]
    assert not engine.status()["stale"]
