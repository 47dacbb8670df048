from __future__ import annotations

import datetime as dt
import itertools
import math
import re
from collections import defaultdict

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claims import timeline
from claims.models import Claim, ClaimLink, RegistryState, Topic
from claims.timeline import Edge, Point
from tests.factories import make_claim, make_link, make_topic

TOPICS = [("energy", "Energy"), ("military", "Military"), ("media", "Media")]


def _point(id: int, date: dt.date, *, precision: str = "day", topics=("energy",)) -> Point:
    return Point(id, date, precision, f"Statement {id}.", tuple(topics), f"/claims/{id}/")


def _dates(start: dt.date, days: list[int]) -> list[dt.date]:
    return [start + dt.timedelta(days=d) for d in days]


def _bars(chart: timeline.Chart) -> list[tuple[float, float, float]]:
    """(x1, x2, y) of each bar of the wide chart."""
    out = []
    for bar in chart.bars:
        x1, top, x2 = re.match(r"M([\d.]+),([\d.]+)V[\d.]+M[\d.]+,[\d.]+H([\d.]+)", bar.d).groups()
        out.append((float(x1), float(x2), float(top) + 3))
    return out


def _spans(points: list[Point]) -> list[tuple[int, int]]:
    return [timeline._span(p) for p in points]


# The time scale: pure functions, checked for any set of dates


PRECISIONS = st.sampled_from(["day", "month", "year"])
DATES = st.one_of(
    st.dates(dt.date(1950, 1, 1), dt.date(2030, 12, 31)),
    st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31)),
)
POINTS = st.lists(st.tuples(DATES, PRECISIONS), min_size=1, max_size=40)


def _as_points(drawn) -> list[Point]:
    return [_point(n, date, precision=p) for n, (date, p) in enumerate(drawn)]


@settings(max_examples=300, deadline=None)
@given(POINTS, st.lists(DATES, min_size=2, max_size=20))
def test_the_scale_never_maps_a_later_date_left_of_an_earlier_one(drawn, probes):
    spans = _spans(_as_points(drawn))
    scale = timeline.time_scale(spans, 20, 940)
    days = [*sorted(d.toordinal() for d in probes), scale.start, scale.end]
    positions = [scale(day) for day in sorted(days)]
    assert positions == sorted(positions)
    assert scale(scale.start) == pytest.approx(20) and scale(scale.end) == pytest.approx(940)


@settings(max_examples=300, deadline=None)
@given(POINTS)
def test_every_date_maps_inside_the_plot_and_breaks_hold_no_date(drawn):
    spans = _spans(_as_points(drawn))
    scale = timeline.time_scale(spans, 20, 940)
    for first, after in spans:
        assert 20 <= scale(first) <= scale(after) <= 940 + 1e-9
        for gap in scale.breaks:
            assert after <= gap.start or gap.end <= first, (first, after, gap)
    for gap in scale.breaks:
        years = gap.years[1] - gap.years[0] + 1
        assert years > timeline.MAX_GAP_YEARS
        assert gap.hi - gap.lo <= timeline.BREAK + 1e-9
    # Pieces tile the axis in days and in positions.
    for a, b in itertools.pairwise(scale.pieces):
        assert a.end == b.start and a.hi == pytest.approx(b.lo)


@settings(max_examples=200, deadline=None)
@given(POINTS)
def test_tick_labels_never_overlap_and_stay_inside_the_chart(drawn):
    scale = timeline.time_scale(_spans(_as_points(drawn)), 23, 937)
    ticks = timeline.axis_ticks(scale, extent=timeline.text_width, bounds=(2, 958))
    assert ticks.labels
    boxes = []
    for tick in ticks.labels:
        size = timeline.text_width(tick.label)
        lo = {"start": tick.at, "middle": tick.at - size / 2, "end": tick.at - size}[tick.anchor]
        assert lo >= 2 - 0.1 and lo + size <= 958 + 0.1
        boxes.append((lo, lo + size))
    for (_, a_hi), (b_lo, _) in itertools.pairwise(sorted(boxes)):
        assert a_hi + timeline.LABEL_GAP <= b_lo + 0.2
    for gap in scale.breaks:
        assert all(hi <= gap.lo or gap.hi <= lo for lo, hi in boxes)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.floats(0, 500), min_size=1, max_size=30),
    st.floats(5, 30),
    st.floats(0, 100),
)
def test_dodged_positions_keep_their_order_and_spacing_within_bounds(ideals, pitch, lo):
    ideals.sort()
    hi = lo + (len(ideals) - 1) * pitch + 37
    placed = timeline._dodge(ideals, pitch, lo, hi)
    assert len(placed) == len(ideals)
    assert all(lo - 1e-6 <= y <= hi + 1e-6 for y in placed)
    assert all(b - a >= pitch - 1e-6 for a, b in itertools.pairwise(placed))


