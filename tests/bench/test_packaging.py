"""The product's wheel carries the product only: no benchmark code."""

import re
import shutil
import subprocess
import sys
import zipfile

from conftest import ROOT

BENCHMARK_MODULE = re.compile(r"(^|/)(rag_bench|bench\w*|loadtest|corroboration_bench)(/|\.py$)")


def test_product_wheel_holds_no_benchmark_module(tmp_path):
    # Build from a copy of what the wheel is made of, so the checkout gets no
    # build/ or egg-info directories.
    source = tmp_path / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source)
    for name in ("rag", "prompts"):
        shutil.copytree(ROOT / name, source / name,
                        ignore=shutil.ignore_patterns("__pycache__"))
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                            "--no-build-isolation", "-w", str(tmp_path / "dist"), str(source)],
                           capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, build.stderr
    (wheel,) = (tmp_path / "dist").glob("newsroom_rag-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert {"rag/app/cli.py", "rag/app/evaluation.py", "rag/app/answer_evaluation.py"} <= set(names)
    assert [n for n in names if BENCHMARK_MODULE.search(n)] == []
