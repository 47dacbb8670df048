"""Lay out claims on a time axis for a server-rendered SVG. Pure Python, no Django.

`layout()` turns points (dated claims) and edges (contradicts links) into
coordinates in a fixed viewBox: one horizontal lane per topic, x on a linear
time axis, points stacked within their lane so none overlap.

How a date's precision is drawn: a point known to the day is a filled circle
at that day. A point known only to the month or the year is a hollow (white)
circle at the middle of that month or year, with a thin bar, capped at both
ends, spanning the whole period it may fall in. The bar counts towards the
point's footprint, so nothing else in the lane is drawn over it.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass, field

MAX_POINTS = 500

WIDTH = 720
MARGIN_X = 16
TOP = 8
LANE_LABEL = 18
ROW = 14
RADIUS = 5
GAP = 2
LANE_PAD = 6
AXIS = 30
MIN_TICK_SPACING = 72
MIN_SPAN_DAYS = 90
PAD_FRACTION = 0.02
MIN_PAD_DAYS = 15

UNTAGGED = ""
UNTAGGED_NAME = "Untagged"
UNTAGGED_COLOUR = "#595959"

# Twelve colours, each at least 4.5:1 against white (WCAG AA for normal text)
# and at least 0.08 apart in OKLab, so that twelve topics stay distinguishable.
PALETTE = (
    "#1f5fa8",  # blue
    "#c62828",  # red
    "#2e7d32",  # green
    "#7b3fa0",  # purple
    "#a65300",  # orange
    "#00796b",  # teal
    "#ad1457",  # magenta
    "#4e342e",  # dark brown
    "#7a6a00",  # olive
    "#1a237e",  # navy
    "#3342d6",  # bright blue
    "#b02cc9",  # violet
)

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
TICK_STEPS_MONTHS = (1, 2, 3, 6, 12, 24, 60, 120, 240, 600, 1200, 2400, 6000, 12000, 24000, 60000)


@dataclass(frozen=True)
class Point:
    """A dated claim to place: `precision` is `day`, `month` or `year`."""

    id: int
    date: dt.date
    precision: str
    label: str
    topic: str
    url: str


@dataclass(frozen=True)
class Edge:
    """A contradicts link between the points with ids `a` and `b`."""

    a: int
    b: int


@dataclass(frozen=True)
class Dot:
    """A placed point: a circle at (x, y); `bar` spans the month or year if not precise."""

    id: int
    x: float
    y: float
    r: float
    colour: str
    precise: bool
    precision: str
    x1: float
    x2: float
    label: str
    date_text: str
    url: str
    topic: str
    topic_name: str

    @property
    def title(self) -> str:
        """The tooltip: date, then statement."""
        return f"{self.date_text}: {self.label}"

    @property
    def bar(self) -> str:
        """SVG path data for the period bar with end caps (empty for day precision)."""
        if self.precise:
            return ""
        top, bottom = _r(self.y - 3), _r(self.y + 3)
        return f"M{self.x1},{top}V{bottom}M{self.x1},{self.y}H{self.x2}M{self.x2},{top}V{bottom}"


@dataclass(frozen=True)
class Line:
    """A contradiction drawn as a quadratic curve from dot `a` to dot `b`."""

    a: Dot
    b: Dot
    cx: float
    cy: float

    @property
    def d(self) -> str:
        """SVG path data."""
        return f"M{self.a.x},{self.a.y}Q{self.cx},{self.cy} {self.b.x},{self.b.y}"

    @property
    def title(self) -> str:
        """The tooltip naming both claims."""
        return f"Contradiction: {self.a.title} ↔ {self.b.title}"


@dataclass(frozen=True)
class Tick:
    """A labelled tick on the time axis; `major` ticks fall on 1 January.

    `anchor` is the label's text-anchor, so labels near either end stay inside.
    """

    x: float
    label: str
    major: bool
    anchor: str = "middle"


@dataclass(frozen=True)
class Lane:
    """A topic's horizontal band: top `y`, `height`, where its name is written."""

    slug: str
    name: str
    colour: str
    count: int
    y: int
    height: int
    label_y: int


@dataclass(frozen=True)
class LegendEntry:
    slug: str
    name: str
    colour: str
    count: int


@dataclass
class Layout:
    """Everything the template needs to draw the SVG, in viewBox units."""

    width: int = WIDTH
    height: int = TOP + AXIS
    dots: list[Dot] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    ticks: list[Tick] = field(default_factory=list)
    minor_ticks: list[float] = field(default_factory=list)
    lanes: list[Lane] = field(default_factory=list)
    legend: list[LegendEntry] = field(default_factory=list)
    plot_left: float = MARGIN_X
    plot_right: float = WIDTH - MARGIN_X
    axis_y: int = TOP
    start: dt.date | None = None
    end: dt.date | None = None
    first_date: str = ""
    last_date: str = ""
    max_points: int = MAX_POINTS

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width} {self.height}"

    @property
    def truncated(self) -> bool:
        """True when the view may have cut the list at MAX_POINTS."""
        return len(self.dots) >= self.max_points

    @property
    def imprecise_count(self) -> int:
        return sum(not dot.precise for dot in self.dots)


