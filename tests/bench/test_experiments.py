"""The scripts in benchmarks/experiments/ still run against the library's layout:
each parses, and every name it imports from ``rag`` exists."""

import ast
import importlib

import pytest
from conftest import ROOT

SCRIPTS = sorted((ROOT / "benchmarks" / "experiments").glob("*.py"))


def _rag_imports(path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "rag":
            yield from ((node.module, alias.name) for alias in node.names)
        elif isinstance(node, ast.Import):
            yield from ((alias.name, None) for alias in node.names
                        if alias.name.split(".")[0] == "rag")


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda path: path.name)
def test_experiment_script_imports_only_names_the_library_has(script):
    imports = list(_rag_imports(script))
    assert imports, "every experiment measures something of rag"
    for module, name in imports:
        found = importlib.import_module(module)
        if name is not None and not hasattr(found, name):
            importlib.import_module(f"{module}.{name}")  # a submodule, or ImportError


def test_build_cost_build_times_a_build_from_scratch_of_the_callers_paths_in_any_checkout(
        tmp_path, monkeypatch):
    """``build_cost.py build SAMPLE I --checkout DIR`` runs the build in DIR: the
    relative paths it was given still name the caller's articles and index, and
    the index removed first is the one built (else the build is incremental)."""
    from importlib.util import module_from_spec, spec_from_file_location

    spec = spec_from_file_location("build_cost", ROOT / "benchmarks/experiments/build_cost.py")
    build_cost = module_from_spec(spec)
    spec.loader.exec_module(build_cost)
    (tmp_path / "I").mkdir()
    monkeypatch.chdir(tmp_path)
    ran = []
    monkeypatch.setattr(build_cost.subprocess, "run",
                        lambda command, **options: ran.append((command, options)))

    build_cost.build(build_cost.Path("SAMPLE"), "I", "--checkout", str(ROOT))

    (command, options), = ran
    where = build_cost.Path(options["cwd"])
    assert where / command[command.index("--articles") + 1] == tmp_path / "SAMPLE"
    assert where / command[command.index("--index") + 1] == tmp_path / "I"
    assert not (tmp_path / "I").exists()


def test_retrieve_cost_breakdown_names_the_question_model_actually_used(
        tmp_path, monkeypatch, capsys):
    """The OpenVINO question model runs the ONNX model's ``encode``: its time
    is labelled by its own class, not as ONNX's."""
    from importlib.util import module_from_spec, spec_from_file_location
    from types import SimpleNamespace

    import rag.index.backend as backend
    import rag.models.embedding as embedding
    import rag.search.retriever as retriever

    spec = spec_from_file_location("retrieve_cost",
                                   ROOT / "benchmarks/experiments/retrieve_cost.py")
    retrieve_cost = module_from_spec(spec)
    spec.loader.exec_module(retrieve_cost)
    for owner, names in ((embedding.OnnxEmbedder, ["encode"]),
                         (embedding.SentenceEmbedder, ["encode"]),
                         (backend.EmbeddedSearchable, ["dense", "bm25", "bm25_articles",
                                                       "passages"]),
                         (retriever, ["diversify"])):
        for name in names:      # the breakdown wraps them: unwrapped after the test
            monkeypatch.setattr(owner, name, getattr(owner, name))
    model = object.__new__(embedding.OpenVinoEmbedder)
    model.warm_up = lambda: None
    engine = SimpleNamespace(settings=SimpleNamespace(query_backend="openvino"),
                             retrieve=lambda question, k: model.encode([]))
    monkeypatch.setattr(retrieve_cost, "warm_engine", lambda news_dev, index: engine)
    (tmp_path / "questions.jsonl").write_text('{"question": "Who won?"}\n')

    retrieve_cost.breakdown(tmp_path, "INDEX")

    out = capsys.readouterr().out
    assert "question model (OpenVinoEmbedder encode)" in out and "ONNX" not in out
