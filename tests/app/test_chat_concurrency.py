"""A long local-model answer never blocks extractive answers for others.

The chat runs against a stand-in engine whose "local" answers wait until the
test releases them, so what is checked is ordering, not speed.
"""

import threading

import pytest
from servers import running_app

from rag.app.ui import build_ui
from rag.engine import Catalog
from rag.settings import Settings
from rag.types import Answer, AnswerSentence, Citation, Hit


class SlowLocalEngine:
    """The engine services the chat uses; local answers block on ``release``."""

    def __init__(self, settings):
        self.settings = settings
        self.release = threading.Event()
        self.local_started = threading.Event()

    def catalog(self):
        return Catalog(1, ["Gazette"], "2024-05-02", "2024-05-02", ["Wall vote"])

    def answer_modes(self):
        return ["extractive", "local"]

    def answer(self, question, k=None, *, mode="extractive", **filters):
        hit = Hit("The wall was approved.", 0.9, "a1", "Wall vote", "Gazette", "2024-05-02",
                  None, 0, 22, "Wall vote — Gazette")
        text = f"{mode} answer: the wall was approved."
        return Answer(question, text + " [1]", [Citation(1, "a1", hit, ((0, 22),))], [hit],
                      mode=mode, sentences=[AnswerSentence(text, (1,))])

    def stream_answer(self, question, k=None, *, mode="extractive", **filters):
        if mode == "local":
            self.local_started.set()
            yield "local answer: the"
            assert self.release.wait(60), "test never released the local answer"
        yield self.answer(question, k, mode=mode, **filters)


@pytest.fixture(scope="module")
def chat():
    engine = SlowLocalEngine(Settings().replace(local_model_slots=1, local_model_waiting=0,
                                                chat_concurrency=4, uploads=False))
    with running_app(engine) as url:
        yield url, engine


def _ask(client, question, mode):
    return client.submit(question, [], mode, 5, [], "", "", "", api_name="/chat")


def _last_message(job) -> str:
    content = job.result(timeout=60)[0][-1]["content"]
    parts = content if isinstance(content, list) else [{"text": content}]
    return "".join(p.get("text", "") for p in parts).replace("\\", "")  # drop md escapes


def test_extractive_answers_flow_while_a_local_answer_is_generating(chat):
    from gradio_client import Client

    url, engine = chat
    engine.release.clear()
    slow = _ask(Client(url, verbose=False), "long question", "local")
    assert engine.local_started.wait(60)
    fast = _ask(Client(url, verbose=False), "quick question", "extractive")
    assert "extractive answer" in _last_message(fast)
    assert not slow.done()  # the local answer is still generating...
    busy = _ask(Client(url, verbose=False), "another local question", "local")
    reply = _last_message(busy)  # ...so a second local question is not queued behind it
    assert "extractive answer" in reply and "local model is busy" in reply
    engine.release.set()
    assert "local answer" in _last_message(slow)


def test_uploads_setting_off_removes_the_upload_control():
    def component_types(settings):
        demo = build_ui(SlowLocalEngine(settings))
        return {c["type"] for c in demo.config["components"]}

    assert "file" in component_types(Settings())
    assert "file" not in component_types(Settings().replace(uploads=False))


def test_a_generating_local_answer_does_not_take_the_one_extractive_worker():
    from gradio_client import Client

    engine = SlowLocalEngine(Settings().replace(local_model_slots=1, local_model_waiting=0,
                                                chat_concurrency=1, uploads=False))
    with running_app(engine) as url:
        slow = _ask(Client(url, verbose=False), "long question", "local")
        assert engine.local_started.wait(60)
        fast = _ask(Client(url, verbose=False), "quick question", "extractive")
        assert "extractive answer" in _last_message(fast)
        assert not slow.done()
        engine.release.set()
        assert "local answer" in _last_message(slow)
