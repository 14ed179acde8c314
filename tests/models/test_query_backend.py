"""Setting ``query_backend``: question-time texts are encoded by another backend
than the index's vectors only when the settings ask for it, and the index must
still have been built with the index's own model."""

import sys

import pytest

from rag.engine import Engine
from rag.index.store import IndexError_
from rag.models.cache import CachedEmbedder
from rag.models.embedding import (
    OnnxEmbedder,
    OpenVinoEmbedder,
    QueryEmbedder,
    index_embedder,
    make_query_embedder,
    resolve_query_backend,
)
from rag.settings import SettingError, Settings
from tests.conftest import STORM, VETO, fresh_python
from tests.fakes import FakeEmbedder


class OtherBackend(FakeEmbedder):
    """The same vectors under another model name, as another backend of a model has."""

    name = "fake-bow+int8"


def test_same_query_backend_keeps_the_index_model_for_questions(fake_embedder):
    for backend in ("same", "torch"):
        settings = Settings().replace(embed_backend="torch", query_backend=backend)
        assert make_query_embedder(settings, fake_embedder) is fake_embedder


def test_another_query_backend_encodes_questions_with_it_and_builds_with_the_index_model(
        fake_embedder):
    queries = make_query_embedder(Settings().replace(query_backend="onnx-int8"), fake_embedder)
    assert isinstance(queries, QueryEmbedder)
    assert isinstance(queries.query, OnnxEmbedder) and queries.query.int8
    assert queries.query._model is None            # nothing loaded until a question comes
    assert queries.index is fake_embedder
    assert index_embedder(queries) is fake_embedder
    assert index_embedder(CachedEmbedder(queries)) is fake_embedder


def test_unknown_query_backend_is_refused():
    with pytest.raises(SettingError, match="query_backend"):
        Settings().replace(query_backend="tensorrt")


def test_engine_asks_questions_on_the_query_backend_of_an_index_built_with_the_index_model(
        build_engine, fake_embedder):
    built = build_engine({"veto.txt": VETO, "storm.txt": STORM})
    questions = OtherBackend()
    engine = Engine(built.settings, QueryEmbedder(fake_embedder, questions))
    assert engine.embedder is fake_embedder        # builds use the index's model
    expected = built.retrieve("Who decided not to use its veto?")[0].article_id
    before = fake_embedder.texts_encoded
    hits = engine.retrieve("Who decided not to use its veto?")
    assert hits and hits[0].article_id == expected
    assert questions.texts_encoded >= 1
    assert fake_embedder.texts_encoded == before   # the index's model encoded nothing


def test_index_is_not_searched_with_another_model_unless_asked(build_engine):
    built = build_engine({"veto.txt": VETO, "storm.txt": STORM})
    with pytest.raises(IndexError_, match="model"):
        Engine(built.settings, OtherBackend()).retrieve("veto")


def test_openvino_query_backend_runs_the_exported_model_under_its_own_name_on_question_threads(
        fake_embedder):
    settings = Settings().replace(query_backend="openvino", embed_query_threads=1)
    queries = make_query_embedder(settings, fake_embedder)
    assert isinstance(queries, QueryEmbedder) and isinstance(queries.query, OpenVinoEmbedder)
    assert queries.query._model is None            # nothing loaded until a question comes
    assert queries.query.threads == 1
    assert queries.query.name == f"{settings.model_name}+openvino" != OnnxEmbedder().name
    assert index_embedder(queries) is fake_embedder


def test_openvino_query_backend_without_the_package_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "openvino", None)      # import fails
    with pytest.raises(ValueError, match=r"pip install 'newsroom-rag\[openvino\]'"):
        OpenVinoEmbedder()._session()


@pytest.mark.parametrize("backend", ["auto", "onnx", "onnx-int8", "openvino"])
def test_serving_engine_with_onnx_questions_imports_no_torch_until_it_must(tmp_path, backend):
    """The chat's modules and an engine on an ONNX query backend (the default
    one, and int8) import neither torch nor sentence-transformers (an answer
    whose sentences the index stores needs neither;
    tests/e2e/test_embedding_backends.py answers one)."""
    code = ("import sys\n"
            "import rag.app.cli, rag.app.handlers, rag.app.ui\n"
            "from rag.engine import Engine\n"
            "from rag.settings import Settings\n"
            f"Engine(Settings().replace(query_backend={backend!r}, index_dir={str(tmp_path)!r}))\n"
            "print(sorted({'torch', 'sentence_transformers', 'transformers'} & set(sys.modules)))\n")
    run = fresh_python(code)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[]"


def test_onnx_query_model_runs_on_the_question_threads_and_a_build_model_on_every_core(
        fake_embedder):
    settings = Settings().replace(query_backend="onnx-int8", embed_query_threads=1)
    assert make_query_embedder(settings, fake_embedder).query.threads == 1
    built = make_query_embedder(settings.replace(embed_backend="onnx-int8", query_backend="same"))
    assert isinstance(built, OnnxEmbedder) and built.threads == 0


@pytest.mark.parametrize("amx, installed, chosen", [
    (True, True, "openvino"), (False, True, "onnx"), (True, False, "onnx"), (False, False, "onnx")])
def test_auto_query_backend_is_openvino_only_with_amx_bf16_and_the_package(
        monkeypatch, amx, installed, chosen):
    import importlib.util

    from rag.models import embedding

    monkeypatch.setattr(embedding, "cpu_flags", lambda: frozenset({"amx_bf16"} if amx else ()))
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: (real(name, *a) if installed else None)
                        if name == "openvino" else real(name, *a))
    assert resolve_query_backend("auto") == chosen
    assert resolve_query_backend("onnx") == "onnx"
    assert resolve_query_backend("openvino") == "openvino"


def test_default_settings_ask_for_the_automatic_query_backend():
    assert Settings().query_backend == "auto"


@pytest.mark.parametrize("amx, precision", [(True, "bf16"), (False, "fp32")])
def test_openvino_questions_name_their_precision_so_a_shared_vector_cache_keeps_them_apart(
        monkeypatch, fake_embedder, tmp_path, amx, precision):
    from rag.models import embedding

    monkeypatch.setattr(embedding, "cpu_flags", lambda: frozenset({"amx_bf16"} if amx else ()))
    queries = QueryEmbedder(fake_embedder, OpenVinoEmbedder(cache_dir=tmp_path))
    assert queries.precision == precision
    suffix = "+bf16" if amx else ""
    assert CachedEmbedder(queries, cache_dir=tmp_path)._on_disk == \
        f"all-MiniLM-L6-v2+openvino{suffix}"
