from __future__ import annotations

import datetime as dt
import itertools
import math
import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from claims import timeline
from claims.models import Claim, ClaimLink, RegistryState, Topic
from claims.timeline import Edge, Point
from tests.factories import make_claim, make_link, make_topic

TOPICS = [("energy", "Energy"), ("military", "Military"), ("media", "Media")]


def _point(id: int, date: dt.date, *, precision: str = "day", topic: str = "energy") -> Point:
    return Point(id, date, precision, f"Statement {id}.", topic, f"/claims/{id}/")


def _dates(start: dt.date, days: list[int]) -> list[dt.date]:
    return [start + dt.timedelta(days=d) for d in days]


def _footprint(dot: timeline.Dot) -> tuple[float, float]:
    return min(dot.x1, dot.x - dot.r), max(dot.x2, dot.x + dot.r)


# The pure layout


def test_x_increases_with_the_date():
    dates = _dates(dt.date(1991, 1, 1), [0, 30, 400, 3000, 9000, 12600])
    points = [_point(n, d, topic=TOPICS[n % 3][0]) for n, d in enumerate(dates)]
    dots = {dot.id: dot for dot in timeline.layout(points, [], TOPICS).dots}
    xs = [dots[n].x for n in range(len(dates))]
    assert xs == sorted(xs)
    assert len(set(xs)) == len(xs)


def test_x_is_linear_in_time():
    dates = _dates(dt.date(2000, 1, 1), [0, 100, 200, 400])
    result = timeline.layout([_point(n, d) for n, d in enumerate(dates)], [], TOPICS)
    x = {dot.id: dot.x for dot in result.dots}
    assert x[1] - x[0] == pytest.approx(x[2] - x[1], abs=0.2)
    assert x[3] - x[2] == pytest.approx(2 * (x[1] - x[0]), abs=0.2)


def test_every_point_lies_inside_the_plot_and_its_lane():
    dates = _dates(dt.date(2020, 1, 1), list(range(0, 2000, 37)))
    points = [
        _point(n, d, precision=("day", "month", "year")[n % 3], topic=TOPICS[n % 3][0])
        for n, d in enumerate(dates)
    ]
    result = timeline.layout(points, [], TOPICS)
    lanes = {lane.slug: lane for lane in result.lanes}
    for dot in result.dots:
        lo, hi = _footprint(dot)
        assert result.plot_left <= lo and hi <= result.plot_right
        lane = lanes[dot.topic]
        assert lane.y + timeline.LANE_LABEL <= dot.y - dot.r
        assert dot.y + dot.r <= lane.y + lane.height <= result.axis_y


def test_points_on_the_same_or_close_dates_never_overlap_within_a_lane():
    day = dt.date(2022, 2, 24)
    points = [_point(n, day) for n in range(10)]
    points += [_point(100 + n, day + dt.timedelta(days=n)) for n in range(30)]
    points += [_point(200 + n, day, precision="month") for n in range(5)]
    points += [_point(300 + n, day, precision="year") for n in range(5)]
    result = timeline.layout(points, [], TOPICS)
    assert len(result.dots) == len(points)
    for a, b in itertools.combinations(result.dots, 2):
        (a_lo, a_hi), (b_lo, b_hi) = _footprint(a), _footprint(b)
        same_row = abs(a.y - b.y) < a.r + b.r
        assert not same_row or a_hi < b_lo or b_hi < a_lo, (a, b)
        assert math.dist((a.x, a.y), (b.x, b.y)) >= a.r + b.r


def test_there_is_one_lane_per_topic_with_points_in_the_given_order_then_untagged():
    points = [
        _point(1, dt.date(2020, 1, 1), topic="media"),
        _point(2, dt.date(2021, 1, 1), topic=""),
        _point(3, dt.date(2022, 1, 1), topic="energy"),
        _point(4, dt.date(2023, 1, 1), topic="media"),
    ]
    result = timeline.layout(points, [], TOPICS)
    assert [(lane.slug, lane.name, lane.count) for lane in result.lanes] == [
        ("energy", "Energy", 1),
        ("media", "Media", 2),
        ("", "Untagged", 1),
    ]
    assert [(e.name, e.count) for e in result.legend] == [
        ("Energy", 1),
        ("Media", 2),
        ("Untagged", 1),
    ]
    for upper, lower in itertools.pairwise(result.lanes):
        assert upper.y + upper.height == lower.y


