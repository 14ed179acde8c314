"""Settings: defaults, environment, validation, warnings and their reference page."""

import logging
from pathlib import Path

import pytest

import rag
from rag.settings import PROJECT_ROOT, SettingError, Settings, load, specs, uploads_root

DOCS = PROJECT_ROOT / "docs" / "configuration.md"


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
    settings = Settings.from_env({"RAG_INDEX": str(tmp_path), "RAG_CHUNK_TOKENS": "120",
                                  "RAG_ABSTAIN_BELOW": "0.5", "RAG_UPLOADS": "0",
                                  "RAG_METHOD": "bm25", "UNRELATED": "x"})
    assert settings.index_dir == tmp_path and settings.chunk_tokens == 120
    assert settings.abstain_below == 0.5 and settings.uploads is False
    assert settings.retrieval_method == "bm25"


def test_replace_ignores_unset_flags_and_resolves_paths():
    settings = Settings().replace(index_dir="relative/idx", port=None)
    assert settings.index_dir == Path("relative/idx").resolve() and settings.port == 7860


def test_every_setting_has_a_flag_and_a_variable_named_after_it():
    flags = [flag for spec in specs().values() for flag in (spec.flag, *spec.aliases)]
    assert len(flags) == len(set(flags))
    for spec in specs().values():
        assert spec.env == "RAG_" + spec.flag[2:].upper().replace("-", "_")
        assert spec.help and spec.group


def test_existing_flag_names_map_to_variables_named_alike():
    by_flag = {spec.flag: spec.env for spec in specs().values()}
    assert by_flag["--index"] == "RAG_INDEX" and by_flag["--articles"] == "RAG_ARTICLES"
    assert by_flag["--method"] == "RAG_METHOD" and by_flag["--top-k"] == "RAG_TOP_K"


@pytest.mark.parametrize("variable, value, allowed", [
    ("RAG_TOP_K", "five", "a whole number >= 1"),
    ("RAG_TOP_K", "0", "a whole number >= 1"),
    ("RAG_METHOD", "foo", "one of hybrid, dense or bm25"),
    ("RAG_DENSE_WEIGHT", "-0.2", "a number from 0 to 1"),
    ("RAG_UPLOADS", "maybe", "true or false"),
    ("RAG_AS_OF", "2024-3-5", "an ISO date (YYYY-MM-DD)"),
    ("RAG_MAX_FILE_MB", "nan", "a number > 0"),
])
def test_a_bad_value_names_the_setting_its_variable_its_flag_and_what_is_allowed(
        variable, value, allowed):
    with pytest.raises(ValueError) as error:
        Settings.from_env({variable: value})
    message = str(error.value)
    assert variable in message and repr(value) in message and allowed in message
    spec = next(s for s in specs().values() if s.env == variable)
    assert spec.name in message and spec.flag in message and "\n" not in message


def test_settings_made_in_python_are_checked_too():
    with pytest.raises(ValueError, match="top_k must be a whole number >= 1"):
        Settings().replace(top_k=0)
    with pytest.raises(ValueError, match="port must be a whole number from 1 to 65535"):
        Settings(port=70000)
    with pytest.raises(ValueError, match="one of torch, onnx or onnx-int8"):
        Settings().replace(embed_backend="tensorrt")
    with pytest.raises(ValueError, match="did you mean top_k"):
        Settings().replace(topk=3)


def test_the_public_api_raises_value_error_for_a_bad_variable(monkeypatch):
    import rag

    monkeypatch.setenv("RAG_TOP_K", "five")
    with pytest.raises(ValueError, match="RAG_TOP_K"):
        rag.retrieve("Who decided not to use its veto?")


def test_a_bad_login_is_refused_without_printing_it():
    with pytest.raises(SettingError) as error:
        Settings.from_env({"RAG_AUTH": "secret-without-colon"})
    assert "user:password" in str(error.value)
    assert "secret-without-colon" not in str(error.value)


def test_an_unknown_variable_warns_once_with_the_closest_setting(caplog):
    with caplog.at_level(logging.WARNING, logger="rag.settings"):
        Settings.from_env({"RAG_CHUNK_TOKEN": "100"})
        Settings.from_env({"RAG_CHUNK_TOKEN": "100"})
    warnings = [r.getMessage() for r in caplog.records if "RAG_CHUNK_TOKEN" in r.getMessage()]
    assert warnings == ["RAG_CHUNK_TOKEN is not a setting and is ignored; "
                        "did you mean RAG_CHUNK_TOKENS?"]


def test_variables_read_by_the_tests_are_not_reported_as_unknown(caplog):
    with caplog.at_level(logging.WARNING, logger="rag.settings"):
        Settings.from_env({"RAG_SCREENSHOT": "docs/chat.png"})
    assert not caplog.records


def test_a_former_variable_name_still_works_and_names_the_new_one(tmp_path, caplog):
    with caplog.at_level(logging.WARNING, logger="rag.settings"):
        settings = Settings.from_env({"RAG_RETRIEVAL_METHOD": "dense"})
    assert settings.retrieval_method == "dense"
    assert [r.getMessage() for r in caplog.records] == [
        "RAG_RETRIEVAL_METHOD is deprecated, use RAG_METHOD (or the flag --method)"]
    both = Settings.from_env({"RAG_INDEX_DIR": str(tmp_path / "old"),
                              "RAG_INDEX": str(tmp_path / "new")})
    assert both.index_dir == tmp_path / "new"


def test_load_says_where_each_value_came_from():
    loaded = load({"RAG_FUSION": "rrf", "RAG_TOP_K": "4"}, {"top_k": "7", "port": None})
    assert loaded.settings.top_k == 7 and loaded.settings.fusion == "rrf"
    assert loaded.sources["top_k"] == "flag --top-k"
    assert loaded.sources["fusion"] == "env RAG_FUSION"
    assert loaded.sources["port"] == "default"


def test_every_setting_is_in_docs_configuration():
    text = DOCS.read_text(encoding="utf-8")
    missing = [name for name in specs() if f"| `{name}` |" not in text]
    assert not missing, f"docs/configuration.md lacks {missing}: run `rag config --docs`"


def test_docs_configuration_is_up_to_date_with_the_settings():
    from rag.app.config import reference

    assert DOCS.read_text(encoding="utf-8") == reference(), \
        "docs/configuration.md is out of date: rag config --docs > docs/configuration.md"
