from __future__ import annotations

import csv
import datetime as dt
import io
import json

import bibtexparser
import pytest
import rispy
from bibtexparser import middlewares
from django.core.management import call_command
from django.db import connection
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db

from claims import services
from claims.exports import HEADER, citation_text, csv_chunks
from claims.models import Claim, Quote, Source
from tests.conftest import ALPHA_TEXT, BETA_TEXT
from tests.factories import make_claim, make_link, make_quote, make_source

NOW = dt.datetime(2026, 11, 29, 12, 0, tzinfo=dt.UTC)


def _csv(claims, **kwargs) -> str:
    rows = citation_text(claims, base_url="https://f.example", exported_at=NOW, **kwargs)
    return "".join(csv_chunks(rows))


def _body(response) -> str:
    return b"".join(response.streaming_content).decode("utf-8")


def _ids(text: str) -> set[int]:
    return {int(row["claim_id"]) for row in csv.DictReader(io.StringIO(text.lstrip("\ufeff")))}


def test_csv_text_for_a_small_registry_is_exactly_as_documented(public_registry):
    r = public_registry
    stake, decline, balance = r.stake.pk, r.decline.pk, r.balance.pk
    services.backfill_versions()  # each published claim's version 1, cited in the last columns
    lukoil_end = len("Lukoil currently owns 20 % of Azerbaijan’s largest gas field")
    balance_start = BETA_TEXT.index("the balance of power")
    balance_end = balance_start + len("the balance of power was still Azerbaijan’s central theme")
    expected = (
        ",".join(HEADER) + "\r\n"
        f"{decline},Relations between Azerbaijan and Russia are deteriorating.,published,2023-10,"
        f"month,,,Military,Russia,Relations continue to deteriorate sharply.,0,42,1,Beta article,"
        f",Outlet B,,unknown,,https://f.example/sources/beta/,https://f.example/claims/{decline}/,"
        f"{stake},,2026-11-29T12:00:00+00:00,Ann Analyst (stated),2023,2025-06,"
        f"Analysts' reading of official statements,Russia,2023-10-01,2023-10-31,,,,,,,"
        f",1,https://f.example/claims/{decline}/v/1/\r\n"
        f"{stake},Lukoil owns a fifth of Shah Deniz.,published,2022-02-22,day,20,percent,Energy,"
        f"Lukoil,Lukoil currently owns 20 % of Azerbaijan’s largest gas field,0,{lukoil_end},1,"
        f"Alpha article,Ann Author,Outlet A,2023,year,,https://f.example/sources/alpha/,"
        f"https://f.example/claims/{stake}/,{decline},{balance},2026-11-29T12:00:00+00:00,"
        f"Lukoil (reported),,,,,2022-02-22,2022-02-22,,,,,,,"
        f",1,https://f.example/claims/{stake}/v/1/\r\n"
        f"{balance},Azerbaijan kept a balance of power between the great powers.,published,2010,"
        f"year,,,Energy; Military,Russia,the balance of power was still Azerbaijan’s central theme,"
        f"{balance_start},{balance_end},3,Beta article,,Outlet B,,unknown,,"
        f"https://f.example/sources/beta/,https://f.example/claims/{balance}/,,,"
        f"2026-11-29T12:00:00+00:00,Ann Analyst (stated),,,,,2010-01-01,2010-12-31,{stake},"
        f",,,,,"
        f",1,https://f.example/claims/{balance}/v/1/\r\n"
    )
    assert _csv(Claim.objects.published()) == expected


def test_every_quote_is_a_row_and_offsets_cut_the_quote_from_the_source(public_registry):
    make_quote(public_registry.stake, public_registry.beta, "Russian drones struck")
    text = _csv(Claim.objects.published())
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 4
    texts = {"alpha": ALPHA_TEXT, "beta": BETA_TEXT}
    for row in rows:
        slug = row["source_page"].rstrip("/").rsplit("/", 1)[1]
        assert texts[slug][int(row["quote_start"]) : int(row["quote_end"])] == row["quote"]


def test_a_claims_quotes_follow_their_source_titles_then_positions(db):
    text = 'First, "quoted" line\nspans two lines.\nSecond passage here.\n'
    zulu = make_source(title="Zulu, the later title", text=text)
    alpha = make_source(title='Alpha "first" title', text=text)
    claim = make_claim("Stated, with a comma.", status="published")
    make_quote(claim, zulu, "Second passage here.")
    make_quote(claim, zulu, 'First, "quoted" line\nspans two lines.')
    make_quote(claim, alpha, "Second passage here.")
    rows = list(csv.DictReader(io.StringIO(_csv(Claim.objects.published()))))
    assert [(r["source_title"], r["quote"]) for r in rows] == [
        ('Alpha "first" title', "Second passage here."),
        ("Zulu, the later title", 'First, "quoted" line\nspans two lines.'),
        ("Zulu, the later title", "Second passage here."),
    ]
    assert {r["claim"] for r in rows} == {"Stated, with a comma."}


def test_chunks_of_any_size_give_the_same_text(public_registry):
    make_quote(public_registry.stake, public_registry.beta, "Russian drones struck")
    make_claim("A claim with no quote yet.", status="published")
    whole = _csv(Claim.objects.published())
    assert _csv(Claim.objects.published(), chunk_size=1) == whole
    assert _csv(Claim.objects.published(), chunk_size=2) == whole
    assert "A claim with no quote yet." not in whole  # a row is a quote


def test_formula_like_text_is_neutralised_but_numbers_stay_numbers(db):
    source = make_source(text='=HYPERLINK("http://x") is text.\n@risk and +more.\n')
    claim = make_claim("=cmd|' /C calc'!A0", status="published", value=-5, unit="-percent")
    make_quote(claim, source, '=HYPERLINK("http://x") is text.')
    (row,) = csv.DictReader(io.StringIO(_csv(Claim.objects.published())))
    assert row["claim"] == "'=cmd|' /C calc'!A0"
    assert row["quote"] == '\'=HYPERLINK("http://x") is text.'
    assert row["value"] == "-5"
    assert row["unit"] == "'-percent"


def test_percent_signs_and_braces_in_any_cell_are_written_as_they_are(db):
    source = make_source(title="100% {draft}", text="In a survey, 77% named Russia %s {0}.\n")
    claim = make_claim("Up 5 %% or %(x)s, {0} {}.", status="published", value=5, unit="%")
    make_quote(claim, source, "77% named Russia %s {0}")
    (row,) = csv.DictReader(io.StringIO(_csv(Claim.objects.published())))
    assert row["claim"] == "Up 5 %% or %(x)s, {0} {}."
    assert row["unit"] == "%"
    assert row["quote"] == "77% named Russia %s {0}"
    assert row["source_title"] == "100% {draft}"


def test_export_view_streams_an_rfc4180_attachment(client, public_registry):
    response = client.get(reverse("claims:citation-export"), {"topic": "energy"})
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="factreg-citations-')
    assert response["Content-Disposition"].endswith('.csv"')
    body = _body(response)
    assert body.startswith(",".join(HEADER) + "\r\n")
    assert body.count("\r\n") == 3
    assert "\n" not in body.replace("\r\n", "")
    assert _ids(body) == {public_registry.stake.pk, public_registry.balance.pk}


def test_bom_parameter_adds_a_byte_order_mark_for_excel(client, public_registry):
    body = _body(client.get(reverse("claims:citation-export"), {"bom": "1"}))
    assert body.startswith("\ufeffclaim_id,")
    assert not _body(client.get(reverse("claims:citation-export"))).startswith("\ufeff")


def test_export_never_includes_unpublished_claims(client, public_registry):
    ids = _ids(_body(client.get(reverse("claims:citation-export"))))
    assert ids == {
        c.pk for c in (public_registry.stake, public_registry.decline, public_registry.balance)
    }


def test_export_with_bad_filters_is_a_400_that_names_them(client, public_registry):
    response = client.get(reverse("claims:citation-export"), {"date_from": "2022-13"})
    assert response.status_code == 400
    assert response.content.decode() == "Invalid filters: date_from: 2022-13 is not a real date.\n"


FILTER_COMBINATIONS = [
    {},
    {"topic": "energy"},
    {"topic": ["energy", "military"]},
    {"entity": "russia", "date_from": "2011"},
    {"q": "Azerbaijan", "relation": "contradicts"},
    {"source": "beta", "has_value": "false"},
    {"outlet": "Outlet A", "date_to": "2022-02"},
    {"q": "-Lukoil", "sort": "oldest"},
]


@pytest.mark.parametrize("params", FILTER_COMBINATIONS)
def test_csv_html_and_api_show_the_same_claims(client, public_registry, params):
    html = client.get(reverse("claims:claim-list"), {**params, "per_page": 100})
    html_ids = {c.pk for c in html.context["object_list"]}
    csv_ids = _ids(_body(client.get(reverse("claims:citation-export"), params)))
    api = client.get(reverse("claims:api-claims"), {**params, "per_page": 100}).json()
    api_ids = {item["id"] for item in api["results"]}
    assert csv_ids == html_ids == api_ids
    assert api["count"] == len(html_ids)


def test_list_pages_offer_a_csv_link_with_their_query_string(client, public_registry):
    html = client.get(reverse("claims:claim-list"), {"topic": "energy", "page": "1"}).content
    assert b'href="/claims/export.csv?topic=energy" download>Download CSV</a>' in html
    html = client.get(reverse("claims:topic-detail", args=["energy"]), {"date_from": "2020"})
    assert b'href="/claims/export.csv?date_from=2020&amp;topic=energy"' in html.content


@pytest.fixture
def many_quotes(db) -> int:
    """20,000 quotes of 4,000 published claims, built in bulk."""
    text = "".join(f"Passage {n:05d} is quoted.\n" for n in range(5000))
    source = Source.objects.create(slug="bulk", title="Bulk", text=text)
    claims = Claim.objects.bulk_create(
        Claim(statement=f"Claim {n}.", status="published") for n in range(4000)
    )
    quotes = []
    for n in range(20000):
        exact = f"Passage {n % 5000:05d} is quoted."
        start = text.index(exact)
        quotes.append(
            Quote(
                claim=claims[n // 5],
                source=source,
                exact=exact,
                start=start,
                end=start + len(exact),
            )
        )
    Quote.objects.bulk_create(quotes, batch_size=2000)
    return len(quotes)


def test_streaming_20000_quotes_keeps_the_query_count_bounded(client, many_quotes):
    response = client.get(reverse("claims:citation-export"))
    assert isinstance(response, StreamingHttpResponse)
    with CaptureQueriesContext(connection) as queries:
        rows = sum(chunk.count(b"\r\n") for chunk in response.streaming_content) - 1
    assert rows == many_quotes
    # The claims in one pass; then quotes, new sources, topics, entities and links once
    # per chunk of 1,000 claims.
    assert len(queries) <= 1 + 3 * (many_quotes // 2000 + 1)


def test_first_chunk_is_the_header_before_any_row_is_read(client, many_quotes):
    response = client.get(reverse("claims:citation-export"))
    chunks = iter(response.streaming_content)
    with CaptureQueriesContext(connection) as queries:
        first = next(chunks)
    assert first == (",".join(HEADER) + "\r\n").encode()
    assert len(queries) == 0


def test_command_writes_the_same_rows_as_the_view(client, public_registry, tmp_path):
    out = tmp_path / "citations.csv"
    call_command(
        "export_citations", "--topic", "energy", "--base-url", "http://testserver", "-o", str(out)
    )
    from_command = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8"))))
    from_view = list(
        csv.reader(
            io.StringIO(_body(client.get(reverse("claims:citation-export"), {"topic": "energy"})))
        )
    )
    # Everything but the moment of export, which may fall in different seconds.
    at = from_view[0].index("exported_at")
    strip = (
        [[*row[:at], *row[at + 1 :]] for row in from_command],
        [[*row[:at], *row[at + 1 :]] for row in from_view],
    )
    assert from_command[0] == from_view[0]
    assert strip[0] == strip[1]
    assert len(from_command) == 3


def test_command_rejects_bad_filters_and_a_missing_base_url(public_registry, monkeypatch):
    from django.core.management.base import CommandError

    monkeypatch.delenv("SITE_URL", raising=False)
    with pytest.raises(CommandError, match="--base-url"):
        call_command("export_citations", "--base-url", "")
    with pytest.raises(CommandError, match="Invalid filters: topic"):
        call_command("export_citations", "--topic", "nope", "--base-url", "https://f.example")


def test_admin_action_exports_the_selected_claims_whatever_their_status(
    client, public_registry, django_user_model
):
    admin = django_user_model.objects.create_superuser("root", "r@example.org", "x")
    client.force_login(admin)
    chosen = [public_registry.draft.pk, public_registry.stake.pk]
    response = client.post(
        reverse("admin:claims_claim_changelist"),
        {"action": "export_citations", "_selected_action": chosen},
    )
    assert isinstance(response, StreamingHttpResponse)
    assert _ids(_body(response)) == set(chosen)


# Reference formats


@pytest.fixture
def dated_sources(public_registry) -> dict:
    """Sources dated to the year, the month and the day, one undated."""
    month = make_source(
        slug="month-piece",
        title="Tensions & “50% rise” in A_B",
        author="Emil Avdaliani",
        outlet="Caucasus Watch",
        kind="news",
        published=dt.date(2020, 9, 1),
        published_precision="month",
        url="https://example.org/a_b?x=1",
    )
    day = make_source(
        slug="day-piece",
        title="An academic piece",
        kind="academic",
        outlet="Journal",
        published=dt.date(2020, 9, 15),
        published_precision="day",
    )
    for source in (month, day):
        make_quote(public_registry.stake, source, "Lukoil currently owns")
    return {"month": month, "day": day}


def _get(client, fmt: str, **params) -> str:
    response = client.get(reverse("claims:source-export", args=[fmt]), params)
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith(f'.{fmt}"')
    return response.content.decode()


def test_csl_json_parses_and_keeps_partial_dates(client, dated_sources):
    items = {item["id"]: item for item in json.loads(_get(client, "json"))}
    assert set(items) == {"alpha", "beta", "month-piece", "day-piece"}
    assert items["alpha"]["issued"] == {"date-parts": [[2023]]}
    assert items["month-piece"]["issued"] == {"date-parts": [[2020, 9]]}
    assert items["day-piece"]["issued"] == {"date-parts": [[2020, 9, 15]]}
    assert "issued" not in items["beta"]
    assert items["month-piece"]["type"] == "article-newspaper"
    assert items["day-piece"]["type"] == "article-journal"
    assert items["alpha"]["type"] == "report"
    assert items["alpha"]["author"] == [{"family": "Author", "given": "Ann"}]
    assert "author" not in items["beta"]
    assert items["month-piece"]["container-title"] == "Caucasus Watch"


def test_ris_parses_back_field_by_field(client, dated_sources):
    records = {r["id"]: r for r in rispy.loads(_get(client, "ris"))}
    month = records["month-piece"]
    assert month["type_of_reference"] == "NEWS"
    assert month["title"] == "Tensions & “50% rise” in A_B"
    assert month["authors"] == ["Avdaliani, Emil"]
    assert month["secondary_title"] == "Caucasus Watch"
    assert (month["year"], month["date"]) == ("2020", "2020/09//")
    assert month["urls"] == ["https://example.org/a_b?x=1"]
    assert (records["alpha"]["year"], records["alpha"]["date"]) == ("2023", "2023///")
    assert records["day-piece"]["date"] == "2020/09/15/"
    assert records["day-piece"]["type_of_reference"] == "JOUR"
    assert "date" not in records["beta"]


def test_bibtex_escapes_special_characters_and_parses_back(client, dated_sources):
    text = _get(client, "bib")
    assert r"Tensions \& {\textquotedblleft}50\% rise{\textquotedblright} in A\_B" in text
    library = bibtexparser.parse_string(
        text, append_middleware=[middlewares.LatexDecodingMiddleware()]
    )
    assert not library.failed_blocks
    entries = {e.key: e for e in library.entries}
    month = entries["month-piece"]
    assert month.entry_type == "article"
    assert month["title"] == "Tensions & “50% rise” in A_B"
    assert month["author"] == "Avdaliani, Emil"
    assert month["journal"] == "Caucasus Watch"
    assert (month["year"], month["date"]) == ("2020", "2020-09")
    assert "month = sep" in text
    assert entries["day-piece"]["date"] == "2020-09-15"
    assert entries["alpha"].entry_type == "techreport"
    assert entries["alpha"]["year"] == "2023"
    assert "month" not in entries["alpha"].fields_dict
    assert "year" not in entries["beta"].fields_dict


def test_reference_exports_follow_the_claim_filters(client, dated_sources):
    items = json.loads(_get(client, "json", topic="military"))
    assert {item["id"] for item in items} == {"beta"}


def test_reference_export_with_bad_filters_is_a_400(client, public_registry):
    response = client.get(reverse("claims:source-export", args=["ris"]), {"topic": "nope"})
    assert response.status_code == 400


def test_unknown_reference_format_is_404(client, public_registry):
    assert client.get("/sources/export.xml").status_code == 404


@pytest.mark.parametrize("extra", [0, 40_000])
def test_an_id_list_selects_exactly_its_rows_however_long(public_registry, extra):
    from claims.querysets import IdList

    wanted = [public_registry.stake.pk, public_registry.balance.pk]
    ids = wanted + [10**9 + n for n in range(extra)]  # ids of no claim
    found = Claim.objects.filter(pk__in=IdList(ids)).values_list("pk", flat=True)
    assert sorted(found) == sorted(wanted)
    assert not Claim.objects.filter(pk__in=IdList([])).exists()


# Hostile metadata: what an editor could paste, or an old row could hold.
HOSTILE_TITLE = "Evil}},note={pwned},x={ \\input{/etc/passwd}\nTY  - JOUR\nTI  - injected"
HOSTILE_URL = "https://example.org/p}},note={x}\\input{y}?a=b c"


@pytest.fixture
def hostile_source(public_registry) -> Source:
    from claims import services
    from claims.models import Original

    original = Original.objects.create(
        kind=Original.Kind.URL,
        content=b"page",
        sha256=services.sha256_bytes(b"page"),
        size=4,
        media_type="text/html",
        url=HOSTILE_URL,
        received_at=dt.datetime(2025, 8, 27, 9, 30, tzinfo=dt.UTC),
    )
    source = make_source(
        slug="hostile",
        title=HOSTILE_TITLE,
        author="Jean }{ Dupont\nER  - ",
        outlet="Outlet}, journal={Other",
        kind="news",
        url=HOSTILE_URL,
        original=original,
    )
    make_quote(public_registry.stake, source, "Lukoil currently owns")
    return source


def test_bibtex_of_hostile_metadata_parses_back_to_one_entry_with_the_same_fields(
    client, hostile_source
):
    text = _get(client, "bib")
    # A reader that knows LaTeX's text-mode brace commands, as reference managers do.
    context = get_default_latex_context_db()
    context.add_context_category(
        "text-braces",
        macros=[MacroTextSpec("textbraceleft", "{"), MacroTextSpec("textbraceright", "}")],
        prepend=True,
    )
    decoder = LatexNodes2Text(latex_context=context)
    library = bibtexparser.parse_string(
        text, append_middleware=[middlewares.LatexDecodingMiddleware(decoder=decoder)]
    )
    assert not library.failed_blocks
    entries = [e for e in library.entries if e.key == "hostile"]
    assert len(entries) == 1
    (entry,) = entries
    assert set(entry.fields_dict) == {
        "title",
        "author",
        "journal",
        "url",
        "urldate",
        "language",
        "note",
    }
    assert entry["title"] == HOSTILE_TITLE.replace("\n", " ")
    assert entry["journal"] == "Outlet}, journal={Other"
    assert "\\input" not in text.replace("{\\textbackslash}input", "")
    # A plain URL that reference managers read, percent-encoded so it cannot end early.
    # (verbatim: read from the raw entry, as reference managers read `url`)
    (raw,) = [e for e in bibtexparser.parse_string(text).entries if e.key == "hostile"]
    assert raw["url"] == "https://example.org/p%7D%7D,note=%7Bx%7D%5Cinput%7By%7D?a=b%20c"
    assert "\\url{https://example.org/p" not in text
    assert entry["urldate"] == "2025-08-27"


def test_ris_of_hostile_metadata_is_one_record_with_single_line_values(client, hostile_source):
    records = [r for r in rispy.loads(_get(client, "ris")) if r.get("id") == "hostile"]
    assert len(records) == 1
    (record,) = records
    assert record["title"] == HOSTILE_TITLE.replace("\n", " ")
    # One line: the newline and the "ER  - " after it are text of the name, not a tag.
    assert record["authors"] == ["-, Jean }{ Dupont ER"]
    assert record["type_of_reference"] == "NEWS"
    assert record["urls"] == ["https://example.org/p%7D%7D,note=%7Bx%7D%5Cinput%7By%7D?a=b%20c"]
    every = rispy.loads(_get(client, "ris"))
    assert len(every) == Source.objects.behind(Claim.objects.published()).count()


def test_bibtex_titles_are_brace_protected_so_styles_keep_their_capitals(client, dated_sources):
    text = _get(client, "bib")
    assert "title = {{Tensions \\& {\\textquotedblleft}50\\% rise" in text
    raw = {e.key: e for e in bibtexparser.parse_string(text).entries}
    assert raw["day-piece"]["title"] == "{An academic piece}"


# Open data: whole-day date columns and every relation, for analysis tools.


def test_the_csv_loads_in_pandas_with_real_dates_and_every_relation(public_registry):
    import pandas

    r = public_registry
    make_link(r.decline, r.balance, "updates", rationale="Later.")
    make_link(r.balance, r.decline, "qualifies", rationale="A condition.")
    make_link(r.stake, r.balance, "duplicates", rationale="The same.")
    frame = pandas.read_csv(
        io.StringIO(_csv(Claim.objects.published())),
        parse_dates=["event_date_start", "event_date_end"],
        dtype=str,
        keep_default_na=False,
    )
    assert str(frame["event_date_start"].dtype).startswith("datetime64")
    by_claim = {int(row.claim_id): row for row in frame.itertuples()}
    balance, decline, stake = (by_claim[c.pk] for c in (r.balance, r.decline, r.stake))
    assert (balance.event_date_start.date(), balance.event_date_end.date()) == (
        dt.date(2010, 1, 1),
        dt.date(2010, 12, 31),
    )
    assert decline.event_date_end.date() == dt.date(2023, 10, 31)
    assert stake.event_date_start == stake.event_date_end
    assert decline.updates == str(r.balance.pk)
    assert balance.updated_by == str(r.decline.pk)
    assert balance.qualifies == str(r.decline.pk)
    assert decline.qualified_by == str(r.balance.pk)
    assert stake.duplicates == str(r.balance.pk)
    assert balance.duplicated_by == str(r.stake.pk)
    assert balance.supports == str(r.stake.pk)
    assert stake.supported_by == str(r.balance.pk)
    assert stake.contradicted_by == str(r.decline.pk)


def test_every_reference_format_has_a_download_link_that_answers_in_its_type(
    client, public_registry
):
    from claims.references import REFERENCE_FORMATS

    html = client.get("/claims/?topic=energy").content.decode()
    for fmt in REFERENCE_FORMATS.values():
        href = f"/sources/export.{fmt.key}?topic=energy"
        assert f'<a href="{href}" download>{fmt.label}</a>' in html
        response = client.get(href)
        assert response["Content-Type"] == f"{fmt.content_type}; charset=utf-8"
        assert "Alpha" in response.content.decode()
    assert client.get("/sources/export.xml?topic=energy").status_code == 404
