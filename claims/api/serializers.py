"""JSON shapes of claims, hops, disputes and topics. Translation only: rules live in services.

Sources are named by slug, claims, hops and documents by id. The claim shape is the same in
lists and details and is built from ``claims.selectors.claim_list``'s prefetches only.
"""

from rest_framework import serializers

from claims import services
from claims.choices import DisputeKind, Relation, Resolution
from claims.models import Attribution, Claim, Dispute, Topic
from sources.api.serializers import ListedChoiceField, SourceReferenceField, StrictFieldsMixin
from sources.models import Document

HOP_FIELDS = [
    "id",
    "source",
    "document",
    "cites",
    "relation",
    "quote",
    "quote_language",
    "quote_translation",
    "stated_at",
    "note",
    "is_origin",
]
DISPUTE_FIELDS = ["id", *services.DISPUTE_FIELDS]


class AttributionSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    """A hop: ``source`` (slug or name) says the claim (id) in ``document`` (id), citing
    ``cites`` (ids).

    Without ``relation`` the service picks one: an origin asserts, a citing hop paraphrases.
    """

    claim = serializers.PrimaryKeyRelatedField(queryset=Claim.objects.all())
    source = SourceReferenceField()
    document = serializers.PrimaryKeyRelatedField(
        queryset=Document.objects.all(), required=False, allow_null=True
    )
    cites = serializers.PrimaryKeyRelatedField(
        many=True,
        queryset=Attribution.objects.all(),
        required=False,
        help_text="Ids of the hops (of the same claim) this hop relies on; none: an origin.",
    )

    class Meta:
        model = Attribution
        fields = ["id", "claim", *HOP_FIELDS[1:], "created_at", "updated_at"]
        read_only_fields = ["id", "is_origin", "created_at", "updated_at"]


class DisputeSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    """A dispute: ``disputed_by`` (slug or name; a new one as ``Name [kind]``) contests the
    claim (id) or its hop ``target`` (id)."""

    claim = serializers.PrimaryKeyRelatedField(queryset=Claim.objects.all())
    disputed_by = SourceReferenceField(allow_new=True)
    target = serializers.PrimaryKeyRelatedField(
        queryset=Attribution.objects.all(),
        required=False,
        allow_null=True,
        help_text="Id of the hop contested; null when the dispute is against the whole claim.",
    )
    document = serializers.PrimaryKeyRelatedField(
        queryset=Document.objects.all(), required=False, allow_null=True
    )
    # The model's default, stated here because the service asks for the kind explicitly.
    kind = ListedChoiceField(choices=DisputeKind.choices, default=DisputeKind.DENIAL)

    class Meta:
        model = Dispute
        fields = ["id", "claim", *DISPUTE_FIELDS[1:], "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]


class SimilarClaimSerializer(serializers.Serializer):
    """A likely duplicate of a claim: trigram similarity of the texts, 0 to 1."""

    id = serializers.IntegerField()
    text = serializers.CharField()
    score = serializers.FloatField()


class ClaimHopSerializer(serializers.Serializer):
    """A hop as embedded in its claim's document, with the claim-wide facts about it."""

    id = serializers.IntegerField()
    source = serializers.SlugField(help_text="Slug of the source.")
    document = serializers.IntegerField(allow_null=True)
    cites = serializers.ListField(child=serializers.IntegerField())
    relation = serializers.ChoiceField(choices=Relation.choices)
    quote = serializers.CharField(allow_blank=True)
    quote_language = serializers.CharField(allow_blank=True)
    quote_translation = serializers.CharField(allow_blank=True)
    stated_at = serializers.CharField(allow_null=True, help_text="A date, or a UTC date-time.")
    note = serializers.CharField(allow_blank=True)
    is_origin = serializers.BooleanField()
    authorship_contested = serializers.BooleanField(
        help_text="An open or upheld authorship denial targets this hop: the source says it "
        "never made this statement (a different thing from denying the claim is true)."
    )
    circular = serializers.BooleanField(
        help_text="A chain comes back here to a source family it already passed through "
        "(citogenesis)."
    )


class ClaimDisputeSerializer(serializers.Serializer):
    """A dispute as embedded in its claim's document."""

    id = serializers.IntegerField()
    disputed_by = serializers.SlugField()
    kind = serializers.ChoiceField(choices=DisputeKind.choices)
    target = serializers.IntegerField(allow_null=True)
    statement = serializers.CharField(allow_blank=True)
    quote = serializers.CharField(allow_blank=True)
    quote_language = serializers.CharField(allow_blank=True)
    quote_translation = serializers.CharField(allow_blank=True)
    stated_at = serializers.CharField(allow_null=True)
    document = serializers.IntegerField(allow_null=True)
    resolution = serializers.ChoiceField(choices=Resolution.choices)
    resolution_note = serializers.CharField(allow_blank=True)


class ClaimReviewSummarySerializer(serializers.Serializer):
    """A fact-checker's review as listed in its claim's document (the full record: reviews/)."""

    id = serializers.IntegerField()
    author = serializers.SlugField(help_text="Slug of the fact-checker (see ``sources``).")
    url = serializers.CharField(allow_blank=True)
    published_at = serializers.CharField(allow_null=True)
    headline = serializers.CharField(allow_blank=True)
    body = serializers.CharField(allow_blank=True, help_text="The explanation (reviewBody).")
    language = serializers.CharField(allow_blank=True)
    rating_text = serializers.CharField(allow_blank=True, help_text="In the publisher's words.")
    rating_language = serializers.CharField(allow_blank=True)
    rating_value = serializers.FloatField(allow_null=True)
    best_rating = serializers.FloatField(allow_null=True)
    worst_rating = serializers.FloatField(allow_null=True)
    rating_explanation = serializers.CharField(allow_blank=True)
    verdict = serializers.CharField()
    verdict_basis = serializers.CharField()
    claim_reviewed = serializers.CharField(
        allow_blank=True, help_text="The claim in the review's own words."
    )
    claimant = serializers.SlugField(allow_null=True)
    claimant_placeholder = serializers.CharField(allow_blank=True)
    claimant_same_as = serializers.ListField(
        child=serializers.CharField(), help_text="itemReviewed.author.sameAs URLs."
    )
    claim_date = serializers.CharField(allow_null=True, help_text="When the claim was made.")
    appearances = serializers.ListField(
        child=serializers.JSONField(),
        help_text='URLs, or objects {"url", "publisher", "headline", "datePublished"}.',
    )
    imported_from = serializers.CharField(allow_blank=True)
    imported_at = serializers.DateTimeField(allow_null=True)


class ChainSerializer(serializers.Serializer):
    """One path of hops, origin first."""

    hops = serializers.ListField(child=serializers.IntegerField(), help_text="Hop ids.")
    sources = serializers.ListField(child=serializers.CharField(), help_text="Source slugs.")
    label = serializers.CharField(help_text="e.g. “US officials → Reuters → Antiwar.com”.")
    weakest_reliability = serializers.CharField(
        help_text="The worst Admiralty reliability (A best … E, then F worst) among its sources."
    )
    weakest_hop = serializers.IntegerField(help_text="Id of the hop whose source has it.")
    truncated = serializers.BooleanField(
        help_text="true on the last chain drawn when a claim has more chains than are drawn."
    )


class NamedSourceSerializer(serializers.Serializer):
    """What the claim's document says of a source it names (keyed by slug in ``sources``)."""

    name = serializers.CharField()
    kind = serializers.CharField()
    is_anonymous = serializers.BooleanField()
    reliability = serializers.CharField()
    url = serializers.CharField(allow_blank=True)
    family = serializers.IntegerField()
    affiliation = serializers.CharField(allow_blank=True)
    affiliated_with = serializers.CharField(allow_null=True)
    affiliated_with_name = serializers.CharField(allow_null=True)


class NamedDocumentSerializer(serializers.Serializer):
    """What the claim's document says of a document (keyed by id in ``documents``)."""

    title = serializers.CharField()
    url = serializers.CharField(allow_blank=True)
    kind = serializers.CharField()
    publisher = serializers.CharField(allow_null=True)
    publisher_name = serializers.CharField(allow_null=True)
    author = serializers.CharField(allow_blank=True)
    published_at = serializers.CharField(allow_null=True)
    language = serializers.CharField()


class ClaimSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    """A claim: what a client writes (text, dates, verdict, topics, chain lines), and, read
    only, the rest of the claim's stored document (claims.projection) for the schema.

    Answers are the stored document itself; this serializer validates input only.
    """

    topics = serializers.SlugRelatedField(
        many=True, slug_field="slug", queryset=Topic.objects.all(), required=False
    )
    reviewed_by = serializers.CharField(
        read_only=True,
        allow_null=True,
        help_text="Username of the editor who set the verdict; null until reviewed.",
    )
    suggested_credibility = serializers.IntegerField(
        read_only=True,
        min_value=1,
        max_value=6,
        help_text="Admiralty credibility 1-6 suggested by the tracker's rule; "
        "``credibility`` stays the editor's.",
    )
    suggested_credibility_reason = serializers.CharField(
        read_only=True, help_text="Why the rule suggests that grade."
    )
    first_reported_at = serializers.CharField(
        read_only=True, allow_null=True, help_text="The earliest moment a hop was stated."
    )
    origins = serializers.ListField(
        child=serializers.SlugField(), read_only=True, help_text="Slugs of the origins' sources."
    )
    independent_origin_count = serializers.IntegerField(
        read_only=True,
        help_text="Distinct source families among the origins (affiliated sources count once).",
    )
    relay_count = serializers.IntegerField(
        read_only=True, help_text="Distinct sources of the hops that cite another hop."
    )
    single_origin_echo = serializers.BooleanField(
        read_only=True, help_text="Relayed by 3 or more sources yet resting on one origin."
    )
    echo_origin = serializers.SlugField(
        read_only=True,
        allow_null=True,
        help_text="Slug of the one origin an echo rests on; null when not an echo.",
    )
    circular_reporting = serializers.BooleanField(
        read_only=True, help_text="A chain passes through the same source family twice."
    )
    authorship_contested = serializers.BooleanField(
        read_only=True, help_text="An open or upheld authorship denial targets one of its hops."
    )
    refreshing = serializers.BooleanField(
        read_only=True,
        help_text=(
            "true while a change that reached many claims (a source renamed, say) is being "
            "applied to this one by a background job: the rest of this document predates "
            "that change. false otherwise. Filter with ?refreshing=true."
        ),
    )
    attributions = ClaimHopSerializer(many=True, read_only=True)
    chains = ChainSerializer(many=True, read_only=True)
    disputes = ClaimDisputeSerializer(many=True, read_only=True)
    reviews = ClaimReviewSummarySerializer(
        many=True,
        read_only=True,
        help_text="Other fact-checkers' reviews of the claim; ``verdict`` stays the editors'.",
    )
    sources = serializers.DictField(
        child=NamedSourceSerializer(),
        read_only=True,
        help_text="Every source the claim names, by slug: name, kind, reliability, family.",
    )
    documents = serializers.DictField(
        child=NamedDocumentSerializer(),
        read_only=True,
        help_text="Every document its hops and disputes appeared in, by id.",
    )
    as_of = serializers.CharField(
        read_only=True,
        allow_null=True,
        help_text="The day the claim is shown as known on (?as_of=); null for today.",
    )
    chain_lines = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        help_text=(
            "Hops to add, one chain a line, origin first, as in the admin: "
            "“US officials + Iraqi officials → Reuters → Antiwar.com” (source names or slugs). "
            "A new source is named with its kind in brackets and created in the same request: "
            "“Yahya Saree [official, part of Houthis (Ansar Allah) [armed_group]] → "
            "Al Jazeera [news_outlet]”; inside the brackets also “anonymous”, "
            "“affiliated with X”, “part of X”. All or nothing."
        ),
    )

    class Meta:
        model = Claim
        fields = [
            "id",
            "text",
            "occurred_at",
            "location",
            "topics",
            "verdict",
            "verdict_explanation",
            "credibility",
            "suggested_credibility",
            "suggested_credibility_reason",
            "reviewed_by",
            "reviewed_at",
            "first_reported_at",
            "is_disputed",
            "dispute_count",
            "origins",
            "independent_origin_count",
            "relay_count",
            "single_origin_echo",
            "echo_origin",
            "circular_reporting",
            "authorship_contested",
            "refreshing",
            "attributions",
            "chains",
            "disputes",
            "reviews",
            "sources",
            "documents",
            "as_of",
            "created_at",
            "updated_at",
            "chain_lines",
        ]
        read_only_fields = [
            "id",
            "reviewed_at",
            "is_disputed",
            "dispute_count",
            "created_at",
            "updated_at",
        ]


class TopicSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    """A topic; ``slug`` is made from the name when not given."""

    class Meta:
        model = Topic
        fields = ["id", "name", "slug"]
        read_only_fields = ["id"]
        # Uniqueness is checked once, by the service.
        extra_kwargs = {
            "slug": {"validators": [], "required": False},
            "name": {"validators": []},
        }
