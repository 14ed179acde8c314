"""The real Gradio app, started as a user would, called through gradio_client."""

import os
import subprocess
import sys
import time

import pytest
from conftest import ROOT, SEEDS, free_port

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    port = free_port()
    index = tmp_path_factory.mktemp("app-index")
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", "HF_HUB_OFFLINE": "1"}
    proc = subprocess.Popen([sys.executable, str(ROOT / "app.py"), "--articles", str(SEEDS),
                             "--index", str(index), "--port", str(port)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.time() + 240
    import urllib.request
    while time.time() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"app exited early:\n{proc.stdout.read()}")
        try:
            urllib.request.urlopen(url, timeout=2)
            break
        except OSError:
            time.sleep(1)
    else:
        proc.kill()
        pytest.fail("app did not start in time")
    yield url
    proc.terminate()
    proc.wait(timeout=30)


def test_ask_endpoint_answers_with_citations(server):
    from gradio_client import Client

    result = Client(server, verbose=False).predict(
        "Who decided not to use its veto?", api_name="/ask")
    assert "veto" in result and "[1]" in result and "Sources:" in result


def test_ask_endpoint_abstains_on_unanswerable_question(server):
    from gradio_client import Client

    result = Client(server, verbose=False).predict(
        "What is the boiling point of tungsten?", api_name="/ask")
    assert result.startswith("The articles do not answer this question.")


@pytest.mark.parametrize("question", ["", "   ", "veto " * 3000, "谁决定不使用否决权？"])
def test_ask_endpoint_handles_bad_questions(server, question):
    from gradio_client import Client

    result = Client(server, verbose=False).predict(question, api_name="/ask")
    assert isinstance(result, str) and result and "Traceback" not in result


def test_compare_endpoint_shows_each_seed_article(server):
    from gradio_client import Client

    result = Client(server, verbose=False).predict(
        "How did Netanyahu react to the UN vote?", api_name="/compare")
    assert "### The Independent" in result
    assert "### US rejects Netanyahu's claim that UN ceasefire vote hurt negotiations" in result


def test_rag_serve_says_where_the_chat_is_without_gradios_share_hint(tmp_path):
    port = free_port()
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", "HF_HUB_OFFLINE": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "rag", "serve", "--articles", str(SEEDS),
                             "--index", str(tmp_path / "index"), "--port", str(port)],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        seen = []
        for line in proc.stdout:   # ends when the process does
            seen.append(line)
            if line.startswith("The chat is on"):
                break
        assert seen and seen[-1].strip() == \
            f"The chat is on http://127.0.0.1:{port}/ (Ctrl-C stops it)", "".join(seen)
        assert not any("share=True" in line for line in seen)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
