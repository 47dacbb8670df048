"""Citable versions: every change to what a claim's page shows is a new numbered version."""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import json
import re

import bibtexparser
import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from claims import references, services
from claims.models import Claim, ClaimLink, ClaimRevision, ClaimVersion
from tests.factories import admin_form_data, make_claim, make_link, make_quote
from tests.test_workflow import ARTICLE, edit_claim, logged_in, world  # noqa: F401 - fixture

OLD = "Lukoil holds a fifth of Shah Deniz."
NEW = "Lukoil holds a 20 percent stake in Shah Deniz."


def versions_of(claim: Claim) -> list[tuple[int, str, str]]:
    return list(
        ClaimVersion.objects.filter(claim=claim)
        .order_by("number")
        .values_list("number", "status", "statement")
    )


def publish(claim: Claim, reviewer) -> Claim:
    return services.take_action(claim=claim, action="publish", user=reviewer)


def propose_and_approve(claim: Claim, editor, reviewer, **changes) -> ClaimRevision:
    claim.refresh_from_db()
    data = services.current_data(claim) | changes
    revision = services.propose_revision(
        claim=claim,
        data=data,
        reason="The article gives a percentage.",
        user=editor,
        base_version=claim.version,
    )
    return services.decide_revision(revision=revision, approve=True, user=reviewer)


@pytest.fixture
def cited(world) -> dict:  # noqa: F811
    """`world`'s claims published through the workflow: drafts first, then a reviewer's
    step, so each has its version 1."""
    reviewer = world["reviewer_user"]
    for name in ("public", "other"):
        Claim.objects.filter(pk=world[name].pk).update(status=Claim.Status.DRAFT)
        world[name] = publish(world[name], reviewer)
    return world


# --- Recording versions -----------------------------------------------------------------


def test_publishing_a_claim_makes_version_1_with_what_its_page_shows(cited):
    public = cited["public"]
    (version,) = ClaimVersion.objects.filter(claim=public)
    assert (version.number, version.status, version.statement) == (1, "published", OLD)
    assert version.content["topics"] == [{"slug": "energy", "name": "Energy"}]
    (quote,) = version.content["quotes"]
    assert quote["exact"] == "Lukoil holds a 20 percent stake"
    assert (quote["start"], quote["end"]) == (0, len(quote["exact"]))
    assert quote["source"]["title"] == "Stakes"
    assert version.content["links"] == []


def test_an_approved_revision_makes_version_2_and_version_1_keeps_the_old_statement(cited, client):
    public = cited["public"]
    propose_and_approve(public, cited["editor_user"], cited["reviewer_user"], statement=NEW)
    assert versions_of(public) == [(1, "published", OLD), (2, "published", NEW)]
    first = client.get(reverse("claims:claim-version", args=[public.pk, 1])).content.decode()
    assert f"<h1>{OLD}</h1>" in first
    assert NEW not in first.split('id="versions-h"')[0]  # only the history names it
    assert "This is version 1 of 2, as published on" in first
    assert f'<a href="/claims/{public.pk}/">see the current version</a>' in first
    page = client.get(public.get_absolute_url()).content.decode()
    assert f"<h1>{NEW}</h1>" in page
    assert re.search(r'<p class="version-line">Version 2, <time datetime="[\d-]+">', page)


def test_a_change_that_shows_nothing_new_makes_no_version(cited):
    public = cited["public"]
    assert services.record_public_version(claim=public) is None
    # A reviewer saves the form unchanged; a period note is not shown publicly.
    response = edit_claim(cited["reviewer"], public, change_reason="Checked, nothing to change.")
    assert response.status_code == 302
    link = make_link(public, cited["other"], ClaimLink.Relation.CONTRADICTS)
    services.record_public_version(claim=public)
    numbers = [number for number, _, _ in versions_of(public)]
    services.confirm_link_periods(link=link, note="Both hold.", user=cited["reviewer_user"])
    propose_and_approve(public, cited["editor_user"], cited["reviewer_user"])  # same values
    assert [number for number, _, _ in versions_of(public)] == numbers


