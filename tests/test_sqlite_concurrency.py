"""SQLite for a small team: several editors' processes save at once without "database is locked".

Runs on its own SQLite file whatever database the suite uses, because it checks the
SQLite settings (WAL, busy timeout, immediate transactions), not the data.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

from tests.processes import manage

PROCESSES = 4
SAVES = 50


def _environment(database: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "DJANGO_SETTINGS_MODULE": "factreg.settings",
    }


def test_four_editors_saving_50_claims_each_at_once_lose_no_save(tmp_path):
    env = _environment(tmp_path / "team.sqlite3")
    # The schema and the topic every writer tags with, in one process.
    manage(
        env,
        "shell",
        "-v",
        "0",
        "-c",
        "from django.core.management import call_command; call_command('migrate', verbosity=0); "
        "from claims.models import Topic; Topic.objects.create(slug='load', name='Load')",
    )
    writers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.scripts.sqlite_writer",
                f"editor{n}",
                str(SAVES),
            ],
            env=env,
            cwd=settings.BASE_DIR,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(PROCESSES)
    ]
    for writer in writers:
        assert writer.stdout.readline() == "ready\n"
    for writer in writers:
        writer.stdin.write("go\n")
        writer.stdin.flush()
    results = [writer.communicate(timeout=600) for writer in writers]
    assert [writer.returncode for writer in writers] == [0] * PROCESSES, results
    failed, began, ended = zip(*(out.split() for out, _ in results), strict=True)
    assert [int(count) for count in failed] == [0] * PROCESSES, [err for _, err in results]
    # The four were saving at the same time: each began before any of them ended.
    assert max(map(float, began)) < min(map(float, ended))
    counts = manage(
        env,
        "shell",
        "-v",
        "0",
        "-c",
        "from claims.models import Claim; print(Claim.objects.count(), "
        "Claim.history.filter(history_type='+').count(), "
        "Claim.history.filter(statement__endswith='edited.').count())",
    )
    claims, created, edited = map(int, counts.split())
    assert claims == PROCESSES * SAVES
    # Every save kept its history: each claim's creation and its edit.
    assert created == PROCESSES * SAVES
    assert edited >= PROCESSES * SAVES
