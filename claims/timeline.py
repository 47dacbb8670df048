"""Lay out claims on a time axis for two server-rendered SVG charts. Pure Python, no Django.

The same claims are drawn twice, and CSS shows one of them:

- `layout()`, the wide chart: one horizontal lane per topic, time running left
  to right, axis labels above and below the lanes.
- `layout_tall()`, the narrow-screen chart: time running down the page, one
  column per topic, the years on the left. It is as tall as it needs to be,
  so a phone scrolls down it and never sideways.

**Lanes.** A claim appears in the lane of *each* of its topics (claims with no
topic in a last "Untagged" lane), so a lane's count is the number of claims
with that topic: the count the claim list gives for the same filters and
topic. A contradiction is drawn once, between the pair of its claims' dots in
the nearest lanes.

**Time scale** (`time_scale`, `Scale`). The axis is broken: a run of more than
`MAX_GAP_YEARS` calendar years with no claim becomes a short break of fixed
size drawn with a zig-zag, so decades without claims do not take the width.
The other years share the rest of the width in proportion to
`max(1, sqrt(claims that year))`: a year with 40 claims is about six times as
wide as a year with one, so dense years get room without empty ones vanishing.
Within a year, time is linear. The tall chart uses the same breaks, and gives
each year the height its fullest column needs (`TALL_PITCH` a claim).

**Precision.** A claim known to the day is a filled circle at that day. One
known only to the month or the year is a hollow circle on a bar, capped at both
ends, that spans the whole month or year; claims of one lane that share a
period share its bar, side by side at its middle (their order on it says
nothing about their dates). In the tall chart, claims crowding one column are nudged
apart along the time axis, never out of their year.
"""

from __future__ import annotations

import bisect
import calendar
import datetime as dt
import math
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

# At most this many claims are drawn (each once per topic); the view takes the newest.
MAX_POINTS = 500

# The wide chart, in viewBox units (about CSS pixels on a desktop).
WIDTH = 960
MARGIN_X = 16
INSET = 7  # keeps the outermost dots inside the plot
AXIS = 30  # the band for tick labels above and below the lanes
LANE_LABEL = 22
ROW = 14
RADIUS = 5
GAP = 2
LANE_PAD = 8
FONT = 12
HEAD_FONT = 13

# The tall chart: sized for a 360-400 px phone screen.
TALL_WIDTH = 360
TALL_GUTTER = 46  # year labels left of the plot
TALL_MARGIN = 6
TALL_MAX_COLUMN = 64
TALL_PITCH = 24  # claims in one column are at least this far apart: 24 px tap targets
TALL_RADIUS = 6
TALL_MIN_MONTH = 3
TALL_HEAD_MAX = 200

# The axis.
MAX_GAP_YEARS = 2  # longer runs of empty years become a break
BREAK = 24  # the size of a break, in viewBox units
MAX_BREAK_SHARE = 0.3  # of the axis, for all breaks together
MIN_SPAN_DAYS = 90
LABEL_GAP = 8  # between tick labels
MONTHS_FROM = 12 * 34  # a year at least this long gets month labels (wide chart)
TALL_MONTHS_FROM = 12 * 18

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


@dataclass(frozen=True)
class Point:
    """A dated claim to place: `precision` is `day`, `month` or `year`; no topics is untagged."""

    id: int
    date: dt.date
    precision: str
    label: str
    topics: tuple[str, ...]
    url: str


@dataclass(frozen=True)
class Edge:
    """A contradicts link between the points with ids `a` and `b`."""

    a: int
    b: int


# The time scale


@dataclass(frozen=True)
class Piece:
    """A stretch of the axis: the days [start, end) (ordinals) drawn over [lo, hi].

    A `broken` piece is a run of empty years squeezed into a break.
    """

    start: int
    end: int
    lo: float
    hi: float
    broken: bool = False

    @property
    def years(self) -> tuple[int, int]:
        """The first and last calendar year the piece covers."""
        return _year_of(self.start), _year_of(self.end - 1)