def test_a_retraction_is_a_version_that_records_the_reason(cited, client):
    public = cited["public"]
    services.take_action(
        claim=public, action="retract", user=cited["reviewer_user"], comment="Misread figure."
    )
    assert versions_of(public) == [(1, "published", OLD), (2, "retracted", OLD)]
    retracted = ClaimVersion.objects.get(claim=public, number=2)
    assert retracted.content["retraction_reason"] == "Misread figure."
    page = client.get(retracted.get_absolute_url()).content.decode()
    assert "Reason: Misread figure." in page
    assert "retraction" in page


def test_drafts_held_changes_and_rejections_make_no_version(cited):
    draft = cited["draft"]
    edit_claim(cited["editor"], draft, statement="A reworded draft.")
    services.take_action(claim=draft, action="review", user=cited["editor_user"])
    services.take_action(claim=draft, action="reject", user=cited["reviewer_user"], comment="No.")
    assert not ClaimVersion.objects.filter(claim=draft).exists()
    public = cited["public"]
    edit_claim(cited["editor"], public, statement=NEW, change_reason="A percentage.")
    revision = ClaimRevision.objects.get()
    assert versions_of(public) == [(1, "published", OLD)]  # held, not applied
    services.decide_revision(
        revision=revision, approve=False, user=cited["reviewer_user"], comment="Keep it."
    )
    assert versions_of(public) == [(1, "published", OLD)]


def test_a_reviewers_new_quote_in_the_admin_is_a_new_version(cited):
    public = cited["public"]
    url = reverse("admin:claims_quote_add")
    data = admin_form_data(cited["reviewer"].get(url)) | {
        "claim": public.pk,
        "source": cited["source"].pk,
        "exact": "in the Shah Deniz gas field",
    }
    assert cited["reviewer"].post(url, data).status_code == 302
    version = ClaimVersion.objects.get(claim=public, number=2)
    assert [q["exact"] for q in version.content["quotes"]] == [
        "Lukoil holds a 20 percent stake",
        "in the Shah Deniz gas field",
    ]


def test_linking_and_unlinking_two_published_claims_versions_both(cited, django_user_model):
    public, other = cited["public"], cited["other"]
    client = cited["reviewer"]
    url = reverse("admin:claims_claimlink_add")
    data = admin_form_data(client.get(url)) | {
        "from_claim": public.pk,
        "to_claim": other.pk,
        "relation": ClaimLink.Relation.SUPPORTS,
        "rationale": "Both about the field.",
    }
    assert client.post(url, data).status_code == 302
    assert ClaimVersion.objects.get(claim=public, number=2).content["links"] == [
        {
            "relation": "supports",
            "direction": "outgoing",
            "claim": other.pk,
            "statement": other.statement,
            "rationale": "Both about the field.",
        }
    ]
    incoming = ClaimVersion.objects.get(claim=other, number=2).content["links"]
    assert [(link["direction"], link["claim"]) for link in incoming] == [("incoming", public.pk)]
    link = ClaimLink.objects.get()
    delete = reverse("admin:claims_claimlink_delete", args=[link.pk])
    admin = django_user_model.objects.create_superuser("root", "root@example.org", "x")
    assert logged_in(admin).post(delete, {"post": "yes"}).status_code == 302  # only admins delete
    for claim in (public, other):
        assert ClaimVersion.objects.get(claim=claim, number=3).content["links"] == []


def test_repointing_a_link_on_the_claim_form_versions_the_partner_it_left(cited):
    public, other = cited["public"], cited["other"]
    third = make_claim("Baku and Moscow signed a declaration.", topics=[cited["energy"]])
    make_quote(third, cited["source"], "Baku and Moscow signed")
    third = publish(third, cited["reviewer_user"])
    make_link(public, other, ClaimLink.Relation.SUPPORTS)
    services.record_public_version(claim=public)
    url = reverse("admin:claims_claim_change", args=[public.pk])
    data = admin_form_data(cited["reviewer"].get(url))
    data |= {"links_out-0-to_claim": str(third.pk), "change_reason": "The other declaration."}
    assert cited["reviewer"].post(url, data).status_code == 302
    assert ClaimVersion.objects.filter(claim=other).latest("number").content["links"] == []
    (link,) = ClaimVersion.objects.filter(claim=third).latest("number").content["links"]
    assert (link["claim"], link["direction"]) == (public.pk, "incoming")


