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
