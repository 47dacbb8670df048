"""Nothing reaches the public site without a reviewer; every status change is recorded."""

from __future__ import annotations

import csv
import io

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client
from django.urls import reverse

from claims import services
from claims.models import Claim, ClaimLink, ClaimRevision, Quote, StatusChange, Topic
from tests.factories import admin_form_data, make_claim, make_link, make_quote, make_topic

ARTICLE = (
    "Lukoil holds a 20 percent stake in the Shah Deniz gas field.\n\n"
    "Baku and Moscow signed a declaration on allied interaction.\n"
)


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def world(db, editor, reviewer) -> dict:
    """A published claim with a quote and a link, a draft, and an editor and a reviewer."""
    source = services.add_source(text=ARTICLE, values={"title": "Stakes"})
    energy = make_topic("energy", name="Energy")
    public = make_claim(
        "Lukoil holds a fifth of Shah Deniz.", topics=[energy], status=Claim.Status.PUBLISHED
    )
    other = make_claim(
        "Baku signed an allied declaration.", topics=[energy], status=Claim.Status.PUBLISHED
    )
    draft = make_claim("A draft about the declaration.", topics=[energy])
    quote = make_quote(public, source, "Lukoil holds a 20 percent stake")
    make_quote(other, source, "signed a declaration on allied interaction")
    make_quote(draft, source, "Baku and Moscow signed")
    return {
        "source": source,
        "energy": energy,
        "public": public,
        "other": other,
        "draft": draft,
        "quote": quote,
        "editor": logged_in(editor),
        "reviewer": logged_in(reviewer),
        "editor_user": editor,
        "reviewer_user": reviewer,
    }


def edit_claim(client: Client, claim: Claim, **changes):
    url = reverse("admin:claims_claim_change", args=[claim.pk])
    data = admin_form_data(client.get(url))
    data.update(changes)
    return client.post(url, data)


def public_views(client: Client, claim: Claim) -> dict[str, str]:
    """What a researcher sees of `claim`: its page, the API, the CSV, search, the source page."""
    page = client.get(claim.get_absolute_url()).content.decode()
    api = client.get(reverse("claims:api-claim", args=[claim.pk])).json()
    export = client.get(reverse("claims:citation-export"))
    body = b"".join(export.streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(body)))
    return {
        "page": page,
        "api": api["statement"],
        "csv": {r["claim"] for r in rows if r["claim_id"] == str(claim.pk)}.pop(),
        "search": client.get(reverse("claims:api-claims"), {"q": "rewritten"}).json()["count"],
        "source": client.get(claim.quotes.first().source.get_absolute_url()).content.decode(),
    }


# --- Edits bypassing review ------------------------------------------------------------


def test_an_editors_change_to_a_published_claim_waits_for_a_reviewer(world, client):
    public = world["public"]
    response = edit_claim(
        world["editor"],
        public,
        statement="Lukoil's stake was rewritten by an editor.",
        change_reason="The article gives the figure as a percentage.",
    )
    assert response.status_code == 302
    public.refresh_from_db()
    assert public.statement == "Lukoil holds a fifth of Shah Deniz."
    seen = public_views(client, public)
    assert "rewritten" not in seen["page"]
    assert seen["api"] == seen["csv"] == "Lukoil holds a fifth of Shah Deniz."
    assert seen["search"] == 0
    assert "rewritten" not in seen["source"]
    revision = ClaimRevision.objects.get()
    assert revision.status == ClaimRevision.Status.PENDING
    assert revision.proposed_by == world["editor_user"]

    queue = world["reviewer"].get(reverse("admin:claims_claim_review_queue")).content.decode()
    assert "Lukoil&#x27;s stake was rewritten by an editor." in queue
    assert "The article gives the figure as a percentage." in queue
    world["reviewer"].post(
        reverse("admin:claims_claim_decide", args=[revision.pk]), {"_approve": "1"}
    )

    public.refresh_from_db()
    assert public.statement == "Lukoil's stake was rewritten by an editor."
    seen = public_views(client, public)
    assert "rewritten by an editor" in seen["page"]
    assert seen["api"] == seen["csv"] == "Lukoil's stake was rewritten by an editor."
    assert seen["search"] == 1
    assert public.history.first().history_change_reason.startswith("Change by edna, approved")


