"""The product installed from its wheel, run outside any checkout: it answers
from the seed articles shipped inside it, keeps its index in the user data
directory and writes nothing into its own installation."""

import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

VETO = "Who decided not to use its veto?"
SEED_IDS = {"000_e223778168a361c0", "004_30dc108169a15181"}


def _outside_env(**overrides) -> dict[str, str]:
    """This environment without what points at the checkout or configures rag."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("RAG_", "XDG_")) and k != "PYTHONPATH"}
    return {**env, **overrides}


def _venv_with(wheel: Path, venv: Path) -> Path:
    """A fresh venv holding only ``wheel``; the dependencies are the test
    interpreter's, seen through a ``.pth`` line (installing torch again would
    take minutes). Plain path lines: that environment's own ``.pth`` files, such
    as an editable install of this checkout, are not run."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = Path(subprocess.run([python, "-c", "import sysconfig; "
                                "print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip())
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install",
                    "--no-deps", "--no-index", "-q", str(wheel)],
                   cwd=venv, env=_outside_env(), check=True, capture_output=True)
    # After the install: pip would take the test environment's own newsroom-rag
    # for this one and install nothing.
    shared = dict.fromkeys([sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]])
    (site / "test-dependencies.pth").write_text("\n".join(shared) + "\n")
    return site


def _files(root: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in root.rglob("*")}


def test_installed_wheel_answers_from_its_seeds_and_writes_only_user_data(tmp_path,
                                                                         product_wheel):
    site = _venv_with(product_wheel, tmp_path / "venv")
    before = _files(tmp_path / "venv")
    home, data, empty = tmp_path / "home", tmp_path / "data", tmp_path / "empty"
    for folder in (home, data, empty):
        folder.mkdir()
    env = _outside_env(HOME=str(home), XDG_DATA_HOME=str(data), HF_HUB_OFFLINE="1")

    asked = subprocess.run([tmp_path / "venv" / "bin" / "rag", "ask", "--json", VETO],
                           cwd=empty, env=env, capture_output=True, text=True, timeout=600)

    assert asked.returncode == 0, asked.stderr
    index = data / "newsroom-rag" / "index"
    assert f"rag: no index in {index} yet; building it from " \
           f"{site / 'rag' / 'seed_articles'}" in asked.stderr
    reply = json.loads(asked.stdout)
    assert not reply["abstained"] and "veto" in reply["text"]
    assert reply["citations"] and {c["article_id"] for c in reply["citations"]} <= SEED_IDS
    assert (index / "CURRENT").is_file()
    assert list(empty.iterdir()) == []
    assert _files(tmp_path / "venv") == before  # nothing written into the installation
