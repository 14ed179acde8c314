"""With a login configured, neither the page nor the API answers strangers."""

import json
import urllib.error
import urllib.request

import pytest
from servers import running_app

from rag.app.cli import make_parser, settings_from_args
from rag.app.ui import launch_kwargs

USER, PASSWORD = "ann", "s3cret-pass"


def test_auth_comes_from_the_flag_or_the_environment(monkeypatch):
    monkeypatch.setenv("RAG_AUTH", "env:pw")
    assert settings_from_args(make_parser().parse_args(["serve"])).auth == "env:pw"
    args = make_parser().parse_args(["serve", "--auth", "flag:pw", "--no-uploads"])
    settings = settings_from_args(args)
    assert (settings.auth, settings.uploads) == ("flag:pw", False)
    assert "flag:pw" not in repr(settings)  # never printed into logs


def test_malformed_auth_is_refused_before_serving():
    from rag.settings import Settings

    with pytest.raises(ValueError, match="user:password"):
        launch_kwargs(Settings().replace(auth="no-colon"))


def test_default_host_is_local_only():
    from rag.settings import Settings

    assert launch_kwargs(Settings())["server_name"] == "127.0.0.1"
    assert "auth" not in launch_kwargs(Settings())


@pytest.fixture(scope="module")
def protected(seed_engine):
    from rag.engine import Engine

    engine = Engine(seed_engine.settings.replace(auth=f"{USER}:{PASSWORD}"),
                    embedder=seed_engine.embedder)
    with running_app(engine) as url:
        yield url


def _status(url, data=None):
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


@pytest.mark.e2e
def test_page_config_and_api_refuse_requests_without_login(protected):
    page_status, page = _status(protected)
    # The page is only the login form: no chat components, no content.
    assert page_status == 200 and '"auth_required":true' in page
    assert '"components":[]' in page and "Who decided not to use its veto?" not in page
    assert _status(protected + "config")[0] == 401
    assert _status(protected + "gradio_api/info")[0] == 401
    call = json.dumps({"data": ["Who decided not to use its veto?"]}).encode()
    assert _status(protected + "gradio_api/call/ask", call)[0] == 401
    assert _status(protected + "gradio_api/queue/join", b"{}")[0] == 401


@pytest.mark.e2e
def test_api_client_without_login_fails_and_with_login_gets_an_answer(protected):
    from gradio_client import Client

    with pytest.raises(Exception):
        Client(protected, verbose=False).predict("Who decided not to use its veto?",
                                                 api_name="/ask")
    reply = Client(protected, auth=(USER, PASSWORD), verbose=False).predict(
        "Who decided not to use its veto?", api_name="/ask")
    assert "veto" in reply and "[1]" in reply


@pytest.mark.e2e
def test_wrong_password_is_refused(protected):
    body = f"username={USER}&password=wrong".encode()
    request = urllib.request.Request(protected + "login", data=body, headers={
        "Content-Type": "application/x-www-form-urlencoded"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)
    assert refused.value.code in (400, 401)