@dataclass(frozen=True)
class Scale:
    """A piecewise linear, non-decreasing map from days (ordinals) to positions.

    Pieces follow each other without a gap in days; in positions, a piece may
    start after the last one ended (the tall chart's room for claims dated only
    to the year, before each January).
    """

    pieces: tuple[Piece, ...]
    origin: float | None = None  # where the axis begins, if before the first piece
    _starts: tuple[int, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_starts", tuple(piece.start for piece in self.pieces))

    def __call__(self, day: float) -> float:
        """The position of `day` (an ordinal, fractions allowed), clamped to the axis."""
        first, last = self.pieces[0], self.pieces[-1]
        if day <= first.start:
            return first.lo
        if day >= last.end:
            return last.hi
        piece = self.pieces[bisect.bisect_right(self._starts, day) - 1]
        return piece.lo + (day - piece.start) / (piece.end - piece.start) * (piece.hi - piece.lo)

    def before(self, day: int) -> float:
        """Where the axis stands just before `day`: the end of the piece that ends
        there, which is less than `self(day)` when a gap opens at `day`."""
        i = bisect.bisect_left(self._starts, day)
        if i == 0 and day == self.start and self.origin is not None:
            return self.origin
        if 0 < i < len(self.pieces) and self.pieces[i].start == day:
            return self.pieces[i - 1].hi if self.pieces[i - 1].end == day else self(day)
        return self(day)

    @property
    def start(self) -> int:
        return self.pieces[0].start

    @property
    def end(self) -> int:
        return self.pieces[-1].end

    @property
    def lo(self) -> float:
        return self.pieces[0].lo

    @property
    def hi(self) -> float:
        return self.pieces[-1].hi

    @property
    def breaks(self) -> list[Piece]:
        return [piece for piece in self.pieces if piece.broken]


def domain(periods: Sequence[tuple[int, int]]) -> tuple[int, int]:
    """The days [start, end) the axis covers: every period whole, at least MIN_SPAN_DAYS;
    whole calendar years once it spans two years or more."""
    lo = min(first for first, _ in periods)
    hi = max(after for _, after in periods)
    if hi - lo >= 2 * 365:
        return _jan1(_year_of(lo)), _jan1(_year_of(hi - 1) + 1)
    short = MIN_SPAN_DAYS - (hi - lo)
    if short > 0:
        lo, hi = lo - short // 2, hi + short - short // 2
    first, last = dt.date.min.toordinal(), dt.date.max.toordinal() + 1
    if lo < first:
        lo, hi = first, min(last, hi + first - lo)
    if hi > last:
        lo, hi = max(first, lo - (hi - last)), last
    return lo, hi


def year_pieces(periods: Sequence[tuple[int, int]]) -> list[tuple[int, int, bool]]:
    """The axis cut at each 1 January into (start, end, broken): runs of more than
    MAX_GAP_YEARS whole years that no period touches are merged into one broken piece."""
    start, end = domain(periods)
    busy = {year for first, after in periods for year in _years(first, after)}
    pieces: list[tuple[int, int, bool]] = []
    run: list[tuple[int, int]] = []  # whole empty years not yet placed

    def flush() -> None:
        if len(run) > MAX_GAP_YEARS:
            pieces.append((run[0][0], run[-1][1], True))
        else:
            pieces.extend((a, b, False) for a, b in run)
        run.clear()

    for year in range(_year_of(start), _year_of(end - 1) + 1):
        a, b = max(start, _jan1(year)), min(end, _jan1(year + 1))
        if year not in busy and (a, b) == (_jan1(year), _jan1(year + 1)):
            run.append((a, b))
            continue
        flush()
        pieces.append((a, b, False))
    flush()
    return pieces


def year_counts(periods: Sequence[tuple[int, int]]) -> Counter[int]:
    """How many periods touch each calendar year."""
    return Counter(year for first, after in periods for year in _years(first, after))


def time_scale(periods: Sequence[tuple[int, int]], lo: float, hi: float) -> Scale:
    """The wide chart's axis over `periods` (each [first, after) as ordinals), filling [lo, hi].

    Empty runs become breaks of BREAK units (less if many: together at most
    MAX_BREAK_SHARE of the axis); each other year's share of the rest is
    proportional to max(1, sqrt(periods in that year)), times the part of the
    year inside the axis.
    """
    pieces = year_pieces(periods)
    counts = year_counts(periods)
    breaks = sum(broken for *_, broken in pieces)
    size = min(BREAK, (hi - lo) * MAX_BREAK_SHARE / breaks) if breaks else 0.0
    weights = [
        0.0 if broken else _weight(counts[_year_of(a)]) * _fraction(a, b) for a, b, broken in pieces
    ]
    room = hi - lo - breaks * size
    total = sum(weights)
    lengths = [
        size if broken else room * weight / total
        for (*_, broken), weight in zip(pieces, weights, strict=True)
    ]
    return _place(pieces, lo, lengths, hi=hi)


def _fraction(start: int, end: int) -> float:
    """The share of its calendar year that the days [start, end) of one year cover."""
    return (end - start) / _year_days(_year_of(start))


def _weight(count: int) -> float:
    return max(1.0, math.sqrt(count))


def _place(
    pieces: list[tuple[int, int, bool]],
    lo: float,
    lengths: list[float],
    *,
    hi: float | None = None,
    lead: list[float] | None = None,
) -> Scale:
    """A Scale laying `pieces` one after the other from `lo`, each `lengths[i]` long and
    `lead[i]` after the previous one (the last ending exactly at `hi`, if given)."""
    placed, at = [], lo
    for n, ((a, b, broken), length) in enumerate(zip(pieces, lengths, strict=True)):
        at += lead[n] if lead else 0
        end = hi if hi is not None and n == len(pieces) - 1 else at + length
        placed.append(Piece(a, b, at, end, broken))
        at = end
    return Scale(tuple(placed), origin=lo)


def _years(first: int, after: int) -> range:
    return range(_year_of(first), _year_of(max(first, after - 1)) + 1)


def _year_of(ordinal: int) -> int:
    if ordinal > dt.date.max.toordinal():
        return dt.MAXYEAR + 1
    return dt.date.fromordinal(max(ordinal, 1)).year


def _jan1(year: int) -> int:
    """The ordinal of 1 January of `year` (one past 31 December 9999 for year 10000)."""
    if year > dt.MAXYEAR:
        return dt.date.max.toordinal() + 1
    return dt.date(year, 1, 1).toordinal()


def _month_start(year: int, month: int) -> int:
    return _jan1(year + 1) if month > 12 else dt.date(year, month, 1).toordinal()


def _year_days(year: int) -> int:
    return 366 if calendar.isleap(year) else 365


# Ticks


@dataclass(frozen=True)
class Tick:
    """A tick label at `at` along the axis; `anchor` keeps labels near the ends inside."""

    at: float
    label: str
    anchor: str = "middle"
    major: bool = True


@dataclass(frozen=True)
class Ticks:
    """Where the axis is labelled and marked: labels, and the year and month boundaries."""

    labels: list[Tick]
    years: list[float]
    months: list[float]


def axis_ticks(
    scale: Scale,
    *,
    extent: Callable[[str], float],
    bounds: tuple[float, float] = (-math.inf, math.inf),
    month_from: float = MONTHS_FROM,
    heading: float = 0,
) -> Ticks:
    """Labels that never overlap (each `extent(label)` long along the axis, LABEL_GAP apart).

    A year is labelled at the middle of its stretch; a year long enough for
    months (`month_from` units) is labelled where it starts and its months at
    their middles. With `heading`, every year's label is centred `heading`
    after its start instead, like a heading. Month boundaries are marked where
    a month next to them is at least `month_from / 12` long.

    Labels are chosen by priority: the first and last year of each run between
    breaks, then decades, half-decades, other years, quarters, other months; a
    label is dropped if it would touch one already placed or a break. Near the
    ends of `bounds` a label is anchored at its start or end.
    """
    # (priority, position, label, major, where its year starts: a fallback position)
    candidates: list[tuple[int, float, str, bool, float | None]] = []
    years: list[float] = []
    months: list[float] = []
    for run in _runs(scale):
        first_year, last_year = run[0].years[0], run[-1].years[1]
        for year in range(first_year, last_year + 1):
            a, b = max(run[0].start, _jan1(year)), min(run[-1].end, _jan1(year + 1))
            if a >= b:
                continue
            top, bottom = scale.before(a), scale.before(b)  # with any room the year opens with
            if a == _jan1(year) and a != scale.start:
                years.append(top)
            full = (bottom - top) * _year_days(year) / (b - a)
            edge = year in (first_year, last_year)
            rank = 0 if edge else 1 if year % 10 == 0 else 2 if year % 5 == 0 else 3
            at = top + heading if heading else top if full >= month_from else (top + bottom) / 2
            candidates.append((rank, at, str(year), True, top))
            if full < month_from:
                continue
            previous = scale(a) - top  # the length of the month before, or of the room
            for month in range(1, 13):
                m_a = max(a, _month_start(year, month))
                m_b = min(b, _month_start(year, month + 1))
                if m_a >= m_b:
                    continue
                m_top, m_bottom = scale(m_a), scale.before(m_b)
                starts = m_a == _month_start(year, month) and m_top != top
                if starts and max(m_bottom - m_top, previous) >= month_from / 12:
                    months.append(m_top)
                previous = m_bottom - m_top
                rank = 4 if month in (1, 4, 7, 10) else 5
                if m_bottom - m_top >= extent(MONTHS[month - 1]):  # else it labels its neighbours
                    middle = (m_top + m_bottom) / 2
                    candidates.append((rank, middle, MONTHS[month - 1], False, None))
    # Taken stretches of the axis, each with the room it needs around it.
    taken = [(piece.lo, piece.hi, 2.0) for piece in scale.breaks]
    chosen = []
    for _, at, label, major, start in sorted(candidates, key=lambda c: (c[0], c[1])):
        size = extent(label)
        options = [(at - size / 2, "middle")]
        if start is not None and not heading:
            options.append((start + 2, "start"))  # flush with its year's start
        for lo, anchor in options:
            if lo < bounds[0]:
                lo, anchor = max(lo, bounds[0]), "start"
            elif lo + size > bounds[1]:
                lo, anchor = min(lo, bounds[1] - size), "end"
            hi = lo + size
            if all(hi + gap <= t_lo or t_hi + gap <= lo for t_lo, t_hi, gap in taken):
                taken.append((lo, hi, LABEL_GAP))
                x = {"start": lo, "middle": lo + size / 2, "end": hi}[anchor]
                chosen.append(Tick(_r(x), label, anchor, major))
                break
    chosen.sort(key=lambda tick: tick.at)
    return Ticks(chosen, [_r(y) for y in years], [_r(m) for m in months])


def _runs(scale: Scale) -> list[list[Piece]]:
    """The unbroken pieces, grouped into the runs between breaks."""
    runs: list[list[Piece]] = [[]]
    for piece in scale.pieces:
        if piece.broken:
            runs.append([])
        else:
            runs[-1].append(piece)
    return [run for run in runs if run]


def text_width(text: str, size: float = FONT, *, bold: bool = False) -> float:
    """A generous estimate of the width of `text` in a sans-serif font of `size`
    (DejaVu Sans, Debian's default, is wide)."""
    return len(text) * size * (0.68 if bold else 0.62)


# The chart


@dataclass(frozen=True)
class Dot:
    """A claim drawn in one lane: a circle at (x, y), filled if dated to the day."""

    id: int
    x: float
    y: float
    r: float
    hit: float  # the radius of its tap target
    colour: str
    precise: bool
    precision: str
    label: str
    date_text: str
    url: str
    lane: int  # index into Chart.lanes
    topic: str
    topic_name: str

    @property
    def title(self) -> str:
        """The tooltip: date, then statement."""
        return f"{self.date_text}: {self.label}"


@dataclass(frozen=True)
class Bar:
    """The month or year that hollow circles are dated to, with end caps (SVG path data)."""

    d: str
    colour: str


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
class Head:
    """Where a lane's name is written, after a swatch of its colour at (sx, sy);
    `rotate` turns the name to read upwards."""

    x: float
    y: float
    sx: float
    sy: float
    anchor: str = "start"
    rotate: bool = False

    @property
    def transform(self) -> str:
        return f"rotate(-90 {self.x} {self.y})" if self.rotate else ""


@dataclass(frozen=True)
class Lane:
    """A topic's band (a row, or a column in the tall chart) and where its name goes.

    `count` is how many of the drawn claims it holds, `total` how many matching
    claims have the topic (more when the view drew only the newest MAX_POINTS).
    """

    slug: str
    name: str
    colour: str
    count: int
    total: int
    url: str
    x: float
    y: float
    width: float
    height: float
    heads: tuple[Head, ...]


@dataclass(frozen=True)
class Label:
    """A tick label in the chart's coordinates."""

    x: float
    y: float
    text: str
    anchor: str
    major: bool


@dataclass(frozen=True)
class Break:
    """A run of empty years drawn as a break: a band, a zig-zag across it, marks on the axes."""

    x: float
    y: float
    width: float
    height: float
    zigzag: str
    marks: str
    first_year: int
    last_year: int

    @property
    def title(self) -> str:
        return f"No claims from {self.first_year} to {self.last_year}"


@dataclass
class Chart:
    """Everything a template needs to draw one chart, in viewBox units."""

    tall: bool = False
    width: float = WIDTH
    height: float = 2 * AXIS
    dots: list[Dot] = field(default_factory=list)
    bars: list[Bar] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    lanes: list[Lane] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)
    breaks: list[Break] = field(default_factory=list)
    axis: str = ""  # path data of the axis lines
    marks: str = ""  # tick marks at year boundaries
    minor_marks: str = ""  # tick marks at month boundaries
    grid: str = ""  # lines across the lanes at year boundaries
    minor_grid: str = ""
    plot: tuple[float, float, float, float] = (0, 0, 0, 0)  # left, top, right, bottom
    scale: Scale | None = None
    claims: int = 0
    first_date: str = ""
    last_date: str = ""

    @property
    def view_box(self) -> str:
        return f"0 0 {_r(self.width)} {_r(self.height)}"

    @property
    def imprecise_count(self) -> int:
        return len({dot.id for dot in self.dots if not dot.precise})


