"""Lay out claims on a time axis for a server-rendered SVG. Pure Python, no Django."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

MAX_POINTS = 500


@dataclass(frozen=True)
class Point:
    id: int
    date: dt.date
    precision: str
    label: str
    topic: str
    url: str


@dataclass(frozen=True)
class Edge:
    a: int
    b: int


@dataclass
class Layout:
    width: int = 960
    height: int = 120
    dots: list = field(default_factory=list)
    lines: list = field(default_factory=list)
    ticks: list = field(default_factory=list)
    legend: list = field(default_factory=list)


def layout(points: list[Point], edges: list[Edge], topics: list[tuple[str, str]]) -> Layout:
    """Placeholder: replaced by the full layout."""
    return Layout()