def test_empty_years_become_one_short_break_and_busy_years_get_more_room():
    dense = [_point(n, dt.date(2022, 1 + n % 12, 1 + n % 28)) for n in range(36)]
    points = [_point(100, dt.date(1991, 5, 1)), _point(101, dt.date(1994, 5, 1)), *dense]
    # Past two years, the axis covers whole years.
    assert timeline.domain(_spans(points)) == (
        dt.date(1991, 1, 1).toordinal(),
        dt.date(2023, 1, 1).toordinal(),
    )
    scale = timeline.time_scale(_spans(points), 0, 900)
    (gap,) = scale.breaks
    assert gap.years == (1995, 2021)
    assert gap.hi - gap.lo == timeline.BREAK
    width = {p.years[0]: p.hi - p.lo for p in scale.pieces if not p.broken}
    # Two empty years (1992, 1993) are too short a gap to cut: they stay, narrow.
    assert set(width) == {1991, 1992, 1993, 1994, 2022}
    assert width[2022] == pytest.approx(6 * width[1991], rel=0.01)  # sqrt(36) : 1
    assert width[1992] == pytest.approx(width[1991], rel=0.01)


def test_time_is_linear_within_a_year():
    dates = _dates(dt.date(2000, 1, 1), [0, 100, 200, 300])
    result = timeline.layout([_point(n, d) for n, d in enumerate(dates)], [], TOPICS)
    x = {dot.id: dot.x for dot in result.dots}
    assert x[1] - x[0] == pytest.approx(x[2] - x[1], abs=0.2)
    assert x[3] - x[2] == pytest.approx(x[1] - x[0], abs=0.2)


# The wide chart


def test_x_increases_with_the_date():
    dates = _dates(dt.date(1991, 1, 1), [0, 30, 400, 3000, 9000, 12600])
    points = [_point(n, d, topics=[TOPICS[n % 3][0]]) for n, d in enumerate(dates)]
    dots = {dot.id: dot for dot in timeline.layout(points, [], TOPICS).dots}
    xs = [dots[n].x for n in range(len(dates))]
    assert xs == sorted(xs)
    assert len(set(xs)) == len(xs)


def test_a_claim_appears_in_the_lane_of_each_of_its_topics():
    points = [
        _point(1, dt.date(2020, 1, 1), topics=["energy", "military"]),
        _point(2, dt.date(2021, 1, 1), topics=["military"]),
        _point(3, dt.date(2022, 1, 1), topics=[]),
        _point(4, dt.date(2023, 1, 1), topics=["media", "energy", "military"]),
    ]
    for chart in (timeline.layout(points, [], TOPICS), timeline.layout_tall(points, [], TOPICS)):
        lanes = [(lane.slug, lane.name, lane.count, lane.total) for lane in chart.lanes]
        assert lanes == [
            ("energy", "Energy", 2, 2),
            ("military", "Military", 3, 3),
            ("media", "Media", 1, 1),
            ("", "Untagged", 1, 1),
        ]
        in_lane = defaultdict(set)
        for dot in chart.dots:
            in_lane[chart.lanes[dot.lane].slug].add(dot.id)
            assert dot.topic == chart.lanes[dot.lane].slug
        assert in_lane == {"energy": {1, 4}, "military": {1, 2, 4}, "media": {4}, "": {3}}
        assert len(chart.dots) == 7
        assert chart.claims == 4


def test_lane_totals_and_links_come_from_the_caller():
    points = [_point(1, dt.date(2020, 1, 1), topics=["energy"]), _point(2, dt.date(2020, 2, 1))]
    chart = timeline.layout(
        points, [], TOPICS, totals={"energy": 40}, urls={"energy": "/claims/?topic=energy"}
    )
    (lane,) = chart.lanes
    assert (lane.count, lane.total, lane.url) == (2, 40, "/claims/?topic=energy")


def test_every_point_lies_inside_the_plot_and_its_lane():
    dates = _dates(dt.date(2020, 1, 1), list(range(0, 2000, 37)))
    points = [
        _point(n, d, precision=("day", "month", "year")[n % 3], topics=[TOPICS[n % 3][0]])
        for n, d in enumerate(dates)
    ]
    chart = timeline.layout(points, [], TOPICS)
    left, _top, right, bottom = chart.plot
    for dot in chart.dots:
        assert left <= dot.x - dot.r and dot.x + dot.r <= right
        lane = chart.lanes[dot.lane]
        assert lane.y + timeline.LANE_LABEL <= dot.y - dot.r
        assert dot.y + dot.r <= lane.y + lane.height <= bottom
    for x1, x2, _ in _bars(chart):
        assert left <= x1 < x2 <= right


