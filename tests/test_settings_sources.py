"""Settings are read at the start of every page run: built once, and again as soon as what they are read
from changes (the environment, the `.env` file, secrets), never a stale copy."""

import drafting.settings
from drafting.settings import load_settings


def test_settings_follow_the_environment_the_env_file_and_secrets(tmp_path, monkeypatch):
    monkeypatch.setenv("DRAFTING_DATA_DIR", str(tmp_path / "data"))
    env_file = tmp_path / ".env"
    env_file.write_text("LLM_MODEL=first-model\n", encoding="utf-8")
    monkeypatch.setattr(drafting.settings, "ENV_FILE", str(env_file))
    first = load_settings({})
    assert first.llm_model == "first-model"
    assert load_settings({}) is first  # nothing changed: not built again

    env_file.write_text("LLM_MODEL=second-model\n", encoding="utf-8")  # edited in place
    assert load_settings({}).llm_model == "second-model"
    replacement = tmp_path / "new.env"
    replacement.write_text("LLM_MODEL=third-model\n", encoding="utf-8")
    replacement.replace(env_file)  # replaced, as editors save
    assert load_settings({}).llm_model == "third-model"

    monkeypatch.setenv("LLM_MODEL", "from-the-environment")  # the environment wins over .env
    assert load_settings({}).llm_model == "from-the-environment"
    assert load_settings({"LLM_MODEL": "from-secrets"}).llm_model == "from-secrets"
    assert load_settings({"LLM_MODEL": "from-secrets"}, llm_model="given").llm_model == "given"
    monkeypatch.setenv("DRAFTING_DATA_DIR", str(tmp_path / "elsewhere"))
    assert load_settings({}).data_dir == tmp_path / "elsewhere"


def test_a_secret_that_cannot_be_a_key_is_still_read(tmp_path, monkeypatch):
    monkeypatch.setenv("DRAFTING_DATA_DIR", str(tmp_path / "data"))
    secrets = {"LLM_MODEL": "listed", "REVIEWERS": ["张三", "李四"]}  # a list in secrets.toml
    assert load_settings(secrets).llm_model == "listed"