def test_a_linked_claims_new_statement_and_publication_version_its_partner(cited):
    public, other, draft = cited["public"], cited["other"], cited["draft"]
    make_link(public, other, ClaimLink.Relation.SUPPORTS)
    make_link(draft, public, ClaimLink.Relation.QUALIFIES)
    services.record_public_version(claim=public)  # the link made outside the admin
    assert [n for n, _, _ in versions_of(public)] == [1, 2]
    propose_and_approve(other, cited["editor_user"], cited["reviewer_user"], statement=NEW)
    latest = ClaimVersion.objects.get(claim=public, number=3)
    assert [link["statement"] for link in latest.content["links"]] == [NEW]
    services.take_action(claim=draft, action="publish", user=cited["reviewer_user"])
    newest = ClaimVersion.objects.get(claim=public, number=4)
    assert {(link["relation"], link["claim"]) for link in newest.content["links"]} == {
        ("supports", other.pk),
        ("qualifies", draft.pk),
    }


def test_a_text_edit_that_moves_a_quote_is_a_new_version(cited):
    source, public = cited["source"], cited["public"]
    services.set_source_text(source=source, text="A new first line.\n\n" + ARTICLE)
    version = ClaimVersion.objects.get(claim=public, number=2)
    assert version.content["quotes"][0]["start"] == len("A new first line.\n\n")


