"""Security headers that differ between the public site and the editors' admin."""

from __future__ import annotations

from csp.middleware import CSPMiddleware, PolicyParts
from django.http import HttpRequest
from django.http.response import HttpResponseBase

# What Django's admin needs beyond the public policy: its templates and widgets set
# inline style attributes (e.g. hidden rows, the calendar), so 'unsafe-inline' for
# styles only. Its scripts, and ours (reader.js, claimants.js), are files on this
# site, so scripts stay 'self' with no inline code.
ADMIN_UPDATE = {"style-src": ["'unsafe-inline'"]}
ADMIN_PREFIX = "/admin/"


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, with the admin's additions on admin pages."""

    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if not report_only and request.path_info.startswith(ADMIN_PREFIX):
            parts.update = {**ADMIN_UPDATE, **(parts.update or {})}
        return parts