def test_points_on_the_same_or_close_dates_never_overlap_within_a_lane():
    day = dt.date(2022, 2, 24)
    points = [_point(n, day) for n in range(10)]
    points += [_point(100 + n, day + dt.timedelta(days=n)) for n in range(30)]
    points += [_point(200 + n, day, precision="month") for n in range(5)]
    points += [_point(300 + n, day, precision="year") for n in range(40)]
    chart = timeline.layout(points, [], TOPICS)
    assert len(chart.dots) == len(points)
    for a, b in itertools.combinations(chart.dots, 2):
        assert math.dist((a.x, a.y), (b.x, b.y)) >= a.r + b.r, (a, b)
    bars = _bars(chart)
    for (a1, a2, ay), (b1, b2, by) in itertools.combinations(bars, 2):
        assert ay != by or a2 < b1 or b2 < a1  # bars in one row never touch
    for dot in chart.dots:
        holding = [b for b in bars if b[2] == dot.y and b[0] - dot.r <= dot.x <= b[1] + dot.r]
        # A hollow circle sits on exactly one bar; a filled one on none.
        assert len(holding) == (0 if dot.precise else 1), dot


def test_claims_dated_to_one_year_share_its_bar():
    points = [_point(n, dt.date(2022, 1, 1), precision="year") for n in range(4)]
    points.append(_point(9, dt.date(2021, 1, 1), precision="year"))
    chart = timeline.layout(points, [], TOPICS)
    assert len(chart.bars) == 2  # one for 2022's four claims, one for 2021
    ys = {dot.y for dot in chart.dots if dot.id < 9}
    assert len(ys) == 1
    x1, x2, _ = max(_bars(chart), key=lambda bar: bar[1])
    xs = sorted(dot.x for dot in chart.dots if dot.id < 9)
    assert x1 < xs[0] and xs[-1] < x2
    assert chart.scale(dt.date(2022, 1, 1).toordinal()) == pytest.approx(x1, abs=0.1)
    assert chart.scale(dt.date(2023, 1, 1).toordinal()) == pytest.approx(x2, abs=0.1)


def test_there_is_one_lane_per_topic_with_points_in_the_given_order_then_untagged():
    points = [
        _point(1, dt.date(2020, 1, 1), topics=["media"]),
        _point(2, dt.date(2021, 1, 1), topics=[]),
        _point(3, dt.date(2022, 1, 1), topics=["energy"]),
        _point(4, dt.date(2023, 1, 1), topics=["media"]),
    ]
    chart = timeline.layout(points, [], TOPICS)
    assert [(lane.slug, lane.name, lane.count) for lane in chart.lanes] == [
        ("energy", "Energy", 1),
        ("media", "Media", 2),
        ("", "Untagged", 1),
    ]
    for upper, lower in itertools.pairwise(chart.lanes):
        assert upper.y + upper.height == lower.y


def test_a_topic_keeps_its_colour_whatever_else_is_shown():
    alone = timeline.layout([_point(1, dt.date(2020, 1, 1), topics=["media"])], [], TOPICS)
    together = timeline.layout(
        [_point(1, dt.date(2020, 1, 1), topics=["media"]), _point(2, dt.date(2020, 1, 1))],
        [],
        TOPICS,
    )
    assert alone.lanes[0].colour == together.lanes[1].colour
    assert together.lanes[0].colour != together.lanes[1].colour


def test_twelve_topics_get_twelve_distinct_colours():
    topics = [(f"t{n}", f"Topic {n}") for n in range(12)]
    points = [_point(n, dt.date(2020, 1, 1 + n), topics=[f"t{n}"]) for n in range(12)]
    colours = [lane.colour for lane in timeline.layout(points, [], topics).lanes]
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


def _labels(chart: timeline.Chart, y: float) -> list[str]:
    return [label.text for label in chart.labels if label.y == y]


def test_axis_labels_run_above_and_below_the_lanes():
    points = [_point(1, dt.date(1991, 1, 1)), _point(2, dt.date(2025, 8, 26), topics=["media"])]
    chart = timeline.layout(points, [], TOPICS)
    _, top, _, bottom = chart.plot
    above, below = _labels(chart, top - 10), _labels(chart, bottom + 19)
    assert above == below
    # 1992-2024 hold no claim: one break, and both ends of the axis are labelled;
    # the two years share the width, enough for their months.
    assert [gap.title for gap in chart.breaks] == ["No claims from 1992 to 2024"]
    assert above[0] == "1991" and "2025" in above
    assert {"Apr", "Jul", "Oct"} <= set(above)