def test_a_version_never_changes_and_a_number_is_taken_once(cited):
    version = ClaimVersion.objects.get(claim=cited["public"])
    version.statement = "Rewritten history."
    with pytest.raises(ValueError, match="immutable"):
        version.save()
    with pytest.raises(IntegrityError), transaction.atomic():
        ClaimVersion.objects.create(
            claim=version.claim,
            number=1,
            published_at=version.published_at,
            status="published",
            statement="A second version 1.",
            content={},
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Claim.objects.filter(pk=version.claim_id).delete()  # cited: protected


def test_backfill_gives_each_public_claim_version_1_once(public_registry):
    assert services.backfill_versions() == 4  # three published, one retracted
    assert services.backfill_versions() == 0
    r = public_registry
    assert not ClaimVersion.objects.filter(claim__in=[r.draft, r.review]).exists()
    stake = ClaimVersion.objects.get(claim=r.stake)
    assert stake.published_at == Claim.objects.get(pk=r.stake.pk).updated_at
    # Its links to published claims only: not the draft's, not the retracted claim's.
    assert {(link["relation"], link["claim"]) for link in stake.content["links"]} == {
        ("contradicts", r.decline.pk),
        ("supports", r.balance.pk),
    }
    assert stake.content["claimants"] == [
        {"slug": "lukoil", "name": "Lukoil", "kind": "company", "role": "reported"}
    ]
    assert stake.content["value"] == "20"
    # What the backfill wrote is what the service would: nothing new to record.
    assert services.record_public_version(claim=r.stake) is None


def test_loading_the_curated_fixtures_gives_every_claim_version_1(curated_registry):
    # curated_registry holds what load_fixtures wrote this session (tests/curated.py).
    public = Claim.objects.visible().count()
    assert public == 272
    assert ClaimVersion.objects.filter(number=1).count() == public
    assert not ClaimVersion.objects.filter(number__gt=1).exists()


@pytest.mark.django_db(transaction=True)
def test_the_migration_gives_claims_already_public_version_1():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before, after = (
        [("claims", "0021_source_licence_and_sharing")],
        [("claims", "0022_claim_versions")],
    )
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    apps = executor.loader.project_state(before).apps
    old_claim = apps.get_model("claims", "Claim")
    shown = old_claim.objects.create(statement="Shown before versions existed.", status="published")
    old_claim.objects.create(statement="A draft then.", status="draft")
    executor.loader.build_graph()
    executor.migrate(after)
    assert versions_of(Claim.objects.get(pk=shown.pk)) == [
        (1, "published", "Shown before versions existed.")
    ]
    assert ClaimVersion.objects.count() == 1
    assert services.record_public_version(claim=shown.pk) is None


# --- Pages ------------------------------------------------------------------------------


def test_the_claim_page_lists_every_version_and_cites_the_newest(cited, client):
    public = cited["public"]
    propose_and_approve(public, cited["editor_user"], cited["reviewer_user"], statement=NEW)
    page = client.get(public.get_absolute_url()).content.decode()
    for number in (1, 2):
        assert f'<a href="/claims/{public.pk}/v/{number}/">Version {number}</a>' in page
    assert f"http://testserver/claims/{public.pk}/v/2/" in page
    assert "2 versions" in page


def test_the_cite_box_gives_plain_text_bibtex_and_csl_json_of_the_version(cited, client):
    public = cited["public"]
    page = client.get(reverse("claims:claim-version", args=[public.pk, 1])).content.decode()
    boxes = {
        key: html.unescape(text)
        for key, text in re.findall(
            r'<textarea id="(cite-[a-z]+)"[^>]*>(.*?)</textarea>', page, re.S
        )
    }
    url = f"http://testserver/claims/{public.pk}/v/1/"
    assert boxes["cite-text"].startswith(f"“{OLD}” factreg, claim #{public.pk}, version 1, ")
    assert url in boxes["cite-text"]
    (entry,) = bibtexparser.parse_string(boxes["cite-bibtex"]).entries
    assert (entry.entry_type, entry.key) == ("misc", f"factreg-claim-{public.pk}-v1")
    assert entry["title"] == "{" + OLD + "}"
    assert (entry["url"], entry["version"]) == (url, "1")
    (item,) = json.loads(boxes["cite-csl"])
    assert (item["title"], item["URL"], item["version"]) == (OLD, url, "1")
    today = timezone.localdate()
    assert item["accessed"] == {"date-parts": [[today.year, today.month, today.day]]}


@pytest.mark.parametrize("number", ["0", "2", "99999999999999999999"])
def test_an_unknown_version_is_404(cited, client, number):
    response = client.get(f"/claims/{cited['public'].pk}/v/{number}/")
    assert response.status_code == 404


def test_a_claim_without_a_public_page_has_no_version_pages(cited, client):
    draft = cited["draft"]
    assert client.get(f"/claims/{draft.pk}/v/1/").status_code == 404
    assert client.get("/claims/999999/v/1/").status_code == 404


def test_a_drafts_words_never_appear_on_any_version_page(cited, client):
    public, draft = cited["public"], cited["draft"]
    make_link(draft, public, ClaimLink.Relation.CONTRADICTS, rationale="A secret rationale.")
    edit_claim(cited["reviewer"], draft, statement="A secret draft statement.")
    edit_claim(cited["editor"], public, statement="A secret held change.", change_reason="Why.")
    propose_and_approve(cited["other"], cited["editor_user"], cited["reviewer_user"], statement=NEW)
    urls = [v.get_absolute_url() for v in ClaimVersion.objects.all()]
    assert len(urls) == 3
    for url in urls:
        text = client.get(url).content.decode()
        for secret in ("secret", str(draft.statement)):
            assert secret not in text, (url, secret)


def test_version_pages_run_a_fixed_number_of_queries(
    client, large_registry, django_assert_max_num_queries
):
    services.backfill_versions()
    claim = large_registry.claims[1]
    with django_assert_max_num_queries(4):  # generation, the versions, one snapshot
        response = client.get(reverse("claims:claim-version", args=[claim.pk, 1]))
    assert "Bulk claim 1 about gas." in response.content.decode()
    with django_assert_max_num_queries(12):
        assert client.get(claim.get_absolute_url()).status_code == 200


# --- CSV and API ------------------------------------------------------------------------


def test_csv_and_api_carry_the_newest_version_and_its_address(cited, client):
    public = cited["public"]
    propose_and_approve(public, cited["editor_user"], cited["reviewer_user"], statement=NEW)
    body = b"".join(client.get(reverse("claims:citation-export")).streaming_content).decode()
    rows = {row["claim_id"]: row for row in csv.DictReader(io.StringIO(body))}
    assert list(rows[str(public.pk)])[-2:] == ["claim_version", "version_url"]
    assert rows[str(public.pk)]["claim_version"] == "2"
    assert rows[str(public.pk)]["version_url"] == f"http://testserver/claims/{public.pk}/v/2/"
    assert rows[str(cited["other"].pk)]["claim_version"] == "1"
    api = client.get(reverse("claims:api-claim", args=[public.pk])).json()
    assert (api["version"], api["version_url"]) == (
        2,
        f"http://testserver/claims/{public.pk}/v/2/",
    )
    listed = client.get(reverse("claims:api-claims")).json()["results"]
    assert {c["id"]: c["version"] for c in listed} == {public.pk: 2, cited["other"].pk: 1}


def test_a_claim_without_versions_is_cited_by_its_page(public_registry, client):
    stake = public_registry.stake
    api = client.get(reverse("claims:api-claim", args=[stake.pk])).json()
    assert (api["version"], api["version_url"]) == (None, None)
    page = client.get(stake.get_absolute_url()).content.decode()
    assert 'class="version-line"' not in page
    assert f"factreg, claim #{stake.pk}. http://testserver/claims/{stake.pk}/" in html.unescape(
        page
    )


# --- The citation formats, directly -----------------------------------------------------

HOSTILE = "Tensions & “50% rise” in A_B {braces} \\end{document} $x$ #1 ~ ^ Ærø."


def reference(**fields) -> references.ClaimReference:
    return references.ClaimReference(
        **{
            "claim_id": 12,
            "statement": HOSTILE,
            "url": "https://f.example/claims/12/v/3/",
            "version": 3,
            "published": dt.date(2026, 3, 5),
            "accessed": dt.date(2026, 3, 7),
        }
        | fields
    )


def test_plain_text_names_the_claim_version_date_url_and_access_date():
    assert references.claim_text(reference()) == (
        f"“{HOSTILE}” factreg, claim #12, version 3, 5 March 2026. "
        "https://f.example/claims/12/v/3/ (accessed 7 March 2026)."
    )
    assert "claim #12, version 3, retracted, 5 March 2026" in references.claim_text(
        reference(retracted=True)
    )


def test_bibtex_of_a_hostile_statement_is_one_misc_entry_with_a_protected_title():
    text = references.claim_bibtex(reference())
    (entry,) = bibtexparser.parse_string(text).entries
    assert entry.entry_type == "misc"
    assert entry.key == "factreg-claim-12-v3"
    title = entry["title"]
    assert title.startswith("{") and title.endswith("}")
    assert "\\end{document}" not in title  # LaTeX-escaped, so it cannot run
    assert (entry["year"], entry["date"], entry["urldate"]) == ("2026", "2026-03-05", "2026-03-07")
    assert "month = mar" in text
    assert entry["url"] == "https://f.example/claims/12/v/3/"


def test_csl_json_is_one_webpage_item_with_issued_and_accessed_dates():
    (item,) = json.loads(references.claim_csl_json(reference(retracted=True)))
    assert item == {
        "id": "factreg-claim-12-v3",
        "type": "webpage",
        "title": HOSTILE,
        "container-title": "factreg",
        "URL": "https://f.example/claims/12/v/3/",
        "accessed": {"date-parts": [[2026, 3, 7]]},
        "note": "Claim #12, version 3, retracted",
        "version": "3",
        "issued": {"date-parts": [[2026, 3, 5]]},
        "status": "retracted",
    }


def test_csl_json_keeps_a_statement_that_looks_like_its_own_dates():
    statement = '"date-parts": [[1,  2]] and [[3, 4]]'
    (item,) = json.loads(references.claim_csl_json(reference(statement=statement)))
    assert item["title"] == statement


def test_a_reference_without_a_version_cites_the_page_undated():
    ref = reference(version=None, published=None, url="https://f.example/claims/12/")
    assert references.claim_text(ref) == (
        f"“{HOSTILE}” factreg, claim #12. https://f.example/claims/12/ (accessed 7 March 2026)."
    )
    (entry,) = bibtexparser.parse_string(references.claim_bibtex(ref)).entries
    assert entry.key == "factreg-claim-12"
    assert "version" not in entry.fields_dict
    assert "issued" not in json.loads(references.claim_csl_json(ref))[0]


def test_an_unpublishable_claim_raises_before_any_version(cited):
    bare = make_claim("No quote, no topic.")
    with pytest.raises(ValidationError):
        publish(bare, cited["reviewer_user"])
    assert not ClaimVersion.objects.filter(claim=bare).exists()
