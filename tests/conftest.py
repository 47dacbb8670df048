from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command

from claims.models import Source


@pytest.fixture(autouse=True)
def _test_http_settings(settings) -> None:
    # The test client speaks plain HTTP, and manifest storage needs collectstatic.
    settings.SECURE_SSL_REDIRECT = False
    settings.STATIC_ROOT = None
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def seeded(db) -> list[Source]:
    """The seed articles imported as Sources."""
    call_command("import_seeds", verbosity=0)
    return list(Source.objects.all())


@pytest.fixture
def editor(db) -> User:
    """A staff user in the Editors group."""
    user = User.objects.create_user("edna", password="x", is_staff=True)
    user.groups.add(Group.objects.get(name="Editors"))
    return user


@pytest.fixture
def reviewer(db) -> User:
    """A staff user in the Reviewers group."""
    user = User.objects.create_user("rita", password="x", is_staff=True)
    user.groups.add(Group.objects.get(name="Reviewers"))
    return user
