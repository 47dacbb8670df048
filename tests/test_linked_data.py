"""A claim page's schema.org JSON-LD, read back by a JSON-LD processor (pyld) offline."""

from __future__ import annotations

import datetime as dt
import json
import re

from pyld import jsonld

from claims import linkeddata
from claims.models import Claim
from claims.services import take_action
from tests.factories import make_claim, make_quote, make_source, make_topic

SCHEMA = "https://schema.org/"
SCRIPT = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


def _offline_loader(url: str, options: dict) -> dict:
    """Serves a minimal schema.org context: nothing is fetched from the internet."""
    if url.rstrip("/") != SCHEMA.rstrip("/"):
        raise AssertionError(f"the test tried to load {url}")
    return {
        "contentType": "application/ld+json",
        "contextUrl": None,
        "documentUrl": url,
        "document": {"@context": {"@vocab": SCHEMA}},
    }


def page_data(client, claim: Claim) -> dict:
    html = client.get(claim.get_absolute_url()).content.decode()
    (script,) = SCRIPT.findall(html)
    return json.loads(script)


def expanded(data: dict) -> dict:
    (node,) = jsonld.expand(data, {"documentLoader": _offline_loader})
    return node


def values(node: dict, name: str) -> list:
    """The plain values of a property of an expanded node."""
    return [item.get("@value", item) for item in node.get(SCHEMA + name, [])]


def test_a_claim_page_carries_a_schema_org_claim_a_json_ld_processor_reads(client, public_registry):
    stake = public_registry.stake
    node = expanded(page_data(client, stake))
    assert node["@type"] == [SCHEMA + "Claim"]
    assert node["@id"] == f"http://testserver/claims/{stake.pk}/"
    assert values(node, "text") == ["Lukoil owns a fifth of Shah Deniz."]
    (work,) = node[SCHEMA + "appearance"]
    assert values(work, "name") == ["Alpha article"]
    assert values(work, "author") == ["Ann Author"]
    assert values(work, "datePublished") == ["2023"]
    (publisher,) = work[SCHEMA + "publisher"]
    assert values(publisher, "name") == ["Outlet A"]
    assert [values(t, "name") for t in node[SCHEMA + "about"]] == [["Energy"]]
    assert values(node, "keywords") == ["Energy"]
    (mention,) = node[SCHEMA + "mentions"]
    assert mention["@type"] == [SCHEMA + "Corporation"]
    assert values(mention, "name") == ["Lukoil"]
    (claimant,) = node[SCHEMA + "author"]
    assert values(claimant, "name") == ["Lukoil"]
    assert values(node, "temporalCoverage") == ["2022-02-22"]


def test_the_first_appearance_is_named_only_when_every_source_is_dated(client, public_registry):
    stake = public_registry.stake
    first = page_data(client, stake)["firstAppearance"]
    assert (first["name"], first["datePublished"]) == ("Alpha article", "2023")
    # Quoted in an undated source too: that one might be older, so no first appearance.
    make_quote(stake, public_registry.beta, "Relations continue to deteriorate sharply.")
    data = page_data(client, stake)
    assert [work["name"] for work in data["appearance"]] == ["Alpha article", "Beta article"]
    assert "firstAppearance" not in data


def test_blank_source_metadata_is_left_out_never_invented(client, public_registry):
    data = page_data(client, public_registry.decline)
    (work,) = data["appearance"]  # Beta: an outlet, but no author, date or URL
    assert work["name"] == "Beta article"
    assert work["publisher"] == {"@type": "Organization", "name": "Outlet B"}
    assert not {"author", "datePublished", "url"} & work.keys()
    assert "datePublished" not in data  # published without a recorded step (a fixture)
    assert data["temporalCoverage"] == "2023/2025-06"  # the as-of period, not the event date


def test_the_publication_date_is_the_reviewers_publish_step(client, public_registry, reviewer):
    claim = make_claim("Baku and Moscow signed a declaration.", topics=[public_registry.energy])
    make_quote(claim, public_registry.alpha, "The relationship between Baku and Moscow")
    take_action(claim=claim, action="publish", user=reviewer)
    published = claim.status_changes.get().changed_at
    data = page_data(client, claim)
    assert dt.datetime.fromisoformat(data["datePublished"]) == published.replace(microsecond=0)
    assert data["dateModified"]


def test_a_retracted_claim_says_so_in_its_linked_data(client, public_registry):
    data = page_data(client, public_registry.retracted)
    assert data["creativeWorkStatus"] == "Retracted"


def test_a_statement_cannot_close_the_script_element(client, public_registry):
    source = make_source(slug="gamma", text="A statement with </script> in it, verbatim.")
    claim = make_claim(
        'Ties are "good" </script><script>alert(1)</script> & <!-- fine -->.',
        topics=[make_topic("hostile")],
        status="published",
    )
    make_quote(claim, source, "A statement with </script> in it")
    html = client.get(claim.get_absolute_url()).content.decode()
    (script,) = SCRIPT.findall(html)  # only one script element: nothing broke out
    assert "<" not in script and ">" not in script and "&" not in script
    assert json.loads(script)["text"] == claim.statement


def test_script_json_escapes_what_could_end_a_script_and_round_trips():
    data = {"text": "</script><!-- & \u2028 Баку"}
    text = linkeddata.script_json(data)
    assert text == '{"text": "\\u003C/script\\u003E\\u003C!-- \\u0026 \u2028 Баку"}'
    assert json.loads(text) == data


def test_a_period_is_an_iso_interval_with_open_ends():
    assert linkeddata.period("2023", "2025-06") == "2023/2025-06"
    assert linkeddata.period("2023", "") == "2023/.."
    assert linkeddata.period("", "2020-05") == "../2020-05"
    assert linkeddata.period("2024", "2024") == "2024"
    assert linkeddata.period("", "") == ""