def test_no_untagged_lane_when_every_point_has_a_topic():
    result = timeline.layout([_point(1, dt.date(2020, 1, 1))], [], TOPICS)
    assert [lane.slug for lane in result.lanes] == ["energy"]


def test_a_topic_keeps_its_colour_whatever_else_is_shown():
    alone = timeline.layout([_point(1, dt.date(2020, 1, 1), topic="media")], [], TOPICS)
    together = timeline.layout(
        [_point(1, dt.date(2020, 1, 1), topic="media"), _point(2, dt.date(2020, 1, 1))],
        [],
        TOPICS,
    )
    assert alone.legend[0].colour == together.legend[1].colour
    assert together.legend[0].colour != together.legend[1].colour


def test_twelve_topics_get_twelve_distinct_colours():
    topics = [(f"t{n}", f"Topic {n}") for n in range(12)]
    points = [_point(n, dt.date(2020, 1, 1 + n), topic=f"t{n}") for n in range(12)]
    colours = [entry.colour for entry in timeline.layout(points, [], topics).legend]
    assert len(set(colours)) == 12


def _oklab(colour: str) -> tuple[float, float, float]:
    def linear(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(int(colour[i : i + 2], 16)) for i in (1, 3, 5))
    lms = (
        (0.4122214708 * r + 0.5363325363 * g + 0.0514459929 * b) ** (1 / 3),
        (0.2119034982 * r + 0.6806995451 * g + 0.1073969566 * b) ** (1 / 3),
        (0.0883024619 * r + 0.2817188376 * g + 0.6299787005 * b) ** (1 / 3),
    )
    matrix = (
        (0.2104542553, 0.7936177850, -0.0040720468),
        (1.9779984951, -2.4285922050, 0.4505937099),
        (0.0259040371, 0.7827717662, -0.8086757660),
    )
    return tuple(sum(m * v for m, v in zip(row, lms, strict=True)) for row in matrix)


def test_palette_colours_pass_wcag_aa_on_white_and_are_far_apart():
    colours = [*timeline.PALETTE, timeline.UNTAGGED_COLOUR]
    assert len(timeline.PALETTE) >= 12
    for colour in colours:
        assert timeline.contrast_ratio(colour) >= 4.5, colour
    for a, b in itertools.combinations(colours, 2):
        assert math.dist(_oklab(a), _oklab(b)) >= 0.08, (a, b)


def test_contrast_ratio_matches_wcag_reference_values():
    assert timeline.contrast_ratio("#000000") == pytest.approx(21)
    assert timeline.contrast_ratio("#ffffff") == pytest.approx(1)
    assert timeline.contrast_ratio("#767676") == pytest.approx(4.54, abs=0.01)


@pytest.mark.parametrize(
    ("first", "last", "labels"),
    [
        (
            dt.date(1991, 1, 1),
            dt.date(2025, 8, 26),
            ["1995", "2000", "2005", "2010", "2015", "2020", "2025"],
        ),
        (dt.date(2014, 3, 1), dt.date(2024, 11, 1), None),
        (dt.date(2022, 1, 10), dt.date(2022, 5, 20), None),
        (dt.date(2021, 11, 3), dt.date(2023, 2, 14), None),
        (dt.date(1900, 1, 1), dt.date(2025, 1, 1), None),
    ],
)
def test_ticks_cover_the_range_at_a_readable_step(first, last, labels):
    result = timeline.layout([_point(1, first), _point(2, last)], [], TOPICS)
    xs = [tick.x for tick in result.ticks]
    assert len(xs) >= 2
    assert xs == sorted(xs)
    assert result.plot_left <= xs[0] and xs[-1] <= result.plot_right
    gaps = [b - a for a, b in itertools.pairwise(xs)]
    assert min(gaps) >= timeline.MIN_TICK_SPACING - 10
    assert xs[0] - result.plot_left <= max(gaps) + 0.2
    assert result.plot_right - xs[-1] <= max(gaps) + 0.2
    assert all(tick.label for tick in result.ticks)
    if labels:
        assert [tick.label for tick in result.ticks] == labels


def test_short_spans_get_month_ticks_labelled_with_the_year_once():
    result = timeline.layout(
        [_point(1, dt.date(2022, 1, 10)), _point(2, dt.date(2022, 5, 20))], [], TOPICS
    )
    labels = [tick.label for tick in result.ticks]
    assert labels[0] in {"Jan 2022", "2022", "Feb 2022"}
    assert "Mar" in labels and "Apr" in labels


def test_long_spans_get_unlabelled_ticks_for_each_year():
    result = timeline.layout(
        [_point(1, dt.date(1991, 1, 1)), _point(2, dt.date(2025, 8, 26))], [], TOPICS
    )
    assert len(result.ticks) + len(result.minor_ticks) >= 34
    assert not set(result.minor_ticks) & {tick.x for tick in result.ticks}


def test_tick_labels_near_either_end_stay_inside_the_chart():
    result = timeline.layout(
        [_point(1, dt.date(2021, 12, 20)), _point(2, dt.date(2022, 1, 12))], [], TOPICS
    )
    for tick in result.ticks:
        if tick.x - result.plot_left < 28:
            assert tick.anchor == "start"
        if result.plot_right - tick.x < 28:
            assert tick.anchor == "end"


def test_edges_join_the_coordinates_of_their_two_points():
    points = [
        _point(1, dt.date(2020, 1, 1)),
        _point(2, dt.date(2023, 6, 1), topic="military"),
        _point(3, dt.date(2021, 6, 1), topic="media", precision="year"),
    ]
    result = timeline.layout(points, [Edge(1, 2), Edge(3, 1)], TOPICS)
    dots = {dot.id: dot for dot in result.dots}
    assert [(line.a.id, line.b.id) for line in result.lines] == [(1, 2), (3, 1)]
    for line in result.lines:
        start, end = line.d.split("Q")
        assert start == f"M{line.a.x},{line.a.y}"
        assert end.endswith(f" {line.b.x},{line.b.y}")
        assert (line.a.x, line.a.y) == (dots[line.a.id].x, dots[line.a.id].y)
        assert (line.b.x, line.b.y) == (dots[line.b.id].x, dots[line.b.id].y)
        assert 0 <= line.cy <= result.height and 0 <= line.cx <= result.width
    assert "Statement 1." in result.lines[0].title and "Statement 2." in result.lines[0].title


def test_edges_with_a_missing_end_self_edges_and_repeats_are_skipped():
    points = [_point(1, dt.date(2020, 1, 1)), _point(2, dt.date(2021, 1, 1))]
    edges = [Edge(1, 99), Edge(99, 2), Edge(1, 1), Edge(1, 2), Edge(2, 1)]
    result = timeline.layout(points, edges, TOPICS)
    assert [(line.a.id, line.b.id) for line in result.lines] == [(1, 2)]


def test_an_edge_between_points_on_the_same_date_still_bows_into_a_curve():
    day = dt.date(2022, 2, 24)
    points = [_point(1, day), _point(2, day, topic="military")]
    (line,) = timeline.layout(points, [Edge(1, 2)], TOPICS).lines
    assert line.a.x == line.b.x
    assert line.cx != line.a.x


def test_a_single_point_sits_inside_a_padded_axis_with_ticks():
    result = timeline.layout([_point(7, dt.date(2022, 2, 24))], [], TOPICS)
    (dot,) = result.dots
    assert result.plot_left < dot.x < result.plot_right
    assert dot.x == pytest.approx((result.plot_left + result.plot_right) / 2, abs=10)
    assert (result.end - result.start).days >= timeline.MIN_SPAN_DAYS
    assert result.ticks
    assert (result.first_date, result.last_date) == ("2022-02-24", "2022-02-24")
    assert result.view_box == f"0 0 {result.width} {result.height}"


def test_a_single_year_point_spans_its_year():
    result = timeline.layout([_point(1, dt.date(2022, 1, 1), precision="year")], [], TOPICS)
    (dot,) = result.dots
    assert result.start < dt.date(2022, 1, 1) and dt.date(2023, 1, 1) < result.end
    assert result.plot_left < dot.x1 < dot.x < dot.x2 < result.plot_right


@pytest.mark.parametrize("precision", ["day", "month", "year"])
def test_dates_at_the_ends_of_the_calendar_do_not_break_the_layout(precision):
    points = [
        _point(1, dt.date(1, 1, 1), precision=precision),
        _point(2, dt.date(9999, 12, 31), precision=precision),
    ]
    result = timeline.layout(points, [Edge(1, 2)], TOPICS)
    assert len(result.dots) == 2 and len(result.lines) == 1
    assert 2 <= len(result.ticks) <= (result.plot_right - result.plot_left) // 60


def test_no_points_give_an_empty_layout():
    result = timeline.layout([], [Edge(1, 2)], TOPICS)
    assert (result.dots, result.lines, result.ticks, result.lanes, result.legend) == (
        [],
        [],
        [],
        [],
        [],
    )
    assert result.width > 0 and result.height > 0
    assert result.view_box == f"0 0 {result.width} {result.height}"
    assert not result.truncated


def test_day_precision_is_a_filled_point_and_month_or_year_a_bar_over_the_period():
    points = [
        _point(1, dt.date(2022, 2, 24)),
        _point(2, dt.date(2022, 2, 1), precision="month", topic="military"),
        _point(3, dt.date(2022, 1, 1), precision="year", topic="media"),
    ]
    result = timeline.layout(points, [], TOPICS)
    day, month, year = sorted(result.dots, key=lambda dot: dot.id)
    assert day.precise and day.bar == ""
    assert not month.precise and not year.precise
    assert month.bar.startswith(f"M{month.x1},") and f"H{month.x2}" in month.bar
    assert (month.date_text, year.date_text) == ("2022-02", "2022")
    # The bar spans the period; the circle sits at its middle.
    assert year.x1 < month.x1 < day.x < month.x2 < year.x2
    assert month.x == pytest.approx((month.x1 + month.x2) / 2, abs=0.1)
    assert year.x2 - year.x1 == pytest.approx(365 / 28 * (month.x2 - month.x1), rel=0.02)
    assert day.title == "2022-02-24: Statement 1."
    assert result.imprecise_count == 2


def test_a_full_list_is_marked_as_possibly_cut():
    points = [
        _point(n, dt.date(2000, 1, 1) + dt.timedelta(days=n)) for n in range(timeline.MAX_POINTS)
    ]
    assert timeline.layout(points, [], TOPICS).truncated
    assert not timeline.layout(points[:-1], [], TOPICS).truncated


# The page


def _svg(html: str) -> str:
    match = re.search(r"<svg class=\"timeline-svg\".*?</svg>", html, re.S)
    return match.group(0) if match else ""


def _ids_in_svg(html: str) -> set[int]:
    return {int(n) for n in re.findall(r'class="tl-dot" href="/claims/\d+/" data-id="(\d+)"', html)}


@pytest.fixture
def dated(db) -> dict:
    energy = make_topic("energy", name="Energy")
    military = make_topic("military", name="Military")
    day = make_claim(
        "Russia and Azerbaijan signed the allied declaration.",
        topics=[energy, military],
        status="published",
        event_date=dt.date(2022, 2, 22),
        event_date_precision="day",
    )
    month = make_claim(
        "Lukoil held a fifth of the field.",
        topics=[energy],
        status="published",
        event_date=dt.date(2021, 6, 1),
        event_date_precision="month",
    )
    year = make_claim(
        "Troops were deployed to Karabakh.",
        topics=[military],
        status="published",
        event_date=dt.date(2020, 1, 1),
        event_date_precision="year",
    )
    undated = make_claim("Relations are strained.", topics=[military], status="published")
    draft = make_claim(
        "A draft about a pipeline.",
        topics=[energy],
        event_date=dt.date(2022, 3, 1),
        event_date_precision="day",
    )
    retracted = make_claim(
        "A retracted claim about gas.",
        status="retracted",
        event_date=dt.date(2022, 3, 2),
        event_date_precision="day",
    )
    review = make_claim(
        "A claim in review.",
        status="review",
        event_date=dt.date(2022, 3, 3),
        event_date_precision="day",
    )
    return {
        "day": day,
        "month": month,
        "year": year,
        "undated": undated,
        "draft": draft,
        "retracted": retracted,
        "review": review,
    }


def test_timeline_page_draws_an_accessible_svg(client, dated):
    response = client.get(reverse("claims:timeline"))
    html = response.content.decode()
    svg = _svg(html)
    assert response.status_code == 200
    assert 'role="img"' in svg and 'viewBox="0 0 ' in svg and 'width="100%"' in svg
    assert '<title id="timeline-title">Timeline of 3 claims, 2020 to 2022-02-22</title>' in svg
    assert "<desc id=" in svg
    assert f'<a class="tl-dot" href="{dated["day"].get_absolute_url()}"' in svg
    assert "<title>2022-02-22: Russia and Azerbaijan signed the allied declaration.</title>" in svg
    assert "<script" not in html
    assert "claims/timeline.css" in html
    assert 'name="date_from"' in html


def test_only_published_dated_claims_appear(client, dated):
    response = client.get(reverse("claims:timeline"))
    html = response.content.decode()
    expected = {dated[key].pk for key in ("day", "month", "year")}
    assert _ids_in_svg(html) == expected
    assert {c.pk for c in response.context["timeline_claims"]} == expected
    for key in ("undated", "draft", "retracted", "review"):
        assert dated[key].statement not in html
        assert f'href="{dated[key].get_absolute_url()}"' not in html


def test_a_draft_claim_never_appears_whatever_the_filters(client, dated):
    for params in ({}, {"topic": "energy"}, {"date_from": "2022-03"}, {"q": "pipeline"}):
        html = client.get(reverse("claims:timeline"), params).content.decode()
        assert "A draft about a pipeline." not in html
        assert dated["draft"].pk not in _ids_in_svg(html)


def test_the_text_alternative_lists_the_same_claims_by_date_with_topics(client, dated):
    html = client.get(reverse("claims:timeline")).content.decode()
    listing = html[html.index('id="timeline-list"') :]
    positions = [listing.index(dated[key].statement) for key in ("year", "month", "day")]
    assert positions == sorted(positions)
    assert '<time datetime="2021-06">2021-06</time>' in listing
    assert "(Energy, Military)" in listing


def test_month_and_year_points_are_drawn_hollow_with_a_bar(client, dated):
    svg = _svg(client.get(reverse("claims:timeline")).content.decode())
    assert svg.count('class="tl-bar"') == 2
    assert svg.count('class="tl-period"') == 2
    assert svg.count('class="tl-day"') == 1
    assert re.search(r'class="tl-period"[^>]*fill="#ffffff"', svg)


def test_the_legend_names_each_topic_with_its_colour_and_count(client, dated):
    html = client.get(reverse("claims:timeline")).content.decode()
    legend = html[html.index('class="timeline-legend"') :]
    assert '<a href="/topics/energy/">Energy</a> <span class="tl-count">(2)</span>' in legend
    assert '<a href="/topics/military/">Military</a> <span class="tl-count">(1)</span>' in legend
    assert "Contradiction (0 shown)" in legend


def test_the_topic_filter_applies(client, dated):
    response = client.get(reverse("claims:timeline"), {"topic": "military"})
    assert _ids_in_svg(response.content.decode()) == {dated["day"].pk, dated["year"].pk}


def test_the_date_filter_applies(client, dated):
    response = client.get(reverse("claims:timeline"), {"date_from": "2022"})
    assert _ids_in_svg(response.content.decode()) == {dated["day"].pk}
    response = client.get(reverse("claims:timeline"), {"date_to": "2021-06"})
    assert _ids_in_svg(response.content.decode()) == {dated["month"].pk, dated["year"].pk}


def test_an_invalid_date_shows_the_form_error_and_no_chart(client, dated):
    response = client.get(reverse("claims:timeline"), {"date_from": "2022-13-45"})
    html = response.content.decode()
    assert response.status_code == 200
    assert response.context["filter"].form.errors["date_from"]
    assert '<p class="error" role="alert">' in html
    assert "Some filters are not valid" in html
    assert _svg(html) == ""
    assert dated["day"].statement not in html


def test_no_matching_dated_claims_shows_a_clear_message(client, dated):
    response = client.get(reverse("claims:timeline"), {"date_from": "2030"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "No dated claims match these filters." in html
    assert _svg(html) == ""


def test_an_empty_registry_shows_the_message(client, db):
    html = client.get(reverse("claims:timeline")).content.decode()
    assert "No dated claims match these filters." in html


def test_a_contradiction_between_published_claims_is_drawn_and_listed(client, dated):
    make_link(dated["day"], dated["year"], "contradicts", rationale="They disagree.")
    make_link(dated["month"], dated["day"], "supports")
    make_link(dated["month"], dated["draft"], "contradicts", rationale="Draft side.")
    html = client.get(reverse("claims:timeline")).content.decode()
    svg = _svg(html)
    assert svg.count('class="tl-contradiction"') == 1
    assert f'data-a="{dated["day"].pk}" data-b="{dated["year"].pk}"' in svg
    assert "Contradiction (1 shown)" in html
    shown = html[html.index('id="timeline-contradictions-h"') :]
    assert dated["day"].statement in shown and dated["year"].statement in shown
    assert "<strong>contradicts</strong>" in shown
    assert shown.count("<strong>contradicts</strong>") == 1


def test_a_contradiction_is_not_drawn_when_a_filter_hides_one_end(client, dated):
    make_link(dated["day"], dated["year"], "contradicts", rationale="They disagree.")
    html = client.get(reverse("claims:timeline"), {"date_from": "2022"}).content.decode()
    assert 'class="tl-contradiction"' not in html
    assert "No two of these claims contradict each other." in html


def _bulk_registry(count: int) -> None:
    """`count` published dated claims, each with a topic, and contradictions, in bulk."""
    topics = list(Topic.objects.order_by("pk")) or [
        Topic.objects.create(slug=f"bulk-topic-{n}", name=f"Bulk topic {n}") for n in range(12)
    ]
    claims = Claim.objects.bulk_create(
        Claim(
            statement=f"Bulk claim {n} about gas.",
            search_text=f"Bulk claim {n} about gas.",
            status="published",
            event_date=dt.date(1991 + n % 35, 1 + n % 12, 1 + n % 28),
            event_date_precision=("day", "month", "year")[n % 3],
        )
        for n in range(count)
    )
    Topic.claims.through.objects.bulk_create(
        Topic.claims.through(claim_id=c.pk, topic_id=topics[n % len(topics)].pk)
        for n, c in enumerate(claims)
    )
    ClaimLink.objects.bulk_create(
        ClaimLink(from_claim=a, to_claim=b, relation="contradicts", rationale="Bulk.")
        for a, b in itertools.pairwise(claims[::5])
    )
    RegistryState.advance()  # as every bulk load does (services.analyze): pages cached before go


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "url", ["/timeline/", "/timeline/?topic=bulk-topic-3&date_from=2001&q=gas"]
)
def test_the_number_of_queries_does_not_grow_with_the_number_of_claims(
    client, db, django_assert_max_num_queries, url
):
    _bulk_registry(20)
    few = _queries(client, url)
    _bulk_registry(230)
    assert Claim.objects.published().count() == 250
    # With the registry's generation (the page cache), and the form's topics and entities.
    with django_assert_max_num_queries(9):
        response = client.get(url)
    assert response.status_code == 200
    assert len(response.context["timeline"].dots) >= (200 if url == "/timeline/" else 5)
    cache.clear()
    assert _queries(client, url) == few


def test_the_timeline_has_no_sort_control_because_its_axis_orders_by_date(client, public_registry):
    timeline = client.get("/timeline/").content.decode()
    listing = client.get("/claims/").content.decode()
    assert 'name="sort"' in listing
    assert 'name="sort"' not in timeline
    assert 'name="date_from"' in timeline
