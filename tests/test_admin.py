from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils.html import escape

from claims.models import Claim, ClaimLink, Quote, Source
from tests.factories import (
    admin_claim_form,
    make_claim,
    make_entity,
    make_link,
    make_quote,
    make_topic,
)

MODELS = ["source", "topic", "entity", "claim", "quote", "claimlink"]
EDITOR_ADDS = ["topic", "entity", "claim", "quote", "claimlink"]


@pytest.fixture
def superuser(db) -> User:
    return User.objects.create_superuser("admin", "admin@example.org", "x")


@pytest.fixture
def registry(seeded):
    """One claim with a quote and a link, and the rows around it."""
    source = Source.objects.get(slug="avdaliani-2020-ties-face-challenges")
    topic, entity = make_topic("military"), make_entity("russia", kind="country")
    claim = make_claim("Azerbaijan sent only two observers.", topics=[topic], entities=[entity])
    other = make_claim("Another claim.", topics=[topic])
    quote = make_quote(claim, source, "Only two servicemen will be sent as observers.")
    link = make_link(claim, other, "qualifies")
    return {
        "source": source,
        "topic": topic,
        "entity": entity,
        "claim": claim,
        "quote": quote,
        "claimlink": link,
        "other": other,
    }


# What each model is called on its admin pages.
NAMES = {
    "source": "source",
    "topic": "topic",
    "entity": "entity",
    "claim": "claim",
    "quote": "quote",
    "claimlink": "claim link",
}
H1 = re.compile(r"<h1[^>]*>(.*?)</h1>", re.S)


def _pages(registry, models):
    """Each admin page of `models` for the registry's row, with the heading it shows and a
    text it must contain: the list links to the row, its pages name it."""
    for model in models:
        row, name = registry[model], NAMES[model]
        change = reverse(f"admin:claims_{model}_change", args=[row.pk])
        yield reverse(f"admin:claims_{model}_changelist"), f"Select {name} to change", change
        yield change, f"Change {name}", escape(str(row))
        history = reverse(f"admin:claims_{model}_history", args=[row.pk])
        yield history, f"View history: {escape(str(row))}", escape(str(row))


def _add_pages(models):
    for model in models:
        yield reverse(f"admin:claims_{model}_add"), f"Add {NAMES[model]}", 'type="submit"'


def _assert_pages_show_their_rows(client, pages) -> None:
    for url, heading, shown in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert H1.search(html).group(1).strip() == heading, url
        assert shown in html, url


def test_every_admin_page_shows_its_heading_and_row_to_a_superuser(client, superuser, registry):
    client.force_login(superuser)
    _assert_pages_show_their_rows(client, [*_pages(registry, MODELS), *_add_pages(MODELS)])


def test_every_admin_page_shows_its_heading_and_row_to_an_editor(client, editor, registry):
    client.force_login(editor)
    _assert_pages_show_their_rows(client, [*_pages(registry, MODELS), *_add_pages(EDITOR_ADDS)])


def test_editor_may_add_sources_and_change_only_those_not_yet_public(
    client, editor, reviewer, registry
):
    source = registry["source"]
    change = reverse("admin:claims_source_change", args=[source.pk])
    client.force_login(editor)
    assert client.get(reverse("admin:claims_source_add")).status_code == 200
    assert b'name="title"' in client.get(change).content
    Claim.objects.filter(pk=registry["claim"].pk).update(status="published")
    assert b'name="title"' not in client.get(change).content
    client.force_login(reviewer)
    assert b'name="title"' in client.get(change).content


def test_reading_view_highlights_each_quoted_span_and_lists_its_claims(client, superuser, registry):
    client.force_login(superuser)
    source, quote, claim = registry["source"], registry["quote"], registry["claim"]
    page = client.get(reverse("admin:claims_source_read", args=[source.pk]))
    html = page.content.decode()
    claim_url = reverse("admin:claims_claim_change", args=[claim.pk])
    assert (
        f'<mark id="q{quote.pk}" title="claim #{claim.pk} (Draft)" data-url="{claim_url}">'
        "Only two servicemen will be sent as observers.</mark>"
    ) in html
    assert "Azerbaijan sent only two observers." in html


