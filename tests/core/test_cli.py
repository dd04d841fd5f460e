"""The `peiban` console script: hyphenated commands, --json, exit statuses 0, 1 and 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


def peiban(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PEIBAN_DATA_DIR": str(tmp_path), "PEIBAN_DEMO_BUILDINGS": "2"}
    env.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "peiban", *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli")
    result = peiban(path, "demo", "--no-serve", "--json")
    assert result.returncode == 0, result.stderr
    return path


def test_it_creates_a_token_and_prints_it_once(data_dir: Path) -> None:
    result = peiban(data_dir, "create-token", "demo-staff", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["token"].startswith("pb_")


def test_it_exits_1_with_a_json_error_for_an_unknown_user(data_dir: Path) -> None:
    result = peiban(data_dir, "create-token", "nobody", "--json")
    assert result.returncode == 1
    assert json.loads(result.stdout) == {"error": "There is no user named 'nobody'."}
    assert "nobody" in result.stderr


def test_it_exits_2_on_a_usage_error(data_dir: Path) -> None:
    result = peiban(data_dir, "create-token")
    assert result.returncode == 2
    assert "create-token" in result.stderr


def test_it_lists_its_own_commands(data_dir: Path) -> None:
    result = peiban(data_dir, "help")
    assert result.returncode == 0
    for name in ("demo", "create_token", "worker"):
        assert name in result.stdout