def test_a_reviewer_rejects_a_held_change_with_a_comment(world):
    edit_claim(world["editor"], world["public"], note="A new note.", change_reason="Clarify.")
    revision = ClaimRevision.objects.get()
    decide = reverse("admin:claims_claim_decide", args=[revision.pk])
    page = world["reviewer"].post(decide, {"_reject": "1"}, follow=True).content.decode()
    assert "Say why the change is rejected." in page
    world["reviewer"].post(decide, {"_reject": "1", "comment": "The note repeats the text."})
    revision.refresh_from_db()
    assert (revision.status, revision.decision_comment) == (
        "rejected",
        "The note repeats the text.",
    )
    assert Claim.objects.get(pk=world["public"].pk).note == ""


def test_an_editor_cannot_decide_on_a_held_change(world):
    edit_claim(world["editor"], world["public"], note="A new note.", change_reason="Clarify.")
    revision = ClaimRevision.objects.get()
    world["editor"].post(
        reverse("admin:claims_claim_decide", args=[revision.pk]), {"_approve": "1"}
    )
    assert ClaimRevision.objects.get().status == ClaimRevision.Status.PENDING


def test_a_held_change_made_from_an_older_claim_is_not_applied(world):
    edit_claim(world["editor"], world["public"], note="Editor's note.", change_reason="Clarify.")
    edit_claim(world["reviewer"], world["public"], unit="", change_reason="Reviewer's own edit.")
    revision = ClaimRevision.objects.get()
    page = world["reviewer"].post(
        reverse("admin:claims_claim_decide", args=[revision.pk]), {"_approve": "1"}, follow=True
    )
    assert "has changed since this change was proposed" in page.content.decode()
    assert Claim.objects.get(pk=world["public"].pk).note == ""


def test_a_change_to_a_public_claim_needs_a_reason(world):
    response = edit_claim(world["reviewer"], world["public"], note="Reviewer's note.")
    assert response.status_code == 200
    assert "Say why this public claim should change." in response.content.decode()
    response = edit_claim(
        world["reviewer"], world["public"], note="Reviewer's note.", change_reason="Context."
    )
    assert response.status_code == 302
    claim = Claim.objects.get(pk=world["public"].pk)
    assert claim.note == "Reviewer's note."
    assert claim.history.first().history_change_reason == "Context."


def test_an_editor_cannot_link_two_published_claims(world):
    client = world["editor"]
    url = reverse("admin:claims_claimlink_add")
    data = admin_form_data(client.get(url))
    data |= {
        "from_claim": world["public"].pk,
        "to_claim": world["other"].pk,
        "relation": ClaimLink.Relation.SUPPORTS,
        "rationale": "Both about energy.",
    }
    response = client.post(url, data)
    assert response.status_code == 200
    assert "are both public: only a reviewer can link them" in response.content.decode()
    assert not ClaimLink.objects.exists()
    data["from_claim"] = world["draft"].pk  # a draft may link to a public claim
    assert client.post(url, data).status_code == 302


def test_an_editor_cannot_change_the_links_or_quotes_of_a_public_claim(world):
    client = world["editor"]
    link = make_link(world["public"], world["other"], ClaimLink.Relation.SUPPORTS)
    quote = world["quote"]
    link_url = reverse("admin:claims_claimlink_change", args=[link.pk])
    quote_url = reverse("admin:claims_quote_change", args=[quote.pk])
    assert client.post(link_url, {"rationale": "x"}).status_code == 403
    # Moving a quote from a published claim to a draft is a change to the public claim.
    assert client.post(quote_url, {"claim": world["draft"].pk}).status_code == 403
    assert Quote.objects.get(pk=quote.pk).claim_id == world["public"].pk
    page = client.get(reverse("admin:claims_claim_change", args=[world["public"].pk]))
    assert all(
        not inline.has_add_permission and not inline.has_change_permission
        for inline in page.context["inline_admin_formsets"]
    )


def test_an_editor_cannot_add_evidence_to_a_public_claim(world):
    client = world["editor"]
    url = reverse("admin:claims_quote_add")
    data = admin_form_data(client.get(url))
    data |= {"claim": world["public"].pk, "source": world["source"].pk, "exact": "Baku"}
    response = client.post(url, data)
    assert "is public: only a reviewer can add evidence to it" in response.content.decode()
    response = client.get(
        reverse("admin:claims_source_quote", args=[world["source"].pk]),
        {
            "passage_source": world["source"].pk,
            "passage_text": "Shah Deniz",
            "claim": world["public"].pk,
            "action": "evidence",
        },
        follow=True,
    )
    assert "only a reviewer can add evidence to it" in response.content.decode()


