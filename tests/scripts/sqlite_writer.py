"""One editor's process saving claims as the admin does; prints how many saves failed.

Run by tests/test_sqlite_concurrency.py with DATABASE_URL set to a shared SQLite file.
"""

from __future__ import annotations

import os
import sys

import django


def main(name: str, saves: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factreg.settings")
    django.setup()
    from django.db import OperationalError, transaction

    from claims.models import Claim, Topic

    topic = Topic.objects.get(slug="load")
    failed = 0
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
    print(failed)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
