"""JSON shapes of claims, hops, disputes and topics. Translation only: rules live in services.

Sources are named by slug, claims, hops and documents by id. The claim shape is the same in
lists and details and is built from ``claims.selectors.claim_list``'s prefetches only.
"""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from claims import provenance
from claims.choices import DisputeKind
from claims.models import Attribution, Claim, Dispute, Topic
from sources.api.serializers import StrictFieldsMixin
from sources.models import Document, Source

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
DISPUTE_FIELDS = [
    "id",
    "disputed_by",
    "kind",
    "target",
    "statement",
    "quote",
    "quote_language",
    "quote_translation",
    "stated_at",
    "document",
    "resolution",
    "resolution_note",
]


class AttributionSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    """A hop: ``source`` (slug) says the claim (id) in ``document`` (id), citing ``cites`` (ids).

    Without ``relation`` the service picks one: an origin asserts, a citing hop paraphrases.
    """

    claim = serializers.PrimaryKeyRelatedField(queryset=Claim.objects.all())
    source = serializers.SlugRelatedField(slug_field="slug", queryset=Source.objects.all())
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


class HopSerializer(AttributionSerializer):
    """A hop as embedded in its claim."""

    class Meta(AttributionSerializer.Meta):
        fields = HOP_FIELDS


class DisputeSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    """A dispute: ``disputed_by`` (slug) contests the claim (id) or its hop ``target`` (id)."""

    claim = serializers.PrimaryKeyRelatedField(queryset=Claim.objects.all())
    disputed_by = serializers.SlugRelatedField(slug_field="slug", queryset=Source.objects.all())
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
    kind = serializers.ChoiceField(choices=DisputeKind.choices, default=DisputeKind.DENIAL)

    class Meta:
        model = Dispute
        fields = ["id", "claim", *DISPUTE_FIELDS[1:], "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]


class ClaimDisputeSerializer(DisputeSerializer):
    """A dispute as embedded in its claim."""

    class Meta(DisputeSerializer.Meta):
        fields = DISPUTE_FIELDS


class ChainSerializer(serializers.Serializer):
    """One path of hops, origin first."""

    hops = serializers.ListField(child=serializers.IntegerField(), help_text="Hop ids.")
    sources = serializers.ListField(child=serializers.CharField(), help_text="Source slugs.")
    label = serializers.CharField(help_text="e.g. “US officials → Reuters → Antiwar.com”.")


class ClaimSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    """A claim with its hops, chains, disputes and the facts derived from them."""

    topics = serializers.SlugRelatedField(
        many=True, slug_field="slug", queryset=Topic.objects.all(), required=False
    )
    reviewed_by = serializers.SlugRelatedField(
        slug_field="username",
        read_only=True,
        allow_null=True,
        help_text="Username of the editor who set the verdict; null until reviewed.",
    )
    origins = serializers.SerializerMethodField(help_text="Slugs of the origin hops' sources.")
    attributions = HopSerializer(many=True, read_only=True)
    chains = serializers.SerializerMethodField()
    disputes = ClaimDisputeSerializer(many=True, read_only=True)
    chain_lines = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        help_text=(
            "Hops to add, one chain a line, origin first, as in the admin: "
            "“US officials + Iraqi officials → Reuters → Antiwar.com” (source names or slugs)."
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
            "reviewed_by",
            "reviewed_at",
            "first_reported_at",
            "is_disputed",
            "dispute_count",
            "origins",
            "attributions",
            "chains",
            "disputes",
            "created_at",
            "updated_at",
            "chain_lines",
        ]
        read_only_fields = [
            "id",
            "reviewed_at",
            "first_reported_at",
            "is_disputed",
            "dispute_count",
            "created_at",
            "updated_at",
        ]

    @extend_schema_field(serializers.ListField(child=serializers.SlugField()))
    def get_origins(self, claim) -> list[str]:
        return [source.slug for source in provenance.origin_sources(claim.attributions.all())]

    @extend_schema_field(ChainSerializer(many=True))
    def get_chains(self, claim) -> list[dict]:
        return [
            {"hops": chain.hop_ids, "sources": chain.source_slugs, "label": chain.label}
            for chain in provenance.chains(claim.attributions.all())
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