def period(date: dt.date, precision: str) -> tuple[dt.date, dt.date]:
    """The days a date may mean at its precision, as [first, last + 1 day)."""
    if precision == "year":
        first, days = dt.date(date.year, 1, 1), _year_days(date.year)
    elif precision == "month":
        first, days = date.replace(day=1), calendar.monthrange(date.year, date.month)[1]
    else:
        first, days = date, 1
    return first, _shift(first, days)


def _shift(date: dt.date, days: int) -> dt.date:
    """`date` moved by `days`, kept within the dates Python can represent."""
    ordinal = date.toordinal() + days
    return dt.date.fromordinal(min(max(ordinal, 1), dt.date.max.toordinal()))


def _span(point: Point) -> tuple[int, int]:
    """The point's period as ordinals [first, after), at least a day long (the last
    representable day has no day after it in `dt.date`)."""
    first, after = period(point.date, point.precision)
    return first.toordinal(), max(after.toordinal(), first.toordinal() + 1)


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


@dataclass(frozen=True)
class _LaneSpec:
    """A topic's lane before it is placed: its points, and what its heading says."""

    slug: str
    name: str
    colour: str
    points: list[Point]
    total: int
    url: str

    def lane(
        self, x: float, y: float, width: float, height: float, heads: tuple[Head, ...]
    ) -> Lane:
        """The lane drawn at (x, y), `width` by `height`, with its name at `heads`."""
        return Lane(
            self.slug,
            self.name,
            self.colour,
            len(self.points),
            self.total,
            self.url,
            x,
            y,
            width,
            height,
            heads,
        )