@pytest.mark.parametrize(
    ("first", "last"),
    [
        (dt.date(2014, 3, 1), dt.date(2024, 11, 1)),
        (dt.date(2022, 1, 10), dt.date(2022, 5, 20)),
        (dt.date(2021, 11, 3), dt.date(2023, 2, 14)),
        (dt.date(1900, 1, 1), dt.date(2025, 1, 1)),
    ],
)
def test_ticks_label_both_ends_of_the_range(first, last):
    filler = [_point(10 + n, first + (last - first) * n / 12) for n in range(1, 12)]
    chart = timeline.layout([_point(1, first), _point(2, last), *filler], [], TOPICS)
    labels = [label for label in chart.labels if label.y == chart.plot[1] - 10]
    texts = [label.text for label in labels]
    assert str(first.year) in texts[0] or texts[0] in timeline.MONTHS
    assert str(last.year) in texts or texts[-1] in timeline.MONTHS
    xs = [label.x for label in labels]
    assert xs == sorted(xs)


def test_short_spans_get_month_labels_after_the_year():
    chart = timeline.layout(
        [_point(1, dt.date(2022, 1, 10)), _point(2, dt.date(2022, 5, 20))], [], TOPICS
    )
    labels = _labels(chart, chart.plot[1] - 10)
    assert labels[0] == "2022"
    assert {"Feb", "Mar", "Apr"} <= set(labels)
    assert chart.minor_marks  # month boundaries are marked


def test_edges_join_the_coordinates_of_their_two_points():
    points = [
        _point(1, dt.date(2020, 1, 1)),
        _point(2, dt.date(2023, 6, 1), topics=["military"]),
        _point(3, dt.date(2021, 6, 1), topics=["media"], precision="year"),
    ]
    chart = timeline.layout(points, [Edge(1, 2), Edge(3, 1)], TOPICS)
    dots = {dot.id: dot for dot in chart.dots}
    assert [(line.a.id, line.b.id) for line in chart.lines] == [(1, 2), (3, 1)]
    for line in chart.lines:
        start, end = line.d.split("Q")
        assert start == f"M{line.a.x},{line.a.y}"
        assert end.endswith(f" {line.b.x},{line.b.y}")
        assert (line.a.x, line.a.y) == (dots[line.a.id].x, dots[line.a.id].y)
        assert 0 <= line.cy <= chart.height and 0 <= line.cx <= chart.width
    assert "Statement 1." in chart.lines[0].title and "Statement 2." in chart.lines[0].title


def test_a_link_between_claims_in_several_lanes_is_one_curve_between_the_nearest_lanes():
    points = [
        _point(1, dt.date(2020, 1, 1), topics=["energy", "media"]),
        _point(2, dt.date(2021, 1, 1), topics=["military", "media"]),
        _point(3, dt.date(2022, 1, 1), topics=["energy"]),
    ]
    for chart in (timeline.layout, timeline.layout_tall):
        result = chart(points, [Edge(1, 2), Edge(2, 3), Edge(2, 1)], TOPICS)
        lanes = [lane.slug for lane in result.lanes]
        pairs = [(lanes[line.a.lane], lanes[line.b.lane]) for line in result.lines]
        # 1 and 2 share Media: same lane. 2 and 3: Military is next to Energy.
        assert pairs == [("media", "media"), ("military", "energy")]


def test_edges_with_a_missing_end_self_edges_and_repeats_are_skipped():
    points = [_point(1, dt.date(2020, 1, 1)), _point(2, dt.date(2021, 1, 1))]
    edges = [Edge(1, 99), Edge(99, 2), Edge(1, 1), Edge(1, 2), Edge(2, 1)]
    chart = timeline.layout(points, edges, TOPICS)
    assert [(line.a.id, line.b.id) for line in chart.lines] == [(1, 2)]


def test_an_edge_between_points_on_the_same_date_still_bows_into_a_curve():
    day = dt.date(2022, 2, 24)
    points = [_point(1, day), _point(2, day, topics=["military"])]
    (line,) = timeline.layout(points, [Edge(1, 2)], TOPICS).lines
    assert line.a.x == line.b.x
    assert line.cx != line.a.x


def test_a_single_point_sits_inside_an_axis_with_labels():
    chart = timeline.layout([_point(7, dt.date(2022, 2, 24))], [], TOPICS)
    (dot,) = chart.dots
    left, _, right, _ = chart.plot
    assert left < dot.x < right
    assert dot.x == pytest.approx((left + right) / 2, abs=10)
    assert chart.scale.end - chart.scale.start >= timeline.MIN_SPAN_DAYS
    assert chart.labels
    assert (chart.first_date, chart.last_date) == ("2022-02-24", "2022-02-24")
    assert chart.view_box == f"0 0 {chart.width} {chart.height}"