def test_claim_changelist_shows_counts_and_filters(client, superuser, registry):
    client.force_login(superuser)
    url = reverse("admin:claims_claim_changelist")
    page = client.get(url, {"relation": "qualifies"})
    assert page.context["cl"].result_count == 2
    assert client.get(url, {"q": "servicemen will be sent"}).context["cl"].result_count == 1
    assert client.get(url, {"status__exact": "published"}).context["cl"].result_count == 0
    row = next(r for r in page.context["cl"].result_list if r.pk == registry["claim"].pk)
    assert (row.quote_count, row.link_count) == (1, 1)


def test_adding_a_claim_anchors_its_pasted_quote(client, editor, registry):
    client.force_login(editor)
    source = registry["source"]
    pasted = "the September 6th decision by Azerbaijan's Defense Ministry"
    response = client.post(reverse("admin:claims_claim_add"), admin_claim_form(source, pasted))
    assert response.status_code == 302
    claim = Claim.objects.get(statement__startswith="Azerbaijan opted out")
    quote = claim.quotes.get()
    assert quote.exact == "the September 6th decision by Azerbaijan’s Defense Ministry"
    assert source.text[quote.start : quote.end] == quote.exact
    assert (claim.created_by, claim.updated_by, claim.status) == (editor, editor, "draft")


def test_inline_quote_that_does_not_anchor_shows_its_error(client, editor, registry):
    client.force_login(editor)
    form = admin_claim_form(registry["source"], "Only three servicemen will be sent as observers.")
    response = client.post(reverse("admin:claims_claim_add"), form)
    assert response.status_code == 200
    html = response.content.decode()
    assert "This quote is not in the source text" in html
    assert "Only two servicemen will be sent as observers." in html
    assert not Claim.objects.filter(statement__startswith="Azerbaijan opted out").exists()


def test_ambiguous_inline_quote_asks_for_context(client, editor, registry):
    client.force_login(editor)
    form = admin_claim_form(registry["source"], "Nagorno Karabakh")
    response = client.post(reverse("admin:claims_claim_add"), form)
    assert "Paste a longer quote, or give the words just before or after it" in (
        response.content.decode()
    )
    form["quotes-0-context_after"] = " conflict recede"
    assert client.post(reverse("admin:claims_claim_add"), form).status_code == 302


def test_reverse_duplicate_contradiction_is_an_error_not_a_crash(client, editor, registry):
    client.force_login(editor)
    a, b = registry["claim"], registry["other"]
    make_link(a, b, "contradicts", rationale="They differ.")
    url = reverse("admin:claims_claimlink_add")
    response = client.post(
        url, {"from_claim": b.pk, "to_claim": a.pk, "relation": "contradicts", "rationale": "x"}
    )
    assert response.status_code == 200
    assert f"#{a.pk} already contradicts #{b.pk}." in response.content.decode()


def test_reviewer_publishes_claims_that_have_evidence(client, reviewer, registry):
    client.force_login(reviewer)
    claim, bare = registry["claim"], make_claim("No evidence yet.")
    response = client.post(
        reverse("admin:claims_claim_changelist"),
        {"action": "publish", "_selected_action": [claim.pk, bare.pk]},
        follow=True,
    )
    assert response.status_code == 200
    claim.refresh_from_db()
    bare.refresh_from_db()
    assert (claim.status, claim.updated_by) == ("published", reviewer)
    assert bare.status == "draft"
    messages = [str(m) for m in response.context["messages"]]
    assert "Publish: 1 claim(s)." in messages
    assert f"Claim #{bare.pk} needs a quote and a topic before it is published." in messages
    assert claim.history.first().history_user == reviewer


def test_editor_cannot_publish(client, editor, registry):
    client.force_login(editor)
    page = client.get(reverse("admin:claims_claim_changelist"))
    assert "publish" not in dict(page.context["action_form"].fields["action"].choices)
    client.post(
        reverse("admin:claims_claim_changelist"),
        {"action": "publish", "_selected_action": [registry["claim"].pk]},
    )
    registry["claim"].refresh_from_db()
    assert registry["claim"].status == "draft"


