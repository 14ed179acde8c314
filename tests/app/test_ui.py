"""The page: its public API (/ask and /compare, nothing else advertised) and how it lives with progress bars."""

from rag.app.ui import build_ui
from rag.engine import Catalog
from rag.settings import Settings


class CatalogOnlyEngine:
    """Enough of an engine to lay out the page (no question is asked)."""

    def __init__(self, settings):
        self.settings = settings

    def catalog(self):
        return Catalog(1, ["Gazette"], "2024-05-02", "2024-05-02", ["Wall vote"])

    def answer_modes(self):
        return ["extractive"]


def test_the_api_offers_ask_and_compare_taking_a_question_and_returning_text():
    endpoints = build_ui(CatalogOnlyEngine(Settings())).get_api_info()["named_endpoints"]
    assert sorted(endpoints) == ["/ask", "/compare"]
    for endpoint in endpoints.values():
        assert [p["parameter_name"] for p in endpoint["parameters"]] == ["question"]
        assert [r["python_type"]["type"] for r in endpoint["returns"]] == ["str"]


def test_a_progress_bar_made_before_the_page_closes_after_it_without_an_error():
    # The build at start and the model's loading bar come before the page;
    # gradio's tqdm tracking (uploads) must not break them when they close.
    import sys

    import tqdm

    bar = tqdm.tqdm(total=2, file=sys.stderr, disable=False)
    vars(bar).pop("_progress", None)    # as made before gradio patched tqdm
    build_ui(CatalogOnlyEngine(Settings()))
    bar.update(1)
    bar.close()     # raised AttributeError before
    assert bar.n == 1


def _page(settings=None):
    """The page's components by elem_id (or type) and its events."""
    config = build_ui(CatalogOnlyEngine(settings or Settings())).get_config_file()
    ids = {c["props"].get("elem_id") or c["type"]: c for c in config["components"]}
    return ids, config["dependencies"]


def test_the_conversations_own_clear_icon_also_forgets_its_sources_article_and_turns():
    # (The bin icon emptied only the conversation: the sources stayed and
    # follow-ups were still read with the forgotten questions.)
    ids, events = _page()
    chat, question = ids["chat"]["id"], ids["question"]["id"]
    triggered = [({tuple(t) for t in e["targets"]}, set(e["outputs"])) for e in events]
    (written_by_an_answer,) = [out for on, out in triggered
                               if (question, "submit") in on and chat in out]
    (cleared,) = [out for on, out in triggered if (chat, "clear") in on]
    assert written_by_an_answer <= cleared


def test_the_conversation_offers_copying_but_no_share_button_posting_it_online():
    ids, _ = _page()
    assert "share" not in ids["chat"]["props"]["buttons"]
    assert "copy" in ids["chat"]["props"]["buttons"]


def test_the_upload_box_states_a_limit_under_one_megabyte_as_it_is():
    ids, _ = _page(Settings().replace(upload_max_bytes=500_000))
    assert ids["upload"]["props"]["label"].endswith("up to 0.5 MB each")   # was "0 MB"
