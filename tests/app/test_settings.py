from pathlib import Path

import rag
from rag.settings import PROJECT_ROOT, Settings, uploads_root


def test_defaults_point_into_the_project_not_the_working_directory():
    settings = Settings()
    assert settings.articles_dir == PROJECT_ROOT / "seeds"
    assert settings.index_dir == PROJECT_ROOT / "index"
    assert settings.prompts_dir == PROJECT_ROOT / "prompts"
    assert settings.host == "127.0.0.1"


def test_installed_defaults_read_the_package_and_write_to_the_user_data_dir(tmp_path,
                                                                            monkeypatch):
    monkeypatch.setattr("rag.settings.in_checkout", lambda: False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    settings = Settings()
    package = Path(rag.__file__).resolve().parent
    assert settings.articles_dir == package / "seed_articles"
    assert settings.prompts_dir == package / "prompt_templates"
    assert settings.index_dir == tmp_path / "newsroom-rag" / "index"
    # The chat's uploads never go into the package either.
    assert uploads_root(settings.articles_dir) == tmp_path / "newsroom-rag" / "articles"
    assert uploads_root(tmp_path / "news") == tmp_path / "news"


def test_environment_overrides_defaults_with_types(tmp_path):
    settings = Settings.from_env({"RAG_INDEX_DIR": str(tmp_path), "RAG_CHUNK_TOKENS": "120",
                                  "RAG_ABSTAIN_BELOW": "0.5", "UNRELATED": "x"})
    assert settings.index_dir == tmp_path and settings.chunk_tokens == 120
    assert settings.abstain_below == 0.5


def test_replace_ignores_unset_flags_and_resolves_paths():
    settings = Settings().replace(index_dir="relative/idx", port=None)
    assert settings.index_dir == Path("relative/idx").resolve() and settings.port == 7860
