"""What is said (Claim), how it travelled (Attribution hops) and who contests it (Dispute).

Derived columns (``first_reported_at``, ``is_disputed``, ``dispute_count``, ``is_origin``,
``search_document``, the stored ``document`` and ``csv_row``) are written only by the
services, through ``claims.projection``, in the same transaction as the change that affects
them; never edit them by hand.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from factcheck import (
    bitmasks,  # noqa: F401 (registers ``has_bits``, used on origin_kind_mask)
    limits,
)
from factcheck.idsets import IdSetField
from factcheck.jsontext import JSONTextField
from factcheck.moments import MomentField

from .choices import (
    Credibility,
    DisputeKind,
    Relation,
    Resolution,
    ReviewVerdict,
    Verdict,
    VerdictBasis,
)


class Topic(models.Model):
    """A subject heading editors file claims under, e.g. 'Attacks on US forces'."""

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=140, unique=True, blank=True, allow_unicode=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = "topic"

    def __str__(self) -> str:
        return self.name


class Claim(models.Model):
    """One checkable statement, phrased neutrally, with the editors' verdict on it."""

    text = models.TextField(validators=[limits.max_length(limits.CLAIM_TEXT)])
    occurred_at = models.DateField(null=True, blank=True, help_text="Date of the event.")
    location = models.CharField(max_length=limits.CLAIM_LOCATION, blank=True)
    topics = models.ManyToManyField("claims.Topic", blank=True, related_name="claims")

    verdict = models.CharField(max_length=20, choices=Verdict.choices, default=Verdict.UNRATED)
    verdict_explanation = models.TextField(
        blank=True, validators=[limits.max_length(limits.CLAIM_VERDICT_EXPLANATION)]
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reviewed_claims",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    credibility = models.PositiveSmallIntegerField(
        choices=Credibility.choices, default=Credibility.CANNOT_BE_JUDGED
    )

    # Derived by claims.services; stored because filters and orderings need them.
    # A moment (factcheck.moments): the earliest hop's day or time, as that hop gives it.
    first_reported_at = MomentField(null=True, blank=True, editable=False)
    is_disputed = models.BooleanField(default=False, editable=False)
    dispute_count = models.PositiveIntegerField(default=0, editable=False)
    search_document = models.TextField(blank=True, default="", editable=False)
    # Distinct source families among the origins: five outlets relaying one wire that
    # cites one official is one independent origin.
    independent_origin_count = models.PositiveIntegerField(default=0, editable=False)
    # Distinct sources among the hops that cite others.
    relay_count = models.PositiveIntegerField(default=0, editable=False)
    # Relayed by 3+ reporting sources but resting on a single independent origin.
    single_origin_echo = models.BooleanField(default=False, editable=False)
    # Some chain passes through the same source family twice (citogenesis).
    circular_reporting = models.BooleanField(default=False, editable=False)
    # An open or upheld authorship denial contests one of its hops.
    authorship_contested = models.BooleanField(default=False, editable=False)
    # The kinds of the origin hops' sources (provenance.KIND_BITS) and whether one of them
    # is anonymous: what origin_kind / origin_anonymous filter on, without joining hops.
    origin_kind_mask = models.PositiveIntegerField(default=0, editable=False)
    origin_anonymous = models.BooleanField(default=False, editable=False)
    # Every source a hop names and every source above it (its affiliations up to the
    # family's root): what source_family filters on, without walking the family per claim.
    source_lineage = IdSetField()
    # The claim as readers see it, computed when it changes (claims.projection): its
    # document (the API's JSON, kept as the text written: factcheck.jsontext) and its CSV
    # line. Every surface reads these; none rebuilds them from the graph.
    document = JSONTextField(default=dict, editable=False)
    csv_row = models.TextField(blank=True, default="", editable=False)
    # A disputed claim's entry in the disputed report, drawn from its document by
    # claims.reports.render when the claim is projected; empty for undisputed claims (the
    # report lists only disputed ones; the claim page and the admin draw their one entry).
    report_html = models.TextField(blank=True, default="", editable=False)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(
        m2m_fields=[topics],
        # Derived columns change with hops and disputes, which keep their own history.
        excluded_fields=[
            "search_document",
            "independent_origin_count",
            "relay_count",
            "single_origin_echo",
            "circular_reporting",
            "authorship_contested",
            "origin_kind_mask",
            "origin_anonymous",
            "source_lineage",
            "document",
            "csv_row",
            "report_html",
        ],
    )

    class Meta:
        # Newest first; claims with no dated hop yet come last on every database.
        ordering = [models.F("first_reported_at").desc(nulls_last=True), "-id"]
        verbose_name = "claim"
        constraints = [
            models.CheckConstraint(
                condition=Q(verdict__in=Verdict.values),
                name="%(app_label)s_%(class)s_verdict_valid",
                violation_error_message="Unknown verdict.",
            ),
            models.CheckConstraint(
                condition=Q(credibility__gte=1, credibility__lte=6),
                name="%(app_label)s_%(class)s_credibility_range",
                violation_error_message="Credibility is a number from 1 to 6.",
            ),
            models.CheckConstraint(
                condition=Q(is_disputed=False) | Q(dispute_count__gt=0),
                name="%(app_label)s_%(class)s_disputed_has_disputes",
                violation_error_message="A disputed claim has at least one dispute.",
            ),
        ]
        indexes = [
            # The indexes for the default ordering (first_reported_at DESC NULLS LAST, id DESC),
            # alone and after is_disputed, are made per database in migration 0002: SQLite
            # cannot write NULLS LAST in an index, PostgreSQL needs it to walk the index.
            models.Index(fields=["occurred_at", "id"], name="claims_claim_occurred_idx"),
            models.Index(fields=["dispute_count", "id"], name="claims_claim_dcount_idx"),
            models.Index(fields=["updated_at", "id"], name="claims_claim_updated_idx"),
            models.Index(fields=["verdict"], name="claims_claim_verdict_idx"),
            models.Index(fields=["credibility"], name="claims_claim_cred_idx"),
            models.Index(fields=["independent_origin_count", "id"], name="claims_claim_indep_idx"),
            models.Index(
                fields=["id"],
                condition=Q(single_origin_echo=True),
                name="claims_claim_echo_idx",
            ),
            models.Index(
                fields=["id"],
                condition=Q(authorship_contested=True),
                name="claims_claim_authorship_idx",
            ),
        ]

    def __str__(self) -> str:
        text = " ".join(self.text.split())
        return text if len(text) <= 90 else text[:89] + "…"


