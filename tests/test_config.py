"""Settings: defaults, .env and environment order, one clear line per bad variable, .env.example complete."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import pytest

from mygallery.config import Settings, load_settings
from mygallery.errors import ConfigError
from mygallery.service import pin_to_cpus

ROOT = Path(__file__).resolve().parent.parent


def test_defaults_follow_the_contract() -> None:
    settings = load_settings({}, dotenv_path=None)
    assert (settings.host, settings.port, settings.max_sessions) == ("0.0.0.0", 8000, 50)
    assert settings.session_store == "sqlite" and settings.resolved_answer_backend == "extractive"
    assert settings.rate_limit_per_minute == 60 and settings.max_body_bytes == 65536


def test_environment_wins_over_dotenv(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("PORT=9000\nMAX_SESSIONS=7\nOPENAI_BASE_URL=http://127.0.0.1:8080/v1\n")
    settings = load_settings({"PORT": "9100"}, dotenv_path=env_file)
    assert settings.port == 9100 and settings.max_sessions == 7
    assert settings.resolved_answer_backend == "openai"


def test_every_bad_variable_is_named_on_its_own_line() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({"PORT": "abc", "MAX_SESSIONS": "-1", "DEBUG": "maybe", "SESSION_STORE": "mongo"},
                      dotenv_path=None)
    lines = str(caught.value).splitlines()
    assert len(lines) == 4
    for name in ("PORT", "MAX_SESSIONS", "DEBUG", "SESSION_STORE"):
        assert sum(name in line for line in lines) == 1


def test_env_example_documents_every_setting_and_parses() -> None:
    example = ROOT / ".env.example"
    documented = {line.split("=", 1)[0].strip() for line in example.read_text().splitlines()
                  if "=" in line and not line.lstrip().startswith("#")}
    assert documented == {f.name.upper() for f in fields(Settings)}
    assert load_settings({}, dotenv_path=example) == Settings()


def test_the_interface_document_lists_every_setting() -> None:
    documented = (ROOT / "docs" / "API.md").read_text(encoding="utf-8")
    assert [f.name.upper() for f in fields(Settings) if f"`{f.name.upper()}`" not in documented] == []


def test_cpu_affinity_setting_and_choice() -> None:
    """CPU_AFFINITY: auto pins a process that may use several CPUs to the highest one, off and a lone CPU leave
    it alone, numbers must be CPUs the process may use, anything else is a configuration error."""
    assert load_settings({}, dotenv_path=None).cpu_affinity == "auto"
    assert load_settings({"CPU_AFFINITY": " 3, 1,3"}, dotenv_path=None).cpu_affinity == "1,3"
    with pytest.raises(ConfigError, match="CPU_AFFINITY"):
        load_settings({"CPU_AFFINITY": "first"}, dotenv_path=None)
    assert pin_to_cpus("auto", {0, 1}) == {1}
    assert pin_to_cpus("auto", {2, 5, 7}) == {7}
    assert pin_to_cpus("auto", {0}) is None
    assert pin_to_cpus("off", {0, 1}) is None
    assert pin_to_cpus("0,1", {0, 1, 2}) == {0, 1}
    with pytest.raises(ConfigError, match="may not use"):
        pin_to_cpus("4", {0, 1})


def test_cluster_settings_are_checked_one_line_each() -> None:
    settings = load_settings({}, dotenv_path=None)
    assert (settings.redis_timeout_seconds, settings.turn_lock_seconds, settings.heartbeat_seconds) == (2.0, 60.0, 5.0)
    assert (settings.instance_id, settings.index_watch_seconds) == ("", 1.0)
    with pytest.raises(ConfigError) as caught:
        load_settings({"REDIS_TIMEOUT_SECONDS": "0", "HEARTBEAT_SECONDS": "soon", "INSTANCE_ID": "a b",
                       "INDEX_WATCH_SECONDS": "-1"}, dotenv_path=None)
    lines = str(caught.value).splitlines()
    assert len(lines) == 4
    for name in ("REDIS_TIMEOUT_SECONDS", "HEARTBEAT_SECONDS", "INSTANCE_ID", "INDEX_WATCH_SECONDS"):
        assert sum(name in line for line in lines) == 1
    assert load_settings({"INDEX_WATCH_SECONDS": "0", "INSTANCE_ID": "box-2:8001"}, dotenv_path=None).instance_id \
        == "box-2:8001"
    # A turn lock shorter than the longest answer would let a second tab interleave: refused in cluster mode.
    with pytest.raises(ConfigError, match="TURN_LOCK_SECONDS=20 must be longer than LLM_TIMEOUT_SECONDS=30"):
        load_settings({"SESSION_STORE": "redis", "REDIS_URL": "redis://h/0", "TURN_LOCK_SECONDS": "20"},
                      dotenv_path=None)
    assert load_settings({"TURN_LOCK_SECONDS": "20"}, dotenv_path=None).turn_lock_seconds == 20.0  # unused there
