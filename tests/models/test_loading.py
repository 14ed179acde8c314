"""Loading a model: once, offline, and quietly."""

from conftest import fresh_python

# The chat imports Gradio (and with it huggingface_hub) before any model loads;
# transformers' "Loading weights" bar must still stay off the user's stderr.
_LOAD_AFTER_HUB_IMPORT = """
import huggingface_hub.constants  # Gradio imports it: it reads the variable now
from rag.models.loading import LazyModel

class Model(LazyModel):
    def _load(self):
        from transformers.utils.logging import tqdm
        return sum(tqdm(range(3), desc="Loading weights"))

print(Model().warm_up())
"""


def test_loading_shows_no_hub_progress_bar_when_the_hub_was_imported_first():
    done = fresh_python(_LOAD_AFTER_HUB_IMPORT, HF_HUB_DISABLE_PROGRESS_BARS=None)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "3"
    assert "Loading weights" not in done.stderr


def test_a_user_who_asks_for_hub_progress_bars_gets_them():
    done = fresh_python(_LOAD_AFTER_HUB_IMPORT, HF_HUB_DISABLE_PROGRESS_BARS="0")
    assert done.returncode == 0, done.stderr
    assert "Loading weights" in done.stderr