def _lanes(
    points: list[Point],
    topics: list[tuple[str, str]],
    totals: dict[str, int] | None,
    urls: dict[str, str] | None,
) -> list[_LaneSpec]:
    """A lane for each topic with points, in the order of `topics`, then "Untagged"."""
    names = dict(topics)
    members: dict[str, list[Point]] = defaultdict(list)
    for point in points:
        for slug in dict.fromkeys(point.topics or (UNTAGGED,)):
            members[slug].append(point)
    order = [slug for slug, _ in topics if slug in members]
    order += sorted(slug for slug in members if slug not in names and slug != UNTAGGED)
    order += [UNTAGGED] if UNTAGGED in members else []
    colours = _colours(topics, set(members) - {UNTAGGED})
    return [
        _LaneSpec(
            slug,
            UNTAGGED_NAME if slug == UNTAGGED else names.get(slug, slug),
            colours[slug],
            members[slug],
            (totals or {}).get(slug, len(members[slug])),
            (urls or {}).get(slug, ""),
        )
        for slug in order
    ]


def _colours(topics: list[tuple[str, str]], used: set[str]) -> dict[str, str]:
    """A colour per lane slug.

    While every topic fits in the palette, a topic keeps its colour whatever
    the filters; with more topics, colours go by lane order instead.
    """
    slugs = [slug for slug, _ in topics]
    known = [s for s in slugs if s in used] + sorted(used - set(slugs))
    if len(slugs) <= len(PALETTE) and not used - set(slugs):
        colours = {slug: PALETTE[i] for i, slug in enumerate(slugs)}
    else:
        colours = {slug: PALETTE[i % len(PALETTE)] for i, slug in enumerate(known)}
    colours[UNTAGGED] = UNTAGGED_COLOUR
    return colours