def test_an_editor_cannot_rename_a_topic_that_public_claims_use(world):
    energy = world["energy"]
    url = reverse("admin:claims_topic_change", args=[energy.pk])
    assert world["editor"].post(url, {"name": "Gas", "slug": "energy"}).status_code == 403
    assert Topic.objects.get(pk=energy.pk).name == "Energy"
    unused = make_topic("unused", name="Unused")
    data = admin_form_data(
        world["editor"].get(reverse("admin:claims_topic_change", args=[unused.pk]))
    )
    data["name"] = "Still unused"
    assert (
        world["editor"]
        .post(reverse("admin:claims_topic_change", args=[unused.pk]), data)
        .status_code
        == 302
    )
    data = admin_form_data(world["reviewer"].get(url))
    data["name"] = "Energy and gas"
    assert world["reviewer"].post(url, data).status_code == 302


# --- Retraction and status changes --------------------------------------------------------


def test_retract_refuses_a_draft_so_it_never_gets_a_public_page(world, client):
    draft = world["draft"]
    confirm = reverse("admin:claims_claim_workflow", args=["retract"]) + f"?ids={draft.pk}"
    page = world["reviewer"].post(confirm, {"comment": "Oops."}, follow=True).content.decode()
    assert "only published claims can take the step" in page
    assert Claim.objects.get(pk=draft.pk).status == Claim.Status.DRAFT
    assert client.get(draft.get_absolute_url()).status_code == 404


def test_a_workflow_step_needs_a_known_step_a_chosen_claim_and_the_right_role(world):
    draft = world["draft"]

    def confirm(client: Client, action: str, ids: str):
        url = reverse("admin:claims_claim_workflow", args=[action]) + f"?ids={ids}"
        return client.get(url)

    assert confirm(world["reviewer"], "promote", str(draft.pk)).status_code == 404
    assert confirm(world["reviewer"], "review", "").status_code == 404
    assert confirm(world["reviewer"], "review", "999999,x").status_code == 404
    # Editors send to review; publishing is the reviewer's step.
    assert confirm(world["editor"], "publish", str(draft.pk)).status_code == 403
    page = confirm(world["editor"], "review", str(draft.pk))
    assert page.status_code == 200
    assert "Send to review: 1 claim(s)" in page.content.decode()
    assert Claim.objects.get(pk=draft.pk).status == Claim.Status.DRAFT


def test_every_status_change_records_who_when_and_the_comment(world):
    draft = world["draft"]
    services.take_action(claim=draft, action="review", user=world["editor_user"])
    services.take_action(
        claim=draft, action="reject", user=world["reviewer_user"], comment="Needs a date."
    )
    services.take_action(claim=draft, action="review", user=world["editor_user"])
    services.take_action(claim=draft, action="publish", user=world["reviewer_user"])
    steps = list(
        StatusChange.objects.filter(claim=draft)
        .order_by("changed_at", "pk")
        .values_list("from_status", "to_status", "changed_by__username", "comment")
    )
    assert steps == [
        ("draft", "review", "edna", ""),
        ("review", "draft", "rita", "Needs a date."),
        ("draft", "review", "edna", ""),
        ("review", "published", "rita", ""),
    ]
    assert all(c.changed_at for c in StatusChange.objects.all())


def test_the_review_queue_lists_claims_in_review_oldest_first_with_their_sender(world):
    first, second = world["draft"], make_claim("Second draft.", topics=[world["energy"]])
    services.take_action(claim=first, action="review", user=world["editor_user"])
    services.take_action(claim=second, action="review", user=world["reviewer_user"])
    page = world["editor"].get(reverse("admin:claims_claim_review_queue"))
    rows = list(page.context["in_review"])
    assert [(c.pk, c.sent_by) for c in rows] == [(first.pk, "edna"), (second.pk, "rita")]
    assert rows[0].sent_at <= rows[1].sent_at


def test_my_drafts_lists_only_the_editors_own_drafts(world):
    mine = edit_or_create_draft(world["editor"], "My own draft.")
    page = world["editor"].get(
        reverse("admin:claims_claim_changelist"), {"status__exact": "draft", "mine": "1"}
    )
    assert [c.pk for c in page.context["cl"].result_list] == [mine.pk]


def edit_or_create_draft(client: Client, statement: str) -> Claim:
    url = reverse("admin:claims_claim_add")
    data = admin_form_data(client.get(url)) | {"statement": statement}
    assert client.post(url, data).status_code == 302
    return Claim.objects.get(statement=statement)


def test_the_claim_form_offers_the_steps_each_role_may_take(world):
    draft = world["draft"]
    url = reverse("admin:claims_claim_change", args=[draft.pk])
    editor_page = world["editor"].get(url).content.decode()
    assert "Send to review" in editor_page
    assert ">Publish<" not in editor_page
    services.take_action(claim=draft, action="review", user=world["editor_user"])
    reviewer_page = world["reviewer"].get(url).content.decode()
    assert ">Publish<" in reviewer_page and ">Reject<" in reviewer_page
    assert ">Send to review<" not in reviewer_page


# --- Roles are data --------------------------------------------------------------------------

# Who may do what, as the closing note's table says. "held" = accepted, waits for a reviewer.
MATRIX = {
    "create claim": {"Editors": "yes", "Reviewers": "yes"},
    "edit draft": {"Editors": "yes", "Reviewers": "yes"},
    "edit published": {"Editors": "held", "Reviewers": "yes"},
    "send to review": {"Editors": "yes", "Reviewers": "yes"},
    "publish": {"Editors": "no", "Reviewers": "yes"},
    "reject": {"Editors": "no", "Reviewers": "yes"},
    "retract": {"Editors": "no", "Reviewers": "yes"},
    "delete draft": {"Editors": "no", "Reviewers": "no"},
    "delete published": {"Editors": "no", "Reviewers": "no"},
    "rename public topic": {"Editors": "no", "Reviewers": "yes"},
}


def _try(capability: str, client: Client, world: dict, user: User) -> str:
    public, draft = world["public"], world["draft"]
    if capability == "create claim":
        before = Claim.objects.count()
        edit_or_create_draft(client, f"New by {user.username}.")
        return "yes" if Claim.objects.count() == before + 1 else "no"
    if capability == "edit draft":
        edit_claim(client, draft, note=f"Note by {user.username}.")
        return "yes" if Claim.objects.get(pk=draft.pk).note else "no"
    if capability == "edit published":
        edit_claim(client, public, note="Changed.", change_reason="Because.")
        if Claim.objects.get(pk=public.pk).note == "Changed.":
            return "yes"
        return "held" if ClaimRevision.objects.filter(claim=public).exists() else "no"
    if capability in ("send to review", "publish", "reject", "retract"):
        action = {"send to review": "review"}.get(capability, capability)
        claim = {"review": draft, "publish": draft, "reject": draft, "retract": public}[action]
        if action in ("publish", "reject"):
            Claim.objects.filter(pk=draft.pk).update(status=Claim.Status.REVIEW)
        before = Claim.objects.get(pk=claim.pk).status
        url = reverse("admin:claims_claim_workflow", args=[action]) + f"?ids={claim.pk}"
        client.post(url, {"comment": "Because."})
        return "yes" if Claim.objects.get(pk=claim.pk).status != before else "no"
    if capability in ("delete draft", "delete published"):
        claim = draft if capability == "delete draft" else public
        client.post(reverse("admin:claims_claim_delete", args=[claim.pk]), {"post": "yes"})
        return "no" if Claim.objects.filter(pk=claim.pk).exists() else "yes"
    if capability == "rename public topic":
        url = reverse("admin:claims_topic_change", args=[world["energy"].pk])
        page = client.get(url)
        if page.status_code != 200 or "name" not in page.context["adminform"].form.fields:
            return "no"
        data = admin_form_data(page) | {"name": "Renamed"}
        client.post(url, data)
        return "yes" if Topic.objects.get(pk=world["energy"].pk).name == "Renamed" else "no"
    raise AssertionError(capability)


@pytest.mark.parametrize("role", ["Editors", "Reviewers"])
@pytest.mark.parametrize("capability", list(MATRIX))
def test_each_role_may_do_exactly_what_the_matrix_says(world, role, capability):
    user = User.objects.create_user(f"{role.lower()}-user", password="x", is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    assert _try(capability, logged_in(user), world, user) == MATRIX[capability][role]
