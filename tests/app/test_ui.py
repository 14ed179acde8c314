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