def _summary(chart: Chart, points: list[Point]) -> None:
    first = min(points, key=lambda p: (p.date, p.id))
    last = max(points, key=lambda p: (p.date, p.id))
    chart.claims = len({p.id for p in points})
    chart.first_date = format_date(first.date, first.precision)
    chart.last_date = format_date(last.date, last.precision)


def _dot(point: Point, x: float, y: float, r: float, hit: float, lane: int, spec: _LaneSpec) -> Dot:
    precise = point.precision not in ("month", "year")
    return Dot(
        id=point.id,
        x=_r(x),
        y=_r(y),
        r=r if precise else r - 0.5,
        hit=hit,
        colour=spec.colour,
        precise=precise,
        precision=point.precision,
        label=point.label,
        date_text=format_date(point.date, point.precision),
        url=point.url,
        lane=lane,
        topic=spec.slug,
        topic_name=spec.name,
    )


def _groups(points: list[Point]) -> list[list[Point]]:
    """Day points one by one; month and year points grouped by the period they share."""
    groups: dict[tuple, list[Point]] = defaultdict(list)
    for point in sorted(points, key=lambda p: (p.date, p.id)):
        if point.precision in ("month", "year"):
            groups[(point.precision, _span(point))].append(point)
        else:
            groups[("day", point.id)].append(point)
    return list(groups.values())


# The wide chart


def layout(
    points: list[Point],
    edges: list[Edge],
    topics: list[tuple[str, str]],
    *,
    width: int = WIDTH,
    totals: dict[str, int] | None = None,
    urls: dict[str, str] | None = None,
) -> Chart:
    """The wide chart: a row of lanes per topic (in the order of `topics`), time left to right.

    `totals` and `urls` give each lane's count of matching claims and the link
    its name carries (by topic slug; "" for Untagged). Edges with an end that
    is not a point are skipped.
    """
    if not points:
        return Chart(width=width)
    left, right = MARGIN_X, width - MARGIN_X
    scale = time_scale([_span(p) for p in points], left + INSET, right - INSET)
    specs = _lanes(points, topics, totals, urls)
    chart = Chart(width=width, scale=scale)
    y: float = AXIS
    for index, spec in enumerate(specs):
        dots, bars, rows = _stack(spec, index, scale, y + LANE_LABEL)
        height = LANE_LABEL + rows * ROW + LANE_PAD
        head = Head(left + 10, y + 15, left + 4, y + 11)
        chart.lanes.append(spec.lane(0, y, width, height, (head,)))
        chart.dots += dots
        chart.bars += bars
        y += height
    top, bottom = AXIS, y
    chart.height = bottom + AXIS
    chart.plot = (left, top, right, bottom)
    ticks = axis_ticks(scale, extent=text_width, bounds=(2, width - 2))
    for tick in ticks.labels:
        for label_y in (top - 10, bottom + 19):
            chart.labels.append(Label(tick.at, label_y, tick.label, tick.anchor, tick.major))
    chart.marks = "".join(f"M{x},{top - 5}V{top}M{x},{bottom}V{bottom + 5}" for x in ticks.years)
    chart.minor_marks = "".join(
        f"M{x},{top - 3}V{top}M{x},{bottom}V{bottom + 3}" for x in ticks.months
    )
    chart.grid = "".join(f"M{x},{top}V{bottom}" for x in _spaced(ticks.years, 6))
    chart.minor_grid = "".join(
        f"M{x},{top}V{bottom}" for x in _spaced(ticks.months, 12, avoid=ticks.years)
    )
    gaps = [(piece.lo, piece.hi) for piece in scale.breaks]
    chart.axis = "".join(
        f"M{_r(a)},{y_}H{_r(b)}" for a, b in _between(left, right, gaps) for y_ in (top, bottom)
    )
    for piece in scale.breaks:
        mid = _r((piece.lo + piece.hi) / 2)
        chart.breaks.append(
            Break(
                _r(piece.lo),
                top,
                _r(piece.hi - piece.lo),
                bottom - top,
                _zigzag(mid, top, bottom, down=True),
                _slashes(mid, top) + _slashes(mid, bottom),
                *piece.years,
            )
        )
    chart.lines = _lines(chart.dots, edges, chart.width, chart.height)
    _summary(chart, points)
    return chart


def _stack(
    spec: _LaneSpec, lane: int, scale: Scale, top: float
) -> tuple[list[Dot], list[Bar], int]:
    """Place a lane's points in rows, each item in the first row where it overlaps nothing.

    An item is a day point, or up to as many month or year points of one period
    as fit side by side on its bar. Days are placed first, then months, then
    years, so exact dates take the top rows and the long bars go below them.
    """
    rank = {"month": 1, "year": 2}
    # (rank, left edge, right edge, the points with their x, the bar's ends or None)
    items: list[tuple[int, float, float, list[tuple[Point, float]], tuple[float, float] | None]]
    items = []
    for group in _groups(spec.points):
        first, after = _span(group[0])
        x1, x2 = scale(first), scale(after)
        if group[0].precision not in rank:
            x = (x1 + x2) / 2
            items.append((0, x - RADIUS, x + RADIUS, [(group[0], x)], None))
            continue
        # Side by side at the middle of the bar, in as few rows as fit on it.
        pitch = 2 * RADIUS + GAP
        row_count = math.ceil(len(group) / max(1, int((x2 - x1) // pitch)))
        per_row = math.ceil(len(group) / row_count)
        middle = (x1 + x2) / 2
        for k in range(0, len(group), per_row):
            chunk = group[k : k + per_row]
            xs = [middle + (j - (len(chunk) - 1) / 2) * pitch for j in range(len(chunk))]
            lo, hi = min(x1, xs[0] - RADIUS), max(x2, xs[-1] + RADIUS)
            members = list(zip(chunk, xs, strict=True))
            items.append((rank[group[0].precision], lo, hi, members, (x1, x2)))
    items.sort(key=lambda item: (item[0], item[1], item[2], item[3][0][0].id))
    rows: list[list[tuple[float, float]]] = []
    dots: list[Dot] = []
    bars: list[Bar] = []
    for _, lo, hi, members, bar in items:
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
        y = top + row * ROW + ROW / 2
        if bar:
            bars.append(Bar(_bar_across(*bar, y), spec.colour))
        dots += [_dot(p, x, y, RADIUS, ROW / 2, lane, spec) for p, x in members]
    return dots, bars, len(rows)


def _bar_across(x1: float, x2: float, y: float) -> str:
    x1, x2, y = _r(x1), _r(x2), _r(y)
    return f"M{x1},{_r(y - 3)}V{_r(y + 3)}M{x1},{y}H{x2}M{x2},{_r(y - 3)}V{_r(y + 3)}"


def _spaced(positions: list[float], gap: float, *, avoid: Sequence[float] = ()) -> list[float]:
    """The positions, dropping any closer than `gap` to the last one kept or to one
    of `avoid` (month lines next to a year's line)."""
    kept: list[float] = []
    for at in sorted(positions):
        if (not kept or at - kept[-1] >= gap) and all(abs(at - a) >= gap for a in avoid):
            kept.append(at)
    return kept


def _between(lo: float, hi: float, gaps: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """[lo, hi] without the `gaps` (sorted, inside it)."""
    out, at = [], lo
    for a, b in gaps:
        out.append((at, a))
        at = b
    out.append((at, hi))
    return [(a, b) for a, b in out if b > a]


def _zigzag(
    at: float, start: float, end: float, *, down: bool, step: float = 6, amp: float = 3
) -> str:
    """A zigzag along an axis from `start` to `end`: down the page at x = `at` (`down`),
    else across it at y = `at` (SVG path data)."""

    def xy(along: float, across: float) -> str:
        return f"{across},{along}" if down else f"{along},{across}"

    points, pos, side = [f"M{xy(start, at)}"], start + step / 2, 1
    while pos < end:
        points.append(f"L{xy(_r(pos), _r(at + side * amp))}")
        pos, side = pos + step, -side
    points.append(f"L{xy(end, at)}")
    return "".join(points)


def _slashes(x: float, y: float) -> str:
    """A "//" mark across a horizontal axis at (x, y)."""
    return "".join(f"M{_r(x + dx - 4)},{_r(y + 5)}L{_r(x + dx)},{_r(y - 5)}" for dx in (-2, 6))


def _slashes_tall(x: float, y: float) -> str:
    """A "//" mark across a vertical axis at (x, y)."""
    return "".join(f"M{_r(x - 5)},{_r(y + dy + 2)}L{_r(x + 5)},{_r(y + dy - 2)}" for dy in (-4, 4))


# The tall chart


def layout_tall(
    points: list[Point],
    edges: list[Edge],
    topics: list[tuple[str, str]],
    *,
    width: int = TALL_WIDTH,
    totals: dict[str, int] | None = None,
    urls: dict[str, str] | None = None,
) -> Chart:
    """The narrow-screen chart: a column per topic, time running down the page.

    The breaks are the wide chart's. Each month is as tall as its fullest
    column needs (TALL_PITCH a claim; at least TALL_MIN_MONTH), and each year
    opens with room for the claims dated only to that year, before January.
    Within a column, the claims of one month keep their order and are nudged
    apart only as much as TALL_PITCH needs, never out of their month; hollow
    circles are dated to the month, or, above January, only to the year.
    """
    if not points:
        return Chart(tall=True, width=width)
    specs = _lanes(points, topics, totals, urls)
    room = width - TALL_GUTTER - TALL_MARGIN
    column = min(TALL_MAX_COLUMN, room / len(specs))
    left = TALL_GUTTER + (room - column * len(specs)) / 2
    right = left + column * len(specs)
    radius = max(3.0, min(TALL_RADIUS, column / 2 - 4))
    hit = min(TALL_PITCH, column) / 2
    longest = max(text_width(f"{spec.name} {spec.total}", HEAD_FONT, bold=True) for spec in specs)
    head = min(TALL_HEAD_MAX, longest + 20)
    top = head + 4

    # The fullest column of each month, and of each year's claims dated only to the year.
    fullest: dict[tuple[int, int], int] = defaultdict(int)  # (year, month or 0) -> claims
    for spec in specs:
        for key, count in Counter(_slot(point) for point in spec.points).items():
            fullest[key] = max(fullest[key], count)
    pieces: list[tuple[int, int, bool]] = []
    lengths: list[float] = []
    lead: list[float] = []
    for a, b, broken in year_pieces([_span(p) for p in points]):
        if broken:
            pieces.append((a, b, True))
            lengths.append(BREAK)
            lead.append(0.0)
            continue
        year = _year_of(a)
        for month in range(1, 13):
            m_a, m_b = max(a, _month_start(year, month)), min(b, _month_start(year, month + 1))
            if m_a < m_b:
                share = (m_b - m_a) / (_month_start(year, month + 1) - _month_start(year, month))
                pieces.append((m_a, m_b, False))
                lengths.append(max(TALL_MIN_MONTH * share, fullest[(year, month)] * TALL_PITCH))
                lead.append(0.0 if m_a != _jan1(year) else fullest[(year, 0)] * TALL_PITCH)
    scale = _place(pieces, top, lengths, lead=lead)
    bottom = scale.hi
    chart = Chart(tall=True, width=width, scale=scale)
    chart.height = bottom + head + 4
    chart.plot = (left, top, right, bottom)

    for index, spec in enumerate(specs):
        x = left + (index + 0.5) * column
        heads = (
            Head(_r(x + 4), top - 14, _r(x), top - 6, "start", True),
            Head(_r(x + 4), bottom + 14, _r(x), bottom + 6, "end", True),
        )
        chart.lanes.append(
            spec.lane(_r(left + index * column), top, _r(column), bottom - top, heads)
        )
        slots: dict[tuple[int, int], list[Point]] = defaultdict(list)
        for point in spec.points:
            slots[_slot(point)].append(point)
        for (year, month), members in sorted(slots.items()):
            if month:
                band = (
                    scale(_month_start(year, month)),
                    scale.before(_month_start(year, month + 1)),
                )
            else:  # the room before January
                band = (scale.before(_jan1(year)), scale(_jan1(year)))
            members.sort(key=lambda p: (_ideal(scale, p) if month else 0, p.date, p.id))
            ideals = [_ideal(scale, p) if month else sum(band) / 2 for p in members]
            ys = _dodge(ideals, TALL_PITCH, band[0] + TALL_PITCH / 2, band[1] - TALL_PITCH / 2)
            for point, y in zip(members, ys, strict=True):
                chart.dots.append(_dot(point, x, y, radius, hit, index, spec))

    ticks = axis_ticks(
        scale, extent=lambda _: FONT + 2, month_from=TALL_MONTHS_FROM, heading=FONT / 2 + 3
    )
    for tick in ticks.labels:
        chart.labels.append(Label(left - 7, _r(tick.at + 4), tick.label, "end", tick.major))
    chart.marks = "".join(f"M{left - 5},{y}H{left}" for y in ticks.years)
    chart.minor_marks = "".join(f"M{left - 3},{y}H{left}" for y in ticks.months)
    chart.grid = "".join(f"M{left},{y}H{right}" for y in _spaced(ticks.years, 6))
    chart.minor_grid = "".join(
        f"M{left},{y}H{right}" for y in _spaced(ticks.months, 8, avoid=ticks.years)
    )
    gaps = [(piece.lo, piece.hi) for piece in scale.breaks]
    chart.axis = "".join(f"M{_r(left)},{_r(a)}V{_r(b)}" for a, b in _between(top, bottom, gaps))
    for piece in scale.breaks:
        mid = _r((piece.lo + piece.hi) / 2)
        chart.breaks.append(
            Break(
                _r(left),
                _r(piece.lo),
                _r(right - left),
                _r(piece.hi - piece.lo),
                _zigzag(mid, _r(left), _r(right), down=False),
                _slashes_tall(_r(left), mid),
                *piece.years,
            )
        )
    chart.lines = _lines(chart.dots, edges, chart.width, chart.height)
    _summary(chart, points)
    return chart


def _slot(point: Point) -> tuple[int, int]:
    """(year, month) of a point in the tall chart; month 0 if it is dated only to the year."""
    return point.date.year, 0 if point.precision == "year" else point.date.month


def _ideal(scale: Scale, point: Point) -> float:
    first, after = _span(point)
    return scale((first + after) / 2)


def _dodge(ideals: list[float], pitch: float, lo: float, hi: float) -> list[float]:
    """Positions as near `ideals` (sorted) as can be, `pitch` apart, within [lo, hi].

    Overlapping neighbours merge into a cluster centred on their ideals (a
    one-dimensional beeswarm); there is room when (n - 1) * pitch <= hi - lo.
    """
    clusters: list[list[float]] = []  # [start, size, sum of (ideal - k * pitch)]

    def settle(cluster: list[float]) -> None:
        cluster[0] = min(max(cluster[2] / cluster[1], lo), max(lo, hi - (cluster[1] - 1) * pitch))

    for ideal in ideals:
        clusters.append([ideal, 1, ideal])
        settle(clusters[-1])
        while len(clusters) > 1 and clusters[-2][0] + clusters[-2][1] * pitch > clusters[-1][0]:
            last = clusters.pop()
            merged = clusters[-1]
            merged[2] += last[2] - last[1] * merged[1] * pitch
            merged[1] += last[1]
            settle(merged)
    return [start + k * pitch for start, size, _ in clusters for k in range(int(size))]


# Contradictions


def _lines(dots: list[Dot], edges: list[Edge], width: float, height: float) -> list[Line]:
    """One curve per distinct edge whose two ends are drawn, bowed to one side.

    A claim in several lanes has several dots: the curve joins the pair in the
    nearest lanes (the first such lanes on a tie), so each link is drawn once.
    """
    at: dict[int, list[Dot]] = defaultdict(list)
    for dot in dots:
        at[dot.id].append(dot)
    seen: set[frozenset[int]] = set()
    lines = []
    for edge in edges:
        pair = frozenset((edge.a, edge.b))
        if edge.a not in at or edge.b not in at or len(pair) < 2 or pair in seen:
            continue
        seen.add(pair)
        a, b = min(
            ((a, b) for a in at[edge.a] for b in at[edge.b]),
            key=lambda ab: (abs(ab[0].lane - ab[1].lane), ab[0].lane, ab[1].lane),
        )
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
