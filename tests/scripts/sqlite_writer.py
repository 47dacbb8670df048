"""One editor's process saving claims as the admin does; prints how many saves failed,
and when its saves began and ended.

Run by tests/test_sqlite_concurrency.py with DATABASE_URL set to a shared SQLite file.
"""

from __future__ import annotations

import os
import sys
import time

import django


def main(name: str, saves: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factreg.settings")
    django.setup()
    from django.db import OperationalError, transaction

    from claims.models import Claim, Topic

    topic = Topic.objects.get(slug="load")
    # Ready, then wait for the word to go: the test starts every writer at once, after
    # all of them have started Django, so their saves contend for the lock throughout.
    print("ready", flush=True)
    sys.stdin.readline()
    failed = 0
    began = time.time()
    for number in range(saves):
        try:
            # As the admin saves a claim: the row, its topics and its history, in one
            # transaction, after reading what the form shows.
            with transaction.atomic():
                claim = Claim.objects.create(statement=f"{name} claim {number}.")
                claim.topics.add(topic)
                claim.statement = f"{name} claim {number}, edited."
                claim.save()
            Claim.objects.filter(topics=topic).count()
        except OperationalError as error:
            failed += 1
            print(f"{name} save {number}: {error}", file=sys.stderr)
    # How many saves failed, and when the first save began and the last one ended.
    print(failed, began, time.time())


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
