"""JSON shapes of claims, hops, disputes and topics. Translation only: rules live in services.

Sources are named by slug, claims, hops and documents by id. The claim shape is the same in
lists and details and is built from ``claims.selectors.claim_list``'s prefetches only.
"""

from functools import cached_property

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from claims import intelligence, services
from claims.choices import DisputeKind
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


class HopSerializer(AttributionSerializer):
    """A hop as embedded in its claim, with the claim-wide facts about it.

    The claim's ``ClaimFacts`` arrive in ``context["facts"]`` (see ``ClaimSerializer``).
    """

    authorship_contested = serializers.SerializerMethodField(
        help_text="An open or upheld authorship denial targets this hop: the source says it "
        "never made this statement (a different thing from denying the claim is true)."
    )
    circular = serializers.SerializerMethodField(
        help_text="A chain comes back here to a source family it already passed through "
        "(citogenesis)."
    )

    class Meta(AttributionSerializer.Meta):
        fields = [*HOP_FIELDS, "authorship_contested", "circular"]

    def get_authorship_contested(self, hop) -> bool:
        facts = self.context.get("facts")
        return bool(facts and facts.hop_authorship_contested(hop))

    def get_circular(self, hop) -> bool:
        facts = self.context.get("facts")
        return bool(facts and facts.hop_circular(hop))


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


class ClaimDisputeSerializer(DisputeSerializer):
    """A dispute as embedded in its claim."""

    class Meta(DisputeSerializer.Meta):
        fields = DISPUTE_FIELDS


class ChainSerializer(serializers.Serializer):
    """One path of hops, origin first."""

    hops = serializers.ListField(child=serializers.IntegerField(), help_text="Hop ids.")
    sources = serializers.ListField(child=serializers.CharField(), help_text="Source slugs.")
    label = serializers.CharField(help_text="e.g. “US officials → Reuters → Antiwar.com”.")
    weakest_reliability = serializers.CharField(
        help_text="The worst Admiralty reliability (A best … E, then F worst) among its sources."
    )
    weakest_hop = serializers.IntegerField(help_text="Id of the hop whose source has it.")


class SimilarClaimSerializer(serializers.Serializer):
    """A likely duplicate of a claim: trigram similarity of the texts, 0 to 1."""

    id = serializers.IntegerField()
    text = serializers.CharField()
    score = serializers.FloatField()


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
    independent_origin_count = serializers.SerializerMethodField(
        help_text="Distinct source families among the origins (affiliated sources count once)."
    )
    relay_count = serializers.SerializerMethodField(
        help_text="Distinct sources of the hops that cite another hop."
    )
    single_origin_echo = serializers.SerializerMethodField(
        help_text="Relayed by 3 or more sources yet resting on one independent origin."
    )
    echo_origin = serializers.SerializerMethodField(
        help_text="Slug of the one origin an echo rests on; null when not an echo."
    )
    circular_reporting = serializers.SerializerMethodField(
        help_text="A chain passes through the same source family twice (see hops' circular)."
    )
    authorship_contested = serializers.SerializerMethodField(
        help_text="An open or upheld authorship denial targets one of its hops."
    )
    suggested_credibility = serializers.SerializerMethodField(
        help_text="Admiralty credibility 1-6 suggested by the tracker's rule (README); "
        "``credibility`` stays the editor's."
    )
    suggested_credibility_reason = serializers.SerializerMethodField(
        help_text="Why the rule suggests that grade."
    )
    attributions = serializers.SerializerMethodField()
    chains = serializers.SerializerMethodField()
    disputes = serializers.SerializerMethodField()
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

    def facts(self, claim) -> intelligence.ClaimFacts:
        """The claim's figures, as of ``context["as_of"]`` when the request asked for a day
        (the verdict then from ``context["verdicts"]``, fetched once for the whole page)."""
        return intelligence.claim_facts(
            claim,
            day=self.context.get("as_of"),
            history=self.context.get("verdicts", {}).get(claim.pk),
        )

    def to_representation(self, instance):
        # As of a day, verdict, credibility and the derived columns read as they stood then.
        return super().to_representation(self.facts(instance).claim)

    @extend_schema_field(serializers.ListField(child=serializers.SlugField()))
    def get_origins(self, claim) -> list[str]:
        return [source.slug for source in self.facts(claim).origins]

    def get_independent_origin_count(self, claim) -> int:
        return self.facts(claim).independent_origin_count

    def get_relay_count(self, claim) -> int:
        return self.facts(claim).relay_count

    def get_single_origin_echo(self, claim) -> bool:
        return self.facts(claim).single_origin_echo

    @extend_schema_field(serializers.SlugField(allow_null=True))
    def get_echo_origin(self, claim) -> str | None:
        origin = self.facts(claim).echo_origin
        return origin.slug if origin else None

    def get_circular_reporting(self, claim) -> bool:
        return self.facts(claim).circular_reporting

    def get_authorship_contested(self, claim) -> bool:
        return self.facts(claim).authorship_contested

    @extend_schema_field(serializers.IntegerField(min_value=1, max_value=6))
    def get_suggested_credibility(self, claim) -> int:
        return self.facts(claim).suggested_credibility

    def get_suggested_credibility_reason(self, claim) -> str:
        return self.facts(claim).suggested_credibility_reason

    # One nested serializer per claim serializer, not per claim: building a ModelSerializer's
    # fields costs about a millisecond, twice a claim, a hundred times a page (bench/RESULTS.md).
    @cached_property
    def _hop_serializer(self) -> HopSerializer:
        return HopSerializer()

    @cached_property
    def _dispute_serializer(self) -> ClaimDisputeSerializer:
        return ClaimDisputeSerializer()

    @extend_schema_field(HopSerializer(many=True))
    def get_attributions(self, claim) -> list[dict]:
        facts = self.facts(claim)
        child = self._hop_serializer
        child._context = {**self.context, "facts": facts}  # what HopSerializer(context=…) sets
        return [child.to_representation(hop) for hop in facts.hops]

    @extend_schema_field(ChainSerializer(many=True))
    def get_chains(self, claim) -> list[dict]:
        return [
            {
                "hops": item.chain.hop_ids,
                "sources": item.chain.source_slugs,
                "label": item.chain.label,
                "weakest_reliability": item.weakest_reliability,
                "weakest_hop": item.weakest_hop.pk,
            }
            for item in self.facts(claim).chains
        ]

    @extend_schema_field(ClaimDisputeSerializer(many=True))
    def get_disputes(self, claim) -> list[dict]:
        child = self._dispute_serializer
        child._context = self.context
        return [child.to_representation(dispute) for dispute in self.facts(claim).disputes]


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