@pytest.mark.parametrize("precision", ["day", "month", "year"])
def test_dates_at_the_ends_of_the_calendar_do_not_break_the_layout(precision):
    points = [
        _point(1, dt.date(1, 1, 1), precision=precision),
        _point(2, dt.date(9999, 12, 31), precision=precision),
    ]
    for chart in (timeline.layout, timeline.layout_tall):
        result = chart(points, [Edge(1, 2)], TOPICS)
        assert len(result.dots) == 2 and len(result.lines) == 1
        assert len(result.breaks) == 1
        assert {"1", "9999"} <= {label.text for label in result.labels}


def test_no_points_give_empty_charts():
    for chart in (timeline.layout([], [Edge(1, 2)], TOPICS), timeline.layout_tall([], [], TOPICS)):
        assert (chart.dots, chart.lines, chart.labels, chart.lanes) == ([], [], [], [])
        assert chart.width > 0 and chart.height > 0
        assert chart.view_box == f"0 0 {chart.width} {chart.height}"


def test_day_precision_is_a_filled_point_and_month_or_year_a_bar_over_the_period():
    points = [
        _point(1, dt.date(2022, 2, 24)),
        _point(2, dt.date(2022, 2, 1), precision="month", topics=["military"]),
        _point(3, dt.date(2022, 1, 1), precision="year", topics=["media"]),
    ]
    chart = timeline.layout(points, [], TOPICS)
    day, month, year = sorted(chart.dots, key=lambda dot: dot.id)
    assert day.precise and not month.precise and not year.precise
    (m1, m2, _), (y1, y2, _) = sorted(_bars(chart), key=lambda bar: bar[1] - bar[0])
    assert (month.date_text, year.date_text) == ("2022-02", "2022")
    # The bar spans the period; a lone circle sits at its middle.
    assert y1 < m1 < day.x < m2 < y2
    assert month.x == pytest.approx((m1 + m2) / 2, abs=0.1)
    assert y2 - y1 == pytest.approx(365 / 28 * (m2 - m1), rel=0.02)
    assert day.title == "2022-02-24: Statement 1."
    assert chart.imprecise_count == 2


# The tall chart (narrow screens)


def test_the_tall_chart_runs_down_in_columns_within_a_phone_width():
    day = dt.date(2022, 2, 24)
    points = [_point(n, day, topics=[TOPICS[n % 3][0]]) for n in range(30)]
    points += [_point(100 + n, dt.date(2021, 1, 1), precision="year") for n in range(5)]
    points += [_point(200, dt.date(1991, 5, 1), topics=["media"])]
    chart = timeline.layout_tall(points, [], TOPICS)
    _left, top, right, bottom = chart.plot
    assert right <= chart.width == timeline.TALL_WIDTH
    for dot in chart.dots:
        lane = chart.lanes[dot.lane]
        assert lane.x <= dot.x - dot.r and dot.x + dot.r <= lane.x + lane.width
        assert top <= dot.y - dot.r and dot.y + dot.r <= bottom
        assert dot.hit * 2 >= 22  # a tap target a finger can hit
    for a, b in itertools.combinations(chart.dots, 2):
        if a.lane == b.lane:
            assert abs(a.y - b.y) >= timeline.TALL_PITCH - 0.1
    # Later dates lower down; within a column, order by date is kept.
    by_id = {dot.id: dot for dot in chart.dots}
    assert by_id[200].y < by_id[100].y < by_id[0].y
    assert {label.text for label in chart.labels} >= {"1991", "2021", "2022", "Feb"}


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(POINTS)
def test_in_the_tall_chart_each_claim_stays_within_its_month_or_its_year(drawn):
    points = _as_points(drawn)
    chart = timeline.layout_tall(points, [], TOPICS)
    scale = chart.scale
    for dot in chart.dots:
        point = points[dot.id]
        year, month = point.date.year, point.date.month
        if point.precision == "year":  # in the room that opens the year
            lo, hi = scale.before(timeline._jan1(year)), scale(timeline._jan1(year))
        else:
            lo = scale(timeline._month_start(year, month))
            hi = scale.before(timeline._month_start(year, month + 1))
        assert lo - 0.1 <= dot.y <= hi + 0.1, (point, dot.y, lo, hi)
    ys = sorted(dot.y for dot in chart.dots)
    assert all(b - a >= timeline.TALL_PITCH - 0.2 for a, b in itertools.pairwise(ys))


# The page


def _svg(html: str, which: str = "wide") -> str:
    match = re.search(
        rf'<div class="timeline-chart timeline-{which}">\s*(<svg class="timeline-svg".*?</svg>)',
        html,
        re.S,
    )
    return match.group(1) if match else ""


def _ids_in_svg(html: str, which: str = "wide") -> set[int]:
    return {
        int(n)
        for n in re.findall(
            r'class="tl-dot" href="/claims/\d+/" data-id="(\d+)"', _svg(html, which)
        )
    }


def _dots_per_topic(html: str, which: str = "wide") -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for topic in re.findall(r'class="tl-dot" [^>]*data-topic="([^"]*)"', _svg(html, which)):
        counts[topic] += 1
    return dict(counts)


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


def test_timeline_page_draws_two_accessible_svgs(client, dated):
    response = client.get(reverse("claims:timeline"))
    html = response.content.decode()
    assert response.status_code == 200
    for which in ("wide", "tall"):
        svg = _svg(html, which)
        # A group, not an image: an image's parts are hidden, and these are links.
        assert 'role="group"' in svg and 'viewBox="0 0 ' in svg and 'width="100%"' in svg
        title = f'<title id="timeline-{which}-title">Timeline of 3 claims, 2020 to 2022-02-22'
        assert title in svg
        assert f'<desc id="timeline-{which}-desc">' in svg
        assert f'<a class="tl-dot" href="{dated["day"].get_absolute_url()}"' in svg
        assert (
            "<title>2022-02-22: Russia and Azerbaijan signed the allied declaration.</title>" in svg
        )
    assert "top to bottom" in _svg(html, "tall") and "left to right" in _svg(html, "wide")
    assert "<script" not in html
    assert "claims/timeline.css" in html
    assert 'name="date_from"' in html
    assert "scrolls sideways" not in html


def test_only_published_dated_claims_appear(client, dated):
    response = client.get(reverse("claims:timeline"))
    html = response.content.decode()
    expected = {dated[key].pk for key in ("day", "month", "year")}
    assert _ids_in_svg(html) == _ids_in_svg(html, "tall") == expected
    assert {c.pk for c in response.context["timeline_claims"]} == expected
    for key in ("undated", "draft", "retracted", "review"):
        assert dated[key].statement not in html
        assert f'href="{dated[key].get_absolute_url()}"' not in html


def test_a_draft_claim_never_appears_whatever_the_filters(client, dated):
    for params in ({}, {"topic": "energy"}, {"date_from": "2022-03"}, {"q": "pipeline"}):
        html = client.get(reverse("claims:timeline"), params).content.decode()
        assert "A draft about a pipeline." not in html
        assert dated["draft"].pk not in _ids_in_svg(html)


def test_the_page_states_the_lane_rule_and_how_many_claims_have_no_date(client, dated):
    html = client.get(reverse("claims:timeline")).content.decode()
    assert (
        "A claim with several topics appears in each of their lanes; claims without a date"
        " are not shown (1 of the 4 matching claims)." in html
    )
    # The result line counts claims, not dots: the day claim is drawn twice.
    assert '<p class="result-count" role="status">3 dated claims from 2020 to 2022-02-22.' in html
    assert len(re.findall(r'class="tl-dot"', _svg(html))) == 4


def test_the_text_alternative_lists_the_same_claims_by_date_with_topics(client, dated):
    html = client.get(reverse("claims:timeline")).content.decode()
    listing = html[html.index('id="timeline-list"') :]
    positions = [listing.index(dated[key].statement) for key in ("year", "month", "day")]
    assert positions == sorted(positions)
    assert '<time datetime="2021-06">2021-06</time>' in listing
    assert "(Energy, Military)" in listing


def test_month_and_year_points_are_drawn_hollow_with_a_bar(client, dated):
    svg = _svg(client.get(reverse("claims:timeline")).content.decode())
    assert svg.count('<g class="tl-bars"><path d="M') == 1
    assert len(re.findall(r'<path d="M[^"]*" stroke="#', svg)) == 2
    assert svg.count('class="tl-period"') == 2
    assert svg.count('class="tl-day"') == 2  # the day claim, in Energy and in Military
    assert re.search(r'class="tl-period"[^>]*fill="#ffffff"', svg)


def test_the_legend_comes_before_the_charts_and_links_each_count_to_the_claim_list(client, dated):
    html = client.get(reverse("claims:timeline")).content.decode()
    legend = html.index('class="timeline-legend"')
    assert legend < html.index('<svg class="timeline-svg"')
    assert html.index('aria-label="Key"') < html.index('<svg class="timeline-svg"')
    for slug, name in (("energy", "Energy"), ("military", "Military")):
        link = f'<a href="/claims/?date_from=2020&amp;topic={slug}">{name} '
        assert link + '<span class="tl-count">2</span></a>' in html[legend:]
    assert "Contradiction (0 shown)" in html
    # The same links on the lane names in both charts.
    for which in ("wide", "tall"):
        svg = _svg(html, which)
        assert '<a href="/claims/?date_from=2020&amp;topic=energy"><text class="tl-head"' in svg
        assert (
            '<tspan class="tl-head-name">Energy</tspan> <tspan class="tl-head-count">2</tspan>'
            in svg
        )


def test_axis_labels_appear_above_and_below_the_wide_chart(client, dated):
    svg = _svg(client.get(reverse("claims:timeline")).content.decode())
    labels = re.findall(r'<text class="tl-tick[^"]*" x="([\d.]+)" y="([\d.]+)"[^>]*>([^<]+)<', svg)
    rows = defaultdict(list)
    for x, y, text in labels:
        rows[float(y)].append((float(x), text))
    assert len(rows) == 2
    top, bottom = sorted(rows)
    assert rows[top] == rows[bottom]
    years = [text for _, text in rows[top] if text.isdigit()]
    assert years == ["2020", "2021", "2022"]
    first_lane = float(re.search(r'<rect class="tl-lane[^"]*" x="0" y="([\d.]+)"', svg).group(1))
    assert top < first_lane < bottom


@pytest.fixture
def overlapping(db) -> dict:
    """Claims with several topics each, some undated, one a draft."""
    topics = {slug: make_topic(slug) for slug in ("diplomacy", "energy", "military")}
    spec = [
        (("diplomacy", "energy"), dt.date(2020, 3, 1)),
        (("diplomacy",), dt.date(2021, 1, 1)),
        (("diplomacy", "energy", "military"), dt.date(2022, 5, 9)),
        (("energy",), dt.date(1995, 1, 1)),
        (("diplomacy", "military"), None),
        (("diplomacy",), None),
        ((), dt.date(2023, 7, 1)),
    ]
    claims = [
        make_claim(
            f"Claim {n} about gas.",
            topics=[topics[slug] for slug in slugs],
            status="published",
            event_date=date,
            event_date_precision="day" if date else "unknown",
        )
        for n, (slugs, date) in enumerate(spec)
    ]
    make_claim(
        "A draft.",
        topics=[topics["diplomacy"]],
        event_date=dt.date(2022, 1, 1),
        event_date_precision="day",
    )
    return {"topics": topics, "claims": claims}


@pytest.mark.parametrize("params", [{}, {"topic": "energy"}, {"q": "gas", "date_to": "2021"}])
def test_each_lane_counts_the_dated_matching_claims_of_its_topic(client, overlapping, params):
    response = client.get(reverse("claims:timeline"), params)
    html = response.content.decode()
    matching = response.context["filter"].qs
    dated = matching.filter(event_date__isnull=False)
    for chart in ("wide", "tall"):
        lanes = response.context[chart].lanes
        shown = {lane.slug: lane.total for lane in lanes}
        expected = {
            slug: dated.filter(topics__slug=slug).count()
            for slug in overlapping["topics"]
            if dated.filter(topics__slug=slug).exists()
        }
        if dated.filter(topics__isnull=True).exists():
            expected[""] = dated.filter(topics__isnull=True).count()
        assert shown == expected
        assert _dots_per_topic(html, chart) == expected
    # The same numbers as the claim list, following each lane's link.
    for lane in response.context["wide"].lanes:
        if not lane.slug:
            continue
        listing = client.get(lane.url)
        assert listing.context["paginator"].count == lane.total, lane.url
        assert f"{lane.total} claim" in listing.content.decode()
    undated = matching.count() - dated.count()
    assert f"are not shown ({undated} of the {matching.count()} matching claim" in html


def test_the_untagged_lane_has_no_link_and_counts_claims_without_a_topic(client, overlapping):
    response = client.get(reverse("claims:timeline"))
    untagged = response.context["wide"].lanes[-1]
    assert (untagged.name, untagged.total, untagged.url) == ("Untagged", 1, "")
    assert 'Untagged <span class="tl-count">1</span>' in response.content.decode()


def test_a_lane_link_keeps_a_date_filter_instead_of_adding_one(client, overlapping):
    response = client.get(reverse("claims:timeline"), {"date_to": "2021", "page": "3"})
    urls = {lane.slug: lane.url for lane in response.context["wide"].lanes}
    assert urls["diplomacy"] == "/claims/?date_to=2021&topic=diplomacy"
    assert "date_from" not in urls["energy"] and "page" not in urls["energy"]


def test_downloads_from_the_timeline_carry_only_dated_claims(client, overlapping):
    html = client.get(reverse("claims:timeline")).content.decode()
    assert 'href="/claims/export.csv?date_from=1995"' in html
    assert 'href="/sources/export.ris?date_from=1995"' in html


def test_the_topic_filter_applies(client, dated):
    response = client.get(reverse("claims:timeline"), {"topic": "military"})
    assert _ids_in_svg(response.content.decode()) == {dated["day"].pk, dated["year"].pk}


def test_the_date_filter_applies_and_narrows_the_axis(client, dated):
    response = client.get(reverse("claims:timeline"), {"date_from": "2022"})
    assert _ids_in_svg(response.content.decode()) == {dated["day"].pk}
    assert dt.date.fromordinal(response.context["wide"].scale.start).year == 2022
    response = client.get(reverse("claims:timeline"), {"date_to": "2021-06"})
    assert _ids_in_svg(response.content.decode()) == {dated["month"].pk, dated["year"].pk}
    assert dt.date.fromordinal(response.context["wide"].scale.end - 1).year == 2021


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