def layout(
    points: list[Point],
    edges: list[Edge],
    topics: list[tuple[str, str]],
    *,
    width: int = WIDTH,
) -> Layout:
    """Place `points` in topic lanes on a time axis and join `edges` between them.

    `topics` gives every topic's (slug, name) in display order; only topics
    with points get a lane, and points whose topic is blank share a last
    "Untagged" lane. Edges with an end that is not a point are skipped.
    """
    if not points:
        return Layout(width=width, plot_right=width - MARGIN_X)
    left, right = MARGIN_X, width - MARGIN_X
    start, end = _domain(points)

    def x_of(day: float) -> float:
        return left + (day - start.toordinal()) / (end - start).days * (right - left)

    names = dict(topics)
    colours = _colours(topics, points)
    by_lane: dict[str, list[Point]] = defaultdict(list)
    for point in points:
        by_lane[point.topic].append(point)
    order = [slug for slug, _ in topics if slug in by_lane]
    order += sorted(slug for slug in by_lane if slug not in names and slug != UNTAGGED)
    order += [UNTAGGED] if UNTAGGED in by_lane else []

    dots: list[Dot] = []
    lanes: list[Lane] = []
    y = TOP
    for slug in order:
        name = UNTAGGED_NAME if slug == UNTAGGED else names.get(slug, slug)
        placed, rows = _stack(by_lane[slug], x_of, y + LANE_LABEL, colours[slug], name)
        height = LANE_LABEL + rows * ROW + LANE_PAD
        lanes.append(Lane(slug, name, colours[slug], len(placed), y, height, y + 13))
        dots += placed
        y += height
    axis_y = y
    height = y + AXIS
    ticks, minor = _ticks(start, end, x_of, right - left)
    first = min(points, key=lambda p: (p.date, p.id))
    last = max(points, key=lambda p: (p.date, p.id))
    return Layout(
        width=width,
        height=height,
        dots=dots,
        lines=_lines(dots, edges, width, height),
        ticks=ticks,
        minor_ticks=minor,
        lanes=lanes,
        legend=[LegendEntry(lane.slug, lane.name, lane.colour, lane.count) for lane in lanes],
        plot_left=left,
        plot_right=right,
        axis_y=axis_y,
        start=start,
        end=end,
        first_date=format_date(first.date, first.precision),
        last_date=format_date(last.date, last.precision),
    )


def period(date: dt.date, precision: str) -> tuple[dt.date, dt.date]:
    """The days a date may mean at its precision, as [first, last + 1 day)."""
    if precision == "year":
        first, days = dt.date(date.year, 1, 1), 366 if calendar.isleap(date.year) else 365
    elif precision == "month":
        first, days = date.replace(day=1), calendar.monthrange(date.year, date.month)[1]
    else:
        first, days = date, 1
    return first, _shift(first, days)


def _shift(date: dt.date, days: int) -> dt.date:
    """`date` moved by `days`, kept within the dates Python can represent."""
    ordinal = date.toordinal() + days
    return dt.date.fromordinal(min(max(ordinal, 1), dt.date.max.toordinal()))


def format_date(date: dt.date, precision: str) -> str:
    """ISO text at the date's precision: `2022`, `2022-02` or `2022-02-24`."""
    return date.isoformat()[: {"year": 4, "month": 7}.get(precision, 10)]


