"""The folders are the architecture: dependencies point one way.

The layers contract lives in pyproject.toml ([tool.importlinter]); this runs
import-linter on it, so an import that points up a layer fails the suite.
"""

import subprocess
import sys
from pathlib import Path

from conftest import ROOT


def test_dependencies_point_one_way_between_layers():
    lint_imports = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run([str(lint_imports), "--no-cache"], cwd=ROOT, capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout
