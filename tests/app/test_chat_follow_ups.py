"""The chat hands the engine the conversation as plain (question, answer) pairs,
not the Markdown it shows (escapes, the Sources list, notes)."""

import pytest
from servers import running_app

from rag.engine import Catalog
from rag.settings import Settings
from rag.types import Answer, AnswerSentence, Citation, Hit


class RecordingEngine:
    """The engine services the chat uses; remembers the history of each question."""

    def __init__(self, settings):
        self.settings = settings
        self.histories = {}

    def catalog(self):
        return Catalog(1, ["Gazette"], "2024-05-02", "2024-05-02", ["Wall vote"])

    def answer_modes(self):
        return ["extractive"]

    def stream_answer(self, question, k=None, *, mode="extractive", history=None, **filters):
        self.histories[question] = list(history or [])
        hit = Hit("The council (5-2) approved the wall.", 0.9, "a1", "Wall vote", "Gazette",
                  "2024-05-02", None, 0, 36, "Wall vote — Gazette")
        text = "The council (5-2) approved the wall."
        yield text
        yield Answer(question, text + " [1]", [Citation(1, "a1", hit, ((0, 36),))], [hit],
                     mode=mode, sentences=[AnswerSentence(text, (1,))],
                     notes=["A note the chat shows in italics."])


@pytest.fixture(scope="module")
def chat():
    engine = RecordingEngine(Settings().replace(uploads=False))
    with running_app(engine) as url:
        yield url, engine


def _ask(client, question, shown):
    return client.predict(question, shown, "extractive", 5, [], "", "", "", api_name="/chat")


def test_follow_up_gets_earlier_turns_as_plain_question_and_answer_text(chat):
    from gradio_client import Client

    url, engine = chat
    client = Client(url, verbose=False)
    shown = _ask(client, "Who approved the wall (and when)?", [])[0]
    rendered = str(shown[-1]["content"])
    assert "Sources" in rendered and "\\(" in rendered   # what the chat shows...
    _ask(client, "What did they say about it?", shown)
    # ...is not what the engine reads the follow-up with.
    assert engine.histories["Who approved the wall (and when)?"] == []
    assert engine.histories["What did they say about it?"] == [
        ("Who approved the wall (and when)?", "The council (5-2) approved the wall. [1]")]


def test_each_browser_session_has_its_own_conversation(chat):
    from gradio_client import Client

    url, engine = chat
    _ask(Client(url, verbose=False), "First question in one session?", [])
    _ask(Client(url, verbose=False), "First question in another session?", [])
    assert engine.histories["First question in another session?"] == []