def test_only_undated_matches_say_so(client, dated):
    html = client.get(reverse("claims:timeline"), {"q": "strained"}).content.decode()
    assert (
        "No dated claims match these filters (1 matching claim without a date is not shown)."
        in html
    )


def test_an_empty_registry_shows_the_message(client, db):
    html = client.get(reverse("claims:timeline")).content.decode()
    assert "No dated claims match these filters." in html


def test_a_contradiction_between_published_claims_is_drawn_once_and_listed(client, dated):
    make_link(dated["day"], dated["year"], "contradicts", rationale="They disagree.")
    make_link(dated["month"], dated["day"], "supports")
    make_link(dated["month"], dated["draft"], "contradicts", rationale="Draft side.")
    html = client.get(reverse("claims:timeline")).content.decode()
    for which in ("wide", "tall"):
        svg = _svg(html, which)
        assert svg.count('class="tl-contradiction"') == 1
        assert f'data-a="{dated["day"].pk}" data-b="{dated["year"].pk}"' in svg
    assert "Contradiction (1 shown)" in html
    shown = html[html.index('id="timeline-contradictions-h"') :]
    assert dated["day"].statement in shown and dated["year"].statement in shown
    assert shown.count("<strong>contradicts</strong>") == 1


def test_a_contradiction_is_not_drawn_when_a_filter_hides_one_end(client, dated):
    make_link(dated["day"], dated["year"], "contradicts", rationale="They disagree.")
    html = client.get(reverse("claims:timeline"), {"date_from": "2022"}).content.decode()
    assert 'class="tl-contradiction"' not in html
    assert "No two of these claims contradict each other." in html


def _bulk_registry(count: int, *, topics_each: int = 1) -> None:
    """`count` published dated claims with topics, some undated, and contradictions, in bulk."""
    topics = list(Topic.objects.order_by("pk")) or [
        Topic.objects.create(slug=f"bulk-topic-{n}", name=f"Bulk topic {n}") for n in range(12)
    ]
    claims = Claim.objects.bulk_create(
        Claim(
            statement=f"Bulk claim {n} about gas.",
            search_text=f"Bulk claim {n} about gas.",
            status="published",
            event_date=dt.date(1991 + n % 35, 1 + n % 12, 1 + n % 28) if n % 10 else None,
            event_date_precision=("day", "month", "year")[n % 3] if n % 10 else "unknown",
        )
        for n in range(count)
    )
    Topic.claims.through.objects.bulk_create(
        Topic.claims.through(claim_id=c.pk, topic_id=topics[(n + k) % len(topics)].pk)
        for n, c in enumerate(claims)
        for k in range(topics_each)
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
    _bulk_registry(20, topics_each=2)
    few = _queries(client, url)
    _bulk_registry(230, topics_each=2)
    assert Claim.objects.published().count() == 250
    # The generation (the page cache), the topic filter's check, the claims and
    # their topics (one query), the counts (total, dated, earliest), the topics,
    # the contradictions, the form's sources, topics and entities.
    with django_assert_max_num_queries(10):
        response = client.get(url)
    assert response.status_code == 200
    assert response.context["wide"].claims >= (200 if url == "/timeline/" else 5)
    cache.clear()
    assert _queries(client, url) == few


def test_past_max_points_the_newest_are_drawn_and_lanes_count_them_all(
    client, db, monkeypatch, django_assert_max_num_queries
):
    monkeypatch.setattr(timeline, "MAX_POINTS", 40)
    _bulk_registry(250, topics_each=2)
    dated = Claim.objects.published().dated()
    # And the per-topic counts, cached like facets (and the form's topics and entities).
    with django_assert_max_num_queries(11):
        response = client.get("/timeline/")
    html = response.content.decode()
    chart = response.context["wide"]
    assert chart.claims == 40 == len(_ids_in_svg(html))
    newest = set(dated.order_by("-event_date", "-pk").values_list("pk", flat=True)[:40])
    assert _ids_in_svg(html) == newest
    assert f"Only the newest 40 of the {dated.count()} dated claims are drawn" in html
    for lane in chart.lanes:
        assert lane.total == dated.filter(topics__slug=lane.slug).count() > lane.count
        assert f'{lane.name} <span class="tl-count">{lane.total}</span>' in html


def test_the_timeline_has_no_sort_control_because_its_axis_orders_by_date(client, public_registry):
    timeline_page = client.get("/timeline/").content.decode()
    listing = client.get("/claims/").content.decode()
    assert 'name="sort"' in listing
    assert 'name="sort"' not in timeline_page
    assert 'name="date_from"' in timeline_page
