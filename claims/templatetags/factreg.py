from __future__ import annotations

import functools
from urllib.parse import urlencode

from django import template
from django.urls import get_script_prefix, reverse
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from claims import references
from claims.models import Attribution
from claims.snippets import MARK_END, MARK_START

register = template.Library()


@register.filter
def marked(snippet: str) -> SafeString:
    """Escape a search snippet, then show its matches as <mark>."""
    html = escape(snippet).replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")
    return mark_safe(html)  # escaped above


# What every public page shows for metadata a source does not give: one wording,
# the same in lists and on detail pages.
NOT_STATED = "Not stated"


@register.filter
def or_not_stated(value: object) -> object:
    """The value, or a muted "Not stated" when it is blank."""
    return value if value else format_html('<span class="muted">{}</span>', NOT_STATED)


@register.filter
def thousands(value: int) -> str:
    """A whole number with thousands separated: 11,077."""
    return f"{value:,}"


@register.simple_tag
def reference_formats() -> list:
    """The source export's formats (references.REFERENCE_FORMATS), for download links."""
    return list(references.REFERENCE_FORMATS.values())


@register.filter
def add_pair(first, second) -> tuple:
    """Two things as a pair, for templates that show them side by side."""
    return (first, second)


@register.filter
def claimant_links(attributions) -> SafeString:
    """Claimants as links to their claims, with any role but "stated": `<a>X</a> (forecast)
    and <a>Y</a>`. Built here, not in a template loop: a list shows one on most rows."""
    path = _claim_list_path(get_script_prefix())
    links = [
        format_html(
            '<a href="{}?{}">{}</a>{}',
            path,
            urlencode({"claimant": a.entity.slug}),
            a.entity.name,
            "" if a.role == Attribution.Role.STATED else f" ({a.get_role_display()})",
        )
        for a in attributions
    ]
    if len(links) > 1:
        links = [*links[:-2], format_html("{} and {}", links[-2], links[-1])]
    return mark_safe(", ".join(links))  # each part is escaped by format_html


@functools.cache
def _claim_list_path(prefix: str) -> str:
    # Once per script prefix: a claim row may name several claimants, and each
    # reverse() cost about 0.1 ms of a list page's time.
    return reverse("claims:claim-list")
