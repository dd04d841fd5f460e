"""Settings come from the environment; bad values stop start-up with a sentence naming the variable."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from peiban.env import env_bool, env_int, env_list, stored_secret


def start(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith("PEIBAN_") and k != "DATABASE_URL"
    }
    clean.update({"PEIBAN_DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "peiban.settings"})
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=clean,
        capture_output=True,
        text=True,
        check=False,
    )


def test_it_reads_booleans_and_refuses_other_words(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PEIBAN_X", "Yes")
    assert env_bool("PEIBAN_X", default=False) is True
    monkeypatch.setenv("PEIBAN_X", "off")
    assert env_bool("PEIBAN_X", default=True) is False
    monkeypatch.setenv("PEIBAN_X", "maybe")
    with pytest.raises(ImproperlyConfigured, match="PEIBAN_X"):
        env_bool("PEIBAN_X", default=False)


def test_it_refuses_numbers_out_of_range(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PEIBAN_N", "0")
    with pytest.raises(ImproperlyConfigured, match="PEIBAN_N must be at least 1"):
        env_int("PEIBAN_N", default=5, minimum=1)
    monkeypatch.setenv("PEIBAN_N", "five")
    with pytest.raises(ImproperlyConfigured, match="whole number"):
        env_int("PEIBAN_N", default=5)


def test_it_splits_lists_on_commas(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PEIBAN_L", " a.example, ,b.example ")
    assert env_list("PEIBAN_L", []) == ["a.example", "b.example"]


def test_it_generates_a_secret_once_with_owner_only_permissions(tmp_path: Path) -> None:
    path = tmp_path / "secret-key"
    first = stored_secret(path)
    assert stored_secret(path) == first
    assert len(first) >= 50
    assert path.stat().st_mode & 0o777 == 0o600


def test_it_starts_with_defaults_on_embedded_sqlite(tmp_path: Path) -> None:
    result = start(tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "secret-key").exists()
    assert (tmp_path / "field-key").exists()


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"PEIBAN_DEBUG": "perhaps"}, "PEIBAN_DEBUG"),
        ({"PEIBAN_MODE": "staging"}, "PEIBAN_MODE"),
        ({"PEIBAN_MODE": "production"}, "PEIBAN_SECRET_KEY"),
        ({"PEIBAN_SECRET_KEY": "short"}, "PEIBAN_SECRET_KEY"),
        ({"PEIBAN_SESSION_HOURS": "0"}, "PEIBAN_SESSION_HOURS"),
        ({"PEIBAN_CSRF_TRUSTED_ORIGINS": "example.org"}, "PEIBAN_CSRF_TRUSTED_ORIGINS"),
        ({"DATABASE_URL": "mysql://root@localhost/peiban"}, "DATABASE_URL"),
        ({"PEIBAN_LOG_LEVEL": "LOUD"}, "PEIBAN_LOG_LEVEL"),
    ],
)
def test_it_stops_start_up_naming_the_bad_variable(
    tmp_path: Path, env: dict[str, str], named: str
) -> None:
    result = start(tmp_path, **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert named in result.stderr.splitlines()[-1]


def test_it_requires_both_keys_in_production_mode(tmp_path: Path) -> None:
    key = "k" * 40
    result = start(tmp_path, PEIBAN_MODE="production", PEIBAN_SECRET_KEY=key)
    assert "PEIBAN_FIELD_KEY" in result.stderr.splitlines()[-1]
    result = start(
        tmp_path, PEIBAN_MODE="production", PEIBAN_SECRET_KEY=key, PEIBAN_FIELD_KEY="f" * 40
    )
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "secret-key").exists()


def test_it_turns_on_secure_cookies_behind_https(tmp_path: Path) -> None:
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS > 0)"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("PEIBAN_")}
    env.update(
        PEIBAN_DATA_DIR=str(tmp_path), PEIBAN_HTTPS="on", DJANGO_SETTINGS_MODULE="peiban.settings"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["True", "True", "True"]
