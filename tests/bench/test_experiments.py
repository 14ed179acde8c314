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
