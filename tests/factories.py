"""Small helpers that build registry rows for tests."""

from __future__ import annotations

import itertools

from claims.evidence import place_quote
from claims.models import Claim, ClaimLink, Entity, Quote, Source, Topic
from claims.seeds import sha256

_counter = itertools.count(1)

TEXT = (
    "Lukoil currently owns 20 % of Azerbaijan’s largest gas field, Shah Deniz.\n"
    "In a survey, 77% named Russia the biggest security threat.\n"
    "Relations “continue to deteriorate” – the article says.\n"
)


def make_source(**fields) -> Source:
    n = next(_counter)
    fields.setdefault("title", f"Source {n}")
    fields.setdefault("slug", f"source-{n}")
    fields.setdefault("text", TEXT)
    fields.setdefault("text_sha256", sha256(fields["text"]))
    return Source.objects.create(**fields)


def make_topic(slug: str = "", **fields) -> Topic:
    slug = slug or f"topic-{next(_counter)}"
    fields.setdefault("name", slug.replace("-", " ").title())
    return Topic.objects.create(slug=slug, **fields)


def make_entity(slug: str = "", **fields) -> Entity:
    slug = slug or f"entity-{next(_counter)}"
    fields.setdefault("name", slug.replace("-", " ").title())
    return Entity.objects.create(slug=slug, **fields)


def make_claim(statement: str = "", *, topics=(), entities=(), **fields) -> Claim:
    claim = Claim.objects.create(statement=statement or f"Claim {next(_counter)}.", **fields)
    claim.topics.add(*topics)
    claim.entities.add(*entities)
    Claim.objects.filter(pk=claim.pk).refresh_search_text()
    claim.refresh_from_db()
    return claim


def make_quote(claim: Claim, source: Source, passage: str, **hints) -> Quote:
    quote = Quote(claim=claim, source=source)
    place_quote(quote, passage, **hints)
    quote.full_clean()
    quote.save()
    Claim.objects.filter(pk=claim.pk).refresh_search_text()
    return quote


def make_link(
    from_claim: Claim, to_claim: Claim, relation: str = "supports", **fields
) -> ClaimLink:
    fields.setdefault("rationale", "Both state the same figure.")
    return ClaimLink.objects.create(
        from_claim=from_claim, to_claim=to_claim, relation=relation, **fields
    )


# The claimant inline's management form, with no rows (stored claimants are left as they are).
NO_CLAIMANTS = {
    "attributions-TOTAL_FORMS": "0",
    "attributions-INITIAL_FORMS": "0",
    "attributions-MIN_NUM_FORMS": "0",
    "attributions-MAX_NUM_FORMS": "1000",
}


def admin_claim_form(source: Source, passage: str, **extra) -> dict:
    """The POST data of the admin's claim form with one new inline quote."""
    return {
        "statement": "Azerbaijan opted out of the Caucasus-2020 drills.",
        "event_date": "2020-09-06",
        "value": "",
        "unit": "",
        "note": "",
        "quotes-TOTAL_FORMS": "1",
        "quotes-INITIAL_FORMS": "0",
        "quotes-MIN_NUM_FORMS": "0",
        "quotes-MAX_NUM_FORMS": "1000",
        "quotes-0-source": str(source.pk),
        "quotes-0-exact": passage,
        "quotes-0-context_before": "",
        "quotes-0-context_after": "",
        "links_out-TOTAL_FORMS": "0",
        "links_out-INITIAL_FORMS": "0",
        "links_out-MIN_NUM_FORMS": "0",
        "links_out-MAX_NUM_FORMS": "1000",
        **NO_CLAIMANTS,
        **extra,
    }


def admin_claim_change_form(claim: Claim, *new_links: tuple[str, Claim], **extra) -> dict:
    """The POST data of `claim`'s admin form (a claim without quotes) as a browser sends it:
    its stored links unchanged, then one new row for each (relation, claim) in `new_links`.

    An unsaved `claim` gives the add form's data.
    """
    saved = claim.pk is not None
    stored = list(claim.links_out.order_by("pk")) if saved else []
    data = {
        "statement": claim.statement,
        "event_date": claim.event_date_display,
        "value": "" if claim.value is None else str(claim.value),
        "unit": claim.unit,
        "note": claim.note,
        "topics": [t.pk for t in claim.topics.all()] if saved else [],
        "entities": [e.pk for e in claim.entities.all()] if saved else [],
        "quotes-TOTAL_FORMS": "0",
        "quotes-INITIAL_FORMS": "0",
        "quotes-MIN_NUM_FORMS": "0",
        "quotes-MAX_NUM_FORMS": "1000",
        "links_out-TOTAL_FORMS": str(len(stored) + len(new_links)),
        "links_out-INITIAL_FORMS": str(len(stored)),
        "links_out-MIN_NUM_FORMS": "0",
        "links_out-MAX_NUM_FORMS": "1000",
        **NO_CLAIMANTS,
    }
    if saved:
        data["version"] = str(claim.version)
    rows = [(link, link.relation, link.to_claim_id, link.rationale) for link in stored]
    rows += [(None, relation, other.pk, "Why they are linked.") for relation, other in new_links]
    for n, (link, relation, to_claim, rationale) in enumerate(rows):
        data |= {
            f"links_out-{n}-id": str(link.pk) if link else "",
            f"links_out-{n}-version": str(link.version) if link else "",
            f"links_out-{n}-from_claim": str(claim.pk or ""),
            f"links_out-{n}-relation": relation,
            f"links_out-{n}-to_claim": str(to_claim),
            f"links_out-{n}-rationale": rationale,
        }
    return data | extra


def make_pdf(pages: list[list[str]], *, title: str = "", author: str = "", lang: str = "") -> bytes:
    """A real PDF with a text layer (fpdf2): one line per sentence, a page per list."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("Helvetica", size=12)
    if lang:
        pdf.set_lang(lang)
    if title:
        pdf.set_title(title)
    if author:
        pdf.set_author(author)
    for sentences in pages:
        pdf.add_page()
        for sentence in sentences:
            pdf.cell(0, 10, sentence, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def encrypt_pdf(data: bytes, user_password: str) -> bytes:
    """The PDF `data`, encrypted with pypdf (an owner password is always set)."""
    import io

    import pypdf

    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password=user_password, owner_password="owner-secret")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def make_docx(paragraphs: list[str], *, title: str = "", author: str = "", lang: str = "") -> bytes:
    """A real Word document (python-docx) with these body paragraphs and properties."""
    import io

    import docx

    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    document.core_properties.title = title
    document.core_properties.author = author
    document.core_properties.language = lang
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def admin_form_data(response) -> dict:
    """The POST data a browser would send back from an admin change or add page, unchanged.

    Read from the page's forms (the main form and every inline formset, with
    their management forms), so a test can change a field and post it.
    """
    data: dict = {}

    def add(form) -> None:
        for name in form.fields:
            value = form[name].value()
            if value is None or value is False:
                continue
            key = form.add_prefix(name)
            if value is True:
                data[key] = "on"
            elif isinstance(value, list | tuple):
                data[key] = [str(v) for v in value]
            else:
                data[key] = str(value)

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        add(inline.formset.management_form)
        for form in inline.formset.forms:
            add(form)
    return data
