"""Admin login throttling (django-axes): guessers are locked out, editors are told why."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client

LOGIN = "/admin/login/?next=/admin/"
PASSWORD = "a-long-correct-password"


@pytest.fixture
def editor_account(db) -> User:
    return User.objects.create_superuser("ed", "ed@example.org", PASSWORD)


def attempt(client: Client, username: str, password: str, ip: str = "203.0.113.7"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_five_wrong_passwords_lock_the_account_from_that_address_even_for_the_right_one(
    editor_account,
):
    client = Client()
    for _ in range(4):
        response = attempt(client, "ed", "wrong")
        assert response.status_code == 200  # the login form again, with its error
        assert "Please enter the correct username and password" in response.text
    locked = attempt(client, "ed", "wrong")
    assert locked.status_code == 429
    right = attempt(client, "ed", PASSWORD)
    assert right.status_code == 429
    assert "Too many failed logins for “ed” from your address" in right.text
    assert "axes_reset_username ed" in right.text
    assert not logged_in(client)


def test_a_lockout_does_not_lock_other_users_or_the_same_user_elsewhere(editor_account):
    User.objects.create_superuser("ann", "ann@example.org", PASSWORD)
    guesser = Client()
    for _ in range(5):
        attempt(guesser, "ed", "wrong")
    assert attempt(guesser, "ed", PASSWORD).status_code == 429
    colleague = Client()
    assert attempt(colleague, "ann", PASSWORD).status_code == 302
    assert logged_in(colleague)
    at_home = Client()
    assert attempt(at_home, "ed", PASSWORD, ip="198.51.100.2").status_code == 302
    assert logged_in(at_home)


def test_an_administrator_lifts_a_lockout_with_a_command(editor_account, capsys):
    client = Client()
    for _ in range(5):
        attempt(client, "ed", "wrong")
    assert attempt(client, "ed", PASSWORD).status_code == 429
    call_command("axes_reset_username", "ed")
    response = attempt(client, "ed", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert logged_in(client)


def test_a_successful_login_clears_earlier_failures(editor_account):
    client = Client()
    for _ in range(4):
        attempt(client, "ed", "wrong")
    assert attempt(client, "ed", PASSWORD).status_code == 302
    client.logout()
    for _ in range(4):
        attempt(client, "ed", "wrong")
    assert attempt(client, "ed", PASSWORD).status_code == 302
