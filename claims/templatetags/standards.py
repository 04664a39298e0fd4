"""Template tags for the open standards: the ClaimReview JSON-LD of a claim's report page."""

from django import template

from claims.standards.claimreview import claim_review, is_reviewed, json_ld_script

register = template.Library()


@register.simple_tag(takes_context=True)
def claim_review_jsonld(context, claim):
    """``<script type="application/ld+json">`` with the ClaimReview of a claim's stored
    document; empty when the claim is unrated (no verdict, no review). Same builder as the
    API's, safely escaped."""
    if not is_reviewed(claim):
        return ""
    request = context.get("request")
    base_url = request.build_absolute_uri("/").rstrip("/") if request else ""
    return json_ld_script(claim_review(claim, base_url=base_url))
