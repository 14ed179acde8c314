"""The page's layout keeps its public API: /ask and /compare, nothing else advertised."""

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
