from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    keep = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG", "DATABASE_URL"}}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**keep, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_missing_secret_key_with_debug_off_stops_with_one_line():
    result = _manage("check")
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        "factreg: set the SECRET_KEY environment variable "
        "(for development, `make run` sets one for you)."
    ]


def test_production_settings_pass_the_deploy_check_without_warnings():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY="a-long-random-production-secret-" + "x7Qz!" * 10,
        ALLOWED_HOSTS="factreg.example.org",
        CSRF_TRUSTED_ORIGINS="https://factreg.example.org",
        DATABASE_URL="sqlite:///:memory:",
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_debug_is_off_unless_set():
    result = _manage(
        "shell",
        "-v0",
        "-c",
        "from django.conf import settings; print(settings.DEBUG)",
        SECRET_KEY="k",
    )
    assert result.stdout.strip() == "False"