class PendingRefresh(models.Model):
    """A claim that a change reaching many claims (a source renamed) is still being applied to.

    Written with the change, in its transaction, for every claim it reaches past
    ``FACTCHECK_INLINE_REFRESH_LIMIT``; deleted by the claim's next fresh projection (the
    background job's, or its own edit's). While it exists, every surface serves the claim's
    stored document with ``"refreshing": true`` (``claims.selectors``). A row of its own,
    not a column of the claim: marking 22,452 claims' rows cost 5.7 s (every index of the
    claims table rewritten), inserting these rows a fraction of that.
    """

    claim = models.OneToOneField(
        "claims.Claim",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="pending_refresh",
    )
    marked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["claim"]
        verbose_name = "claim being refreshed"
        verbose_name_plural = "claims being refreshed"

    def __str__(self) -> str:
        return f"claim #{self.claim_id}, being refreshed since {self.marked_at:%Y-%m-%d %H:%M}"


class Attribution(models.Model):
    """One hop of provenance: this source, in this document, says the claim, citing those hops."""

    claim = models.ForeignKey("claims.Claim", on_delete=models.CASCADE, related_name="attributions")
    source = models.ForeignKey(
        "sources.Source", on_delete=models.PROTECT, related_name="attributions"
    )
    document = models.ForeignKey(
        "sources.Document",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="attributions",
    )
    cites = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="cited_by",
        help_text="The hops this one relies on (same claim). None makes this hop an origin.",
    )
    relation = models.CharField(max_length=20, choices=Relation.choices, default=Relation.ASSERTS)
    quote = models.TextField(blank=True, validators=[limits.max_length(limits.HOP_QUOTE)])
    quote_language = models.CharField(
        max_length=35, blank=True, help_text="BCP 47; blank when the same as the document's."
    )
    quote_translation = models.TextField(
        blank=True, validators=[limits.max_length(limits.HOP_QUOTE_TRANSLATION)]
    )
    stated_at = MomentField(
        null=True,
        blank=True,
        help_text="Date (2024-04-22) or date and time with offset (2024-04-22T18:00Z); "
        "defaults to the document's.",
    )
    note = models.TextField(blank=True, validators=[limits.max_length(limits.HOP_NOTE)])

    # Derived by claims.services: true when this hop cites no other hop.
    is_origin = models.BooleanField(default=True, editable=False)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(m2m_fields=[cites])

    class Meta:
        ordering = ["claim_id", "id"]
        verbose_name = "hop"
        verbose_name_plural = "hops"
        constraints = [
            models.CheckConstraint(
                condition=Q(relation__in=Relation.values),
                name="%(app_label)s_%(class)s_relation_valid",
                violation_error_message="Unknown relation.",
            ),
            models.CheckConstraint(
                condition=Q(is_origin=False) | Q(relation=Relation.ASSERTS),
                name="%(app_label)s_%(class)s_origin_asserts",
                violation_error_message="An origin (a hop citing nothing) asserts.",
            ),
            models.CheckConstraint(
                condition=Q(is_origin=True) | ~Q(relation=Relation.ASSERTS),
                name="%(app_label)s_%(class)s_citing_relays",
                violation_error_message="A hop that cites others quotes or paraphrases them.",
            ),
        ]
        indexes = [
            models.Index(fields=["claim", "is_origin"], name="claims_hop_claim_origin_idx"),
            models.Index(fields=["source", "is_origin", "claim"], name="claims_hop_src_origin_idx"),
            models.Index(fields=["stated_at"], name="claims_hop_stated_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.source} on claim #{self.claim_id} (hop #{self.pk})"


class Dispute(models.Model):
    """A party contests a claim, or one hop of it: a denial, retraction, correction, fact check."""

    claim = models.ForeignKey("claims.Claim", on_delete=models.CASCADE, related_name="disputes")
    disputed_by = models.ForeignKey(
        "sources.Source", on_delete=models.PROTECT, related_name="disputes_raised"
    )
    target = models.ForeignKey(
        "claims.Attribution",
        # RESTRICT, not PROTECT: deleting the hop alone is refused, but deleting the whole
        # claim (which cascades to both the hop and this dispute) goes through.
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="disputes",
        help_text="The hop contested; empty when the dispute is against the claim as a whole.",
    )
    kind = models.CharField(max_length=20, choices=DisputeKind.choices, default=DisputeKind.DENIAL)
    statement = models.TextField(
        blank=True,
        help_text="What the disputant said, in summary.",
        validators=[limits.max_length(limits.DISPUTE_STATEMENT)],
    )
    quote = models.TextField(blank=True, validators=[limits.max_length(limits.DISPUTE_QUOTE)])
    quote_language = models.CharField(max_length=35, blank=True)
    quote_translation = models.TextField(
        blank=True, validators=[limits.max_length(limits.DISPUTE_QUOTE_TRANSLATION)]
    )
    stated_at = MomentField(null=True, blank=True)
    document = models.ForeignKey(
        "sources.Document",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="disputes",
    )
    resolution = models.CharField(
        max_length=10, choices=Resolution.choices, default=Resolution.OPEN
    )
    resolution_note = models.TextField(
        blank=True, validators=[limits.max_length(limits.DISPUTE_RESOLUTION_NOTE)]
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["claim_id", "stated_at", "id"]
        verbose_name = "dispute"
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=DisputeKind.values),
                name="%(app_label)s_%(class)s_kind_valid",
                violation_error_message="Unknown dispute kind.",
            ),
            models.CheckConstraint(
                condition=Q(resolution__in=Resolution.values),
                name="%(app_label)s_%(class)s_resolution_valid",
                violation_error_message="Unknown resolution.",
            ),
        ]
        indexes = [
            models.Index(fields=["claim", "resolution"], name="claims_disp_claim_res_idx"),
            models.Index(fields=["disputed_by", "kind", "claim"], name="claims_disp_by_kind_idx"),
            models.Index(fields=["kind", "claim"], name="claims_disp_kind_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} by {self.disputed_by} of claim #{self.claim_id}"


class Review(models.Model):
    """One fact-checker's published review of a claim (AFP, Lupa, the editors…); many per claim.

    The claim's own ``verdict`` is the editors' alone: a review never changes it.
    """

    claim = models.ForeignKey("claims.Claim", on_delete=models.CASCADE, related_name="reviews")
    author = models.ForeignKey(
        "sources.Source",
        on_delete=models.PROTECT,
        related_name="reviews_written",
        help_text="The fact-checker who published the review.",
    )
    url = models.URLField(
        max_length=1000, blank=True, help_text="The review's own page; unique when set."
    )
    # A date-time for now; the "date or date-time with precision" field replaces it later.
    published_at = MomentField(
        null=True, blank=True, help_text="A date, or a date and time with offset (see Times)."
    )
    headline = models.CharField(max_length=500, blank=True)
    body = models.TextField(blank=True, help_text="The review's explanation (reviewBody).")
    language = models.CharField(max_length=35, blank=True, help_text="BCP 47 tag, e.g. pt-BR.")

    # The rating as published, in the publisher's own words and scale.
    rating_text = models.TextField(
        blank=True, help_text="The rating in the publisher's words, e.g. “não é bem assim”."
    )
    rating_language = models.CharField(max_length=35, blank=True)
    rating_value = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)
    best_rating = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)
    worst_rating = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)
    # reviewRating.ratingExplanation, kept apart from the body so an export gives it back.
    rating_explanation = models.TextField(blank=True)

    verdict = models.CharField(
        max_length=20, choices=ReviewVerdict.choices, default=ReviewVerdict.UNMAPPED
    )
    verdict_basis = models.CharField(
        max_length=10, choices=VerdictBasis.choices, default=VerdictBasis.EDITOR
    )

    # The claim as the review states it.
    claim_reviewed = models.TextField(blank=True)
    claimant = models.ForeignKey(
        "sources.Source",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reviews_of_claims_made",
        help_text="Who made the claim (itemReviewed.author), when the review names them.",
    )
    # The words a review used instead of naming a claimant ("Varias fuentes", "Facebook
    # user"); non-blank means ``claimant`` is this claim's own unnamed placeholder source.
    claimant_placeholder = models.CharField(max_length=200, blank=True)
    claimant_same_as = models.JSONField(
        default=list, blank=True, help_text="itemReviewed.author.sameAs URLs."
    )
    claim_date = models.DateField(null=True, blank=True)
    appearances = models.JSONField(
        default=list,
        blank=True,
        help_text="Where the claim appeared: a list of URLs (with publisher when known).",
    )

    # Where the record came from: blank/null when an editor entered it.
    imported_from = models.CharField(max_length=500, blank=True)
    imported_at = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["claim_id", "published_at", "id"]
        verbose_name = "review"
        constraints = [
            models.UniqueConstraint(
                fields=["url"],
                condition=~Q(url=""),
                name="%(app_label)s_%(class)s_url_unique",
                violation_error_message="Another review has this URL.",
            ),
            models.CheckConstraint(
                condition=Q(verdict__in=ReviewVerdict.values),
                name="%(app_label)s_%(class)s_verdict_valid",
                violation_error_message="Unknown review verdict.",
            ),
            models.CheckConstraint(
                condition=Q(verdict_basis__in=VerdictBasis.values),
                name="%(app_label)s_%(class)s_basis_valid",
                violation_error_message="Unknown verdict basis.",
            ),
            models.CheckConstraint(
                condition=Q(imported_from="") | Q(imported_at__isnull=False),
                name="%(app_label)s_%(class)s_imported_has_time",
                violation_error_message="An imported review records when it was imported.",
            ),
        ]
        indexes = [
            models.Index(fields=["claim", "published_at", "id"], name="claims_review_claim_idx"),
            models.Index(fields=["author", "verdict", "claim"], name="claims_review_author_idx"),
            models.Index(fields=["verdict", "claim"], name="claims_review_verdict_idx"),
            models.Index(fields=["verdict_basis"], name="claims_review_basis_idx"),
            models.Index(fields=["language"], name="claims_review_lang_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.author} on claim #{self.claim_id}: {self.rating_text or self.verdict}"