def test_send_to_review_then_retract_asks_for_a_reason_and_applies_only_to_published_claims(
    client, reviewer, registry
):
    client.force_login(reviewer)
    url = reverse("admin:claims_claim_changelist")
    claim = registry["claim"]
    client.post(url, {"action": "send_to_review", "_selected_action": [claim.pk]})
    claim.refresh_from_db()
    assert claim.status == "review"

    response = client.post(url, {"action": "retract", "_selected_action": [claim.pk]})
    confirm = response["Location"]
    assert confirm == reverse("admin:claims_claim_workflow", args=["retract"]) + f"?ids={claim.pk}"
    page = client.post(confirm, {"comment": ""})
    assert "This field is required." in page.content.decode()
    page = client.post(confirm, {"comment": "Wrong source."}, follow=True)
    claim.refresh_from_db()
    assert claim.status == "review"  # a claim in review is not public: nothing to retract
    assert "only published claims" in page.content.decode()

    client.post(url, {"action": "publish", "_selected_action": [claim.pk]})
    client.post(confirm, {"comment": "The source withdrew the figure."})
    claim.refresh_from_db()
    assert (claim.status, claim.retraction_reason) == (
        "retracted",
        "The source withdrew the figure.",
    )
    public = client.get(claim.get_absolute_url()).content.decode()
    assert "Reason: The source withdrew the figure." in public
    assert f'datetime="{claim.retracted_at:%Y-%m-%d}"' in public


def test_published_claims_cannot_be_deleted(client, superuser, registry):
    client.force_login(superuser)
    Claim.objects.filter(pk=registry["claim"].pk).update(status="published")
    url = reverse("admin:claims_claim_delete", args=[registry["claim"].pk])
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert Claim.objects.filter(pk=registry["claim"].pk).exists()


def test_admin_edit_is_recorded_in_history_with_its_user(client, editor, registry):
    client.force_login(editor)
    claim = registry["claim"]
    url = reverse("admin:claims_claim_change", args=[claim.pk])
    quote = claim.quotes.get()
    form = admin_claim_form(registry["source"], quote.exact, statement="Reworded statement.")
    form.update(
        {
            "quotes-INITIAL_FORMS": "1",
            "quotes-0-id": str(quote.pk),
            "quotes-0-claim": str(claim.pk),
            "topics": [registry["topic"].pk],
            "version": str(claim.version),
        }
    )
    response = client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    latest = claim.history.first()
    assert (latest.statement, latest.history_user) == ("Reworded statement.", editor)
    history_page = client.get(reverse("admin:claims_claim_history", args=[claim.pk]))
    assert history_page.status_code == 200
    assert "edna" in history_page.content.decode()
    assert Quote.objects.get(pk=quote.pk).exact == quote.exact
    assert ClaimLink.objects.count() == 1


def _analyze(table: str) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {table}")


def test_an_unfiltered_changelist_of_a_large_table_is_counted_from_statistics(
    admin_client, large_registry, monkeypatch
):
    import re

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from claims.counts import EstimatedCountPaginator

    monkeypatch.setattr(EstimatedCountPaginator, "threshold", 100)  # 250 claims count as large
    _analyze("claims_claim")
    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(reverse("admin:claims_claim_changelist"))
    text = response.content.decode()
    assert re.search(r"about</span>\s+250 claims", text)
    counts = [q["sql"] for q in queries if "COUNT(" in q["sql"] and "claims_claim" in q["sql"]]
    assert not [sql for sql in counts if "WHERE" not in sql]  # no exact count of every claim


def test_a_filtered_or_small_changelist_is_counted_exactly(admin_client, large_registry):
    import re

    _analyze("claims_claim")
    Claim.objects.filter(pk=large_registry.claims[0].pk).update(status="draft")
    response = admin_client.get(
        reverse("admin:claims_claim_changelist"), {"status__exact": "draft"}
    )
    assert re.search(r"\n1 claim\b", response.content.decode())
    response = admin_client.get(reverse("admin:claims_claim_changelist"))  # under 10,000 rows
    text = response.content.decode()
    assert "about</span>" not in text
    assert re.search(r"\n250 claims", text)