def contrast_ratio(colour: str, background: str = "#ffffff") -> float:
    """The WCAG 2 contrast ratio of two `#rrggbb` colours."""
    lighter, darker = sorted((_luminance(colour), _luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def _luminance(colour: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(int(colour[i : i + 2], 16)) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _r(value: float) -> float:
    return round(value, 1)


def _domain(points: list[Point]) -> tuple[dt.date, dt.date]:
    """The axis range: every point's whole period, padded, at least MIN_SPAN_DAYS long."""
    periods = [period(p.date, p.precision) for p in points]
    lo = min(first for first, _ in periods)
    hi = max(after for _, after in periods)
    pad = max(MIN_PAD_DAYS, round((hi - lo).days * PAD_FRACTION))
    lo, hi = _shift(lo, -pad), _shift(hi, pad)
    short = MIN_SPAN_DAYS - (hi - lo).days
    if short > 0:
        lo, hi = _shift(lo, -(short // 2)), _shift(hi, short - short // 2)
    return lo, hi


def _colours(topics: list[tuple[str, str]], points: list[Point]) -> dict[str, str]:
    """A colour per lane slug.

    While every topic fits in the palette, a topic keeps its colour whatever
    the filters; with more topics, colours go by lane order instead.
    """
    slugs = [slug for slug, _ in topics]
    used = {p.topic for p in points} - {UNTAGGED}
    known = [s for s in slugs if s in used] + sorted(used - set(slugs))
    if len(slugs) <= len(PALETTE) and not used - set(slugs):
        colours = {slug: PALETTE[i] for i, slug in enumerate(slugs)}
    else:
        colours = {slug: PALETTE[i % len(PALETTE)] for i, slug in enumerate(known)}
    colours[UNTAGGED] = UNTAGGED_COLOUR
    return colours


def _stack(points, x_of, top: float, colour: str, name: str) -> tuple[list[Dot], int]:
    """Place a lane's points in rows, each in the first row where it overlaps nothing.

    Points dated to the day are placed first, then months, then years, so the
    exact dates take the top rows and the wide bars go below them.
    """
    rank = {"month": 1, "year": 2}
    spans = []
    for p in points:
        first, after = period(p.date, p.precision)
        x1, x2 = _r(x_of(first.toordinal())), _r(x_of(after.toordinal()))
        x = _r((x1 + x2) / 2)
        spans.append((min(x1, x - RADIUS), max(x2, x + RADIUS), x, x1, x2, p))
    spans.sort(key=lambda s: (rank.get(s[5].precision, 0), s[0], s[2], s[5].date, s[5].id))
    rows: list[list[tuple[float, float]]] = []
    dots = []
    for lo, hi, x, x1, x2, p in spans:
        row = next(
            (
                i
                for i, taken in enumerate(rows)
                if all(end + GAP <= lo or hi + GAP <= begin for begin, end in taken)
            ),
            len(rows),
        )
        if row == len(rows):
            rows.append([])
        rows[row].append((lo, hi))
        precise = p.precision not in ("month", "year")
        dots.append(
            Dot(
                id=p.id,
                x=x,
                y=_r(top + row * ROW + ROW / 2),
                r=RADIUS if precise else RADIUS - 0.5,
                colour=colour,
                precise=precise,
                precision=p.precision,
                x1=x1,
                x2=x2,
                label=p.label,
                date_text=format_date(p.date, p.precision),
                url=p.url,
                topic=p.topic,
                topic_name=name,
            )
        )
    return dots, len(rows)


def _ticks(start: dt.date, end: dt.date, x_of, plot_width: float) -> tuple[list[Tick], list]:
    """Labelled ticks at a month or year step that keeps them MIN_TICK_SPACING apart.

    With a step of several years, unlabelled minor ticks mark every year when
    there is room for them.
    """
    left, right = x_of(start.toordinal()), x_of(end.toordinal())
    months = (end - start).days / 30.44
    room = max(2, int(plot_width // MIN_TICK_SPACING))
    step = next((s for s in TICK_STEPS_MONTHS if months / s <= room), TICK_STEPS_MONTHS[-1])
    ticks = []
    for first in _month_starts(start, end, step):
        if step >= 12 or first.month == 1:
            label = str(first.year)
        elif not ticks:
            label = f"{MONTHS[first.month - 1]} {first.year}"
        else:
            label = MONTHS[first.month - 1]
        x = _r(x_of(first.toordinal()))
        anchor = "start" if x - left < 28 else "end" if right - x < 28 else "middle"
        ticks.append(Tick(x, label, first.month == 1, anchor))
    minor = []
    if step > 12 and plot_width / (months / 12) >= 6:
        labelled = {t.x for t in ticks}
        for first in _month_starts(start, end, 12):
            x = _r(x_of(first.toordinal()))
            if x not in labelled:
                minor.append(x)
    return ticks, minor


def _month_starts(start: dt.date, end: dt.date, step: int) -> list[dt.date]:
    """First days of months within [start, end] whose month index is a multiple of `step`."""
    index = start.year * 12 + start.month - 1
    if start.day != 1:
        index += 1
    index += -index % step
    out = []
    while index // 12 <= dt.MAXYEAR:
        day = dt.date(index // 12, index % 12 + 1, 1)
        if day > end:
            break
        out.append(day)
        index += step
    return out


def _lines(dots: list[Dot], edges: list[Edge], width: int, height: int) -> list[Line]:
    """One curve per distinct edge whose two ends are both placed, bowed to one side."""
    at = {dot.id: dot for dot in dots}
    seen: set[frozenset[int]] = set()
    lines = []
    for edge in edges:
        pair = frozenset((edge.a, edge.b))
        if edge.a not in at or edge.b not in at or len(pair) < 2 or pair in seen:
            continue
        seen.add(pair)
        a, b = at[edge.a], at[edge.b]
        dx, dy = b.x - a.x, b.y - a.y
        length = math.hypot(dx, dy) or 1.0
        nx, ny = -dy / length, dx / length
        if ny > 0 or (ny == 0 and nx < 0):
            nx, ny = -nx, -ny
        bow = min(40.0, 6 + 0.2 * length)
        cx = min(max((a.x + b.x) / 2 + nx * bow, 0), width)
        cy = min(max((a.y + b.y) / 2 + ny * bow, 0), height)
        lines.append(Line(a, b, _r(cx), _r(cy)))
    return lines
