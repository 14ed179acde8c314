"""Shared fixtures: paths, a fake embedder, and one real-model index of the seeds."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
sys.path.insert(0, str(Path(__file__).resolve().parent))

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from fakes import FakeEmbedder  # noqa: E402

from rag.settings import Settings  # noqa: E402


@pytest.fixture(scope="session")
def product_wheel(tmp_path_factory) -> Path:
    """The product's wheel, built once per run from a copy of what it is made of:
    building in the checkout would leave build/ there, and a stale build/ puts
    modules that no longer exist into the next wheel."""
    import shutil

    work = tmp_path_factory.mktemp("wheel")
    source = work / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source)
    for name in ("rag", "prompts", "seeds"):
        shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                            "--no-build-isolation", "-w", str(work / "dist"), str(source)],
                           capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, build.stderr
    (wheel,) = (work / "dist").glob("newsroom_rag-*.whl")
    return wheel


@pytest.fixture
def fake_embedder():
    return FakeEmbedder()


@pytest.fixture
def write_articles(tmp_path):
    """Write ``{name: text}`` into a fresh articles directory and return it."""
    def write(files: dict[str, str]) -> Path:
        directory = tmp_path / "articles"
        directory.mkdir(exist_ok=True)
        for name, text in files.items():
            (directory / name).write_text(text, encoding="utf-8")
        return directory
    return write


# A small corpus for index-maintenance tests (fake embedder, no model).
VETO = "Veto story\n\nThe US decided not to use its veto. The resolution passed the council."
STORM = "Storm story\n\nA storm hit the coast. Thousands lost power overnight in the region."
QUAKE = "Quake story\n\nAn earthquake shook the mountain town. Buildings cracked and residents fled."


@pytest.fixture
def build_engine(tmp_path, fake_embedder, write_articles):
    """``build_engine({name: text}, **settings)``: an engine over those
    articles, indexed with the fake embedder."""
    from rag.engine import Engine

    def build(files: dict[str, str], **settings):
        settings = {"articles_dir": write_articles(files), "index_dir": tmp_path / "idx",
                    **settings}
        built = Engine(Settings().replace(**settings), fake_embedder)
        built.build(progress=False)
        return built
    return build


@pytest.fixture
def engine(build_engine):
    """An engine over VETO and STORM, built with the fake embedder.

    Test modules that need another corpus define their own ``engine``."""
    return build_engine({"veto.txt": VETO, "storm.txt": STORM})


@pytest.fixture(scope="session")
def seed_engine(tmp_path_factory):
    """The real product on the seed articles: real model, index in a temp dir."""
    from rag.engine import Engine

    settings = Settings().replace(articles_dir=SEEDS,
                                  index_dir=tmp_path_factory.mktemp("seed-index"))
    engine = Engine(settings)
    engine.build(progress=False)
    return engine


def fresh_python(code: str, *, timeout: float = 120,
                 **env: str | None) -> subprocess.CompletedProcess:
    """Run ``code`` in a new Python process of this project (what it imports
    counted from nothing), its output captured as text. ``env``: environment
    variables to set for it, a ``None`` one removed."""
    changed = {**os.environ, "PYTHONPATH": str(ROOT), "GRADIO_ANALYTICS_ENABLED": "False",
               **env}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, timeout=timeout,
                          env={k: v for k, v in changed.items() if v is not None})


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def milvus_server(tmp_path_factory):
    """milvus-lite serving one file on a free port of 127.0.0.1 (the network path
    a Milvus server or cluster is reached by) for the whole session; stopped at
    the end. Tests keep apart by collection name."""
    from rag.index.milvus import start_lite_server

    port = free_port()
    server = start_lite_server(tmp_path_factory.mktemp("milvus") / "tests.db", port)
    yield f"http://127.0.0.1:{port}"
    server.stop()


def milvus_settings(uri: str) -> dict:
    """Settings of the milvus backend on ``uri``, in a collection of its own."""
    import uuid

    return {"backend": "milvus", "milvus_uri": uri,
            "milvus_collection": f"t_{uuid.uuid4().hex[:12]}"}


@pytest.fixture(params=["embedded", pytest.param("milvus", marks=pytest.mark.e2e)])
def backend(request) -> dict:
    """The settings of each index backend in turn (for the contract tests in
    tests/index/test_backends.py): embedded files, and Milvus on a local server."""
    if request.param == "embedded":
        return {}
    return milvus_settings(request.getfixturevalue("milvus_server"))
