from __future__ import annotations

from django.views.generic import DetailView

from claims.models import Claim, Source


class ClaimDetailView(DetailView):
    """A published or retracted claim; drafts and claims in review are 404."""

    queryset = Claim.objects.filter(
        status__in=[Claim.Status.PUBLISHED, Claim.Status.RETRACTED]
    ).with_evidence()
    template_name = "claims/claim_detail.html"


class SourceDetailView(DetailView):
    """A source's metadata and text."""

    queryset = Source.objects.all()
    template_name = "claims/source_detail.html"
