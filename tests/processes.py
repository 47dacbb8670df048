"""Running manage.py in a separate process, against the database its environment names."""

from __future__ import annotations

import subprocess
import sys

from django.conf import settings


def manage(env: dict[str, str], *args: str) -> str:
    """manage.py's standard output; a failure shows its standard error."""
    done = subprocess.run(
        [sys.executable, str(settings.BASE_DIR / "manage.py"), *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout
