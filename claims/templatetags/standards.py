"""Template tags for the open standards: the ClaimReview JSON-LD of a claim's report page."""

from django import template
from django.utils.safestring import mark_safe

from claims.standards.claimreview import claim_reviews, json_ld_script

register = template.Library()


@register.simple_tag(takes_context=True)
def claim_review_jsonld(context, claim):
    """One ``<script type="application/ld+json">`` per ClaimReview of a claim's stored
    document: the editors' verdict under the tracker's name (none while unrated), then each
    fact-checker's review under its own author. Same builders as the API's, safely escaped."""
    request = context.get("request")
    base_url = request.build_absolute_uri("/").rstrip("/") if request else ""
    scripts = [json_ld_script(data) for data in claim_reviews(claim, base_url=base_url)]
    return mark_safe("\n".join(scripts))  # noqa: S308 - each script is escaped by json_ld_script
