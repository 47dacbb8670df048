"""Claim candidates: checkable sentences, and what editors did with each."""

from __future__ import annotations

import io
import itertools
import json

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from claims import services
from claims.candidates import candidates, sentences
from claims.models import CandidateDismissal, Quote, Source
from tests.factories import make_claim, make_quote, make_source

TEXT = (
    "Lukoil holds 20% of the Shah Deniz field.\n\n"
    "The weather was pleasant and the mood was calm. "
    "Azerbaijan paid $58.6 million for the radar. "
    "Officials said the talks would resume. "
    "The summit took place in September 2020. "
    "The declaration has 43 points.\n\n"
    "Baku welcomed the delegation warmly.\n"
)


def _by_text(found) -> dict[str, tuple[str, ...]]:
    return {c.text: c.reasons for c in found}


def test_checkable_sentences_are_candidates_with_their_reasons():
    found = _by_text(candidates(TEXT, ["Baku"]))
    assert found["Lukoil holds 20% of the Shah Deniz field."] == ("percentage",)
    assert found["Azerbaijan paid $58.6 million for the radar."] == ("money",)
    assert found["Officials said the talks would resume."] == ("attribution",)
    assert found["The summit took place in September 2020."] == ("date",)
    assert found["The declaration has 43 points."] == ("number",)
    assert found["Baku welcomed the delegation warmly."] == ("entity",)


def test_background_sentences_are_not_candidates():
    found = _by_text(candidates(TEXT, ["Baku"]))
    assert "The weather was pleasant and the mood was calm." not in found
    # Without the entity list, naming Baku alone is background too.
    assert "Baku welcomed the delegation warmly." not in _by_text(candidates(TEXT))


def test_candidates_rank_by_the_documented_score():
    found = candidates(
        "Officials said Azerbaijan paid 20% more in 2021. It rained.", ["Azerbaijan"]
    )
    assert [(c.reasons, c.score) for c in found] == [
        (("percentage", "attribution", "date", "entity"), 3 + 2 + 1 + 1)
    ]


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=400))
def test_every_sentence_span_cuts_its_text_exactly_in_order(text):
    spans = sentences(text)
    assert spans == sorted(spans)
    for (_, end), (next_start, _) in itertools.pairwise(spans):
        assert end <= next_start
    for candidate in candidates(text, ["Baku"]):
        assert text[candidate.start : candidate.end] == candidate.text
        assert candidate.text == candidate.text.strip()


def _rows(source: Source) -> dict[str, services.CandidateRow]:
    return {row.candidate.text: row for row in services.source_candidates(source=source)}


def test_a_candidate_is_claimed_while_a_quote_overlaps_it(db):
    source = make_source(text=TEXT)
    assert _rows(source)["The declaration has 43 points."].status == "open"
    quote = make_quote(make_claim("43 points."), source, "has 43 points")
    assert _rows(source)["The declaration has 43 points."].status == "claimed"
    Quote.objects.filter(pk=quote.pk).delete()
    assert _rows(source)["The declaration has 43 points."].status == "open"


def test_a_dismissal_is_remembered_with_its_reason_and_counts_toward_coverage(db, editor):
    source = make_source(text=TEXT)
    row = _rows(source)["Officials said the talks would resume."]
    services.dismiss_candidate(
        source=source,
        start=row.candidate.start,
        end=row.candidate.end,
        reason="not checkable",
        user=editor,
    )
    again = _rows(source)["Officials said the talks would resume."]
    assert (again.status, again.reason) == ("dismissed", "not checkable")
    coverage = services.coverage(services.source_candidates(source=source))
    assert (coverage.candidates, coverage.claimed, coverage.dismissed) == (5, 0, 1)
    assert coverage.share == pytest.approx(1 / 5)


@pytest.mark.parametrize(
    ("span", "reason", "message"),
    [
        ("talks", "  ", "Say why"),
        ("weather", "background", "no candidate sentence"),
    ],
)
def test_a_dismissal_needs_a_reason_and_a_real_candidate(db, editor, span, reason, message):
    source = make_source(text=TEXT)
    sentence = next(s for s in TEXT.split(". ") if span in s)
    start = TEXT.index(sentence)
    with pytest.raises(ValidationError, match=message):
        services.dismiss_candidate(
            source=source,
            start=start,
            end=start + len(sentence) + 1,
            reason=reason,
            user=editor,
        )
    assert not CandidateDismissal.objects.exists()


def test_a_claimed_candidate_cannot_be_dismissed(db, editor):
    source = make_source(text=TEXT)
    make_quote(make_claim("43 points."), source, "has 43 points")
    row = _rows(source)["The declaration has 43 points."]
    with pytest.raises(ValidationError, match="already covers"):
        services.dismiss_candidate(
            source=source,
            start=row.candidate.start,
            end=row.candidate.end,
            reason="background",
            user=editor,
        )


def test_dismissals_survive_a_reimport_of_an_unchanged_seed(seeded, editor):
    source = Source.objects.get(slug="canback-2023-relationship-thriving")
    row = next(r for r in services.source_candidates(source=source) if r.status == "open")
    services.dismiss_candidate(
        source=source,
        start=row.candidate.start,
        end=row.candidate.end,
        reason="background",
        user=editor,
    )
    call_command("import_seeds", verbosity=0)
    after = {r.candidate.text: r for r in services.source_candidates(source=source)}
    assert (after[row.candidate.text].status, after[row.candidate.text].reason) == (
        "dismissed",
        "background",
    )


def test_the_candidates_page_shows_coverage_and_dismisses_with_a_reason(client, editor, db):
    source = make_source(text=TEXT)
    make_quote(make_claim("43 points."), source, "has 43 points")
    client.force_login(editor)
    url = reverse("admin:claims_source_candidates", args=[source.pk])
    html = client.get(url).content.decode()
    assert "Coverage: 1 of 5 candidate sentences done (20%)" in html
    assert "passage_text=Officials+said+the+talks+would+resume." in html  # "Start a claim"
    sentence = "Officials said the talks would resume."
    start = TEXT.index(sentence)
    response = client.post(url, {"start": start, "end": start + len(sentence), "reason": "x"})
    assert response.status_code == 302
    assert "Coverage: 2 of 5 candidate sentences done (40%)" in client.get(url).content.decode()


def test_the_candidates_page_is_for_editors(client, db):
    source = make_source(text=TEXT)
    response = client.get(reverse("admin:claims_source_candidates", args=[source.pk]))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_start_a_claim_from_a_candidate_prefills_the_quote(client, editor, db):
    source = make_source(text=TEXT)
    client.force_login(editor)
    sentence = "Azerbaijan paid $58.6 million for the radar."
    response = client.get(
        reverse("admin:claims_claim_add"),
        {"passage_source": source.pk, "passage_text": sentence, "passage_start": 0},
    )
    quotes = next(
        f.formset for f in response.context["inline_admin_formsets"] if f.formset.prefix == "quotes"
    )
    assert quotes.forms[0].initial["exact"] == sentence


def test_the_registry_report_gives_coverage_per_source(db):
    source = make_source(slug="alpha", text=TEXT)
    make_quote(make_claim("43 points."), source, "has 43 points")
    out = io.StringIO()
    call_command("registry_report", "--json", stdout=out)
    report = json.loads(out.getvalue())
    coverage = next(s["coverage"] for s in report["sources"] if s["slug"] == "alpha")
    assert coverage == {"candidates": 5, "claimed": 1, "dismissed": 0, "open": 4, "share": 0.2}


def test_the_candidates_page_refuses_a_dismissal_without_a_reason_or_of_no_candidate(
    client, editor, db
):
    source = make_source(text=TEXT)
    client.force_login(editor)
    url = reverse("admin:claims_source_candidates", args=[source.pk])
    sentence = "Officials said the talks would resume."
    start = TEXT.index(sentence)
    blank = client.post(url, {"start": start, "end": start + len(sentence), "reason": ""})
    assert "Say why this sentence is not a claim." in blank.content.decode()
    # A span that is no candidate (two sentences at once) is named, not dismissed.
    both = client.post(
        url, {"start": 0, "end": TEXT.index("The weather"), "reason": "x"}, follow=True
    )
    messages = [str(m) for m in both.context["messages"]]
    assert messages == ["There is no candidate sentence at those characters."]
    assert not CandidateDismissal.objects.exists()
    assert "Coverage: 0 of 5 candidate sentences done (0%)" in both.content.decode()


def test_the_candidates_page_of_an_unknown_source_is_404(client, editor, db):
    client.force_login(editor)
    assert client.get(reverse("admin:claims_source_candidates", args=[999999])).status_code == 404
