"""The claim list's facets as objects, built once here and drawn by one loop in _facets.html.

Modelled on Datasette's facets.py: a facet is its parameter, its label and its values,
and each value knows its count, whether it is chosen and the URL that toggles it. A
facet cut short says so (`truncated`) and links to its longer list (`more_url`).
"""

from __future__ import annotations

from dataclasses import dataclass

from claims.counts import Facets
from claims.filters import ClaimFilter, QueryState
from claims.models import Entity, Topic


@dataclass(frozen=True)
class FacetValue:
    """One tag or claimant of a facet and how many of the listed claims it has."""

    value: str  # the slug its filter takes
    label: str
    count: int
    selected: bool
    toggle_url: str


@dataclass(frozen=True)
class Facet:
    """One facet of the claim list, named by its filter's parameter."""

    name: str
    label: str
    values: list[FacetValue]
    truncated: bool  # more values have claims than are shown
    more_url: str | None  # where more are shown; None when none are hidden or all the room is used


@dataclass(frozen=True)
class FacetSpec:
    """Which facet counts what: `via` is the relation from the model to the claims."""

    name: str  # the ClaimFilter parameter
    model: type[Topic] | type[Entity]
    via: str = "claims"
    size: int | None = None  # values shown by default; None: all of them


CLAIM_FACETS = (
    FacetSpec("topic", Topic),
    FacetSpec("entity", Entity, size=25),
    FacetSpec("claimant", Entity, via="claims_asserted", size=25),
)
# "more…" shows this many: enough to browse, not the 2,000 entities of a large registry.
EXPANDED_SIZE = 200


def claim_facets(filterset: ClaimFilter, counts: Facets, state: QueryState) -> list[Facet]:
    """The facets of the claims `counts` counts, as `filterset` chose them."""
    expanded = filterset.options.facets_expanded
    facets = []
    for spec in CLAIM_FACETS:
        size = None if spec.size is None else EXPANDED_SIZE if expanded else spec.size
        # One row more than is shown says whether the facet is cut.
        rows = counts.rows(spec.model, via=spec.via, limit=None if size is None else size + 1)
        shown = rows[:size]
        chosen = filterset.selected(spec.name)
        truncated = len(rows) > len(shown)
        facets.append(
            Facet(
                name=spec.name,
                label=str(filterset.filters[spec.name].label),
                values=[
                    FacetValue(
                        value=row.slug,
                        label=row.name,
                        count=row.claim_count,
                        selected=row.slug in chosen,
                        toggle_url=state.toggle_url(spec.name, row.slug),
                    )
                    for row in shown
                ],
                truncated=truncated,
                more_url=state.more_facets_url if truncated and not expanded else None,
            )
        )
    return facets
