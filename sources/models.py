"""Who speaks (Source) and where statements appear (Document)."""

from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from simple_history.models import HistoricalRecords

from factcheck import limits
from factcheck.moments import MomentField

from .choices import Affiliation, DocumentKind, Reliability, SourceKind


class Source(models.Model):
    """A party that states or relays claims: an outlet, an agency, an official, a channel."""

    name = models.CharField(max_length=limits.SOURCE_NAME)
    # allow_unicode: a source named in Arabic keeps its letters in its slug (services.unique_slug).
    slug = models.SlugField(
        max_length=220,
        unique=True,
        blank=True,
        allow_unicode=True,
        help_text="Made from the name when left empty; any script, stored lower-case.",
    )
    kind = models.CharField(max_length=20, choices=SourceKind.choices, default=SourceKind.OTHER)
    is_anonymous = models.BooleanField(
        default=False, help_text="Quoted without a name, e.g. 'US officials'."
    )
    affiliated_with = models.ForeignKey(
        "sources.Source",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="affiliates",
    )
    affiliation = models.CharField(
        max_length=20,
        choices=Affiliation.choices,
        blank=True,
        help_text="How this source relates to the one it is affiliated with.",
    )
    reliability = models.CharField(max_length=1, choices=Reliability.choices, default=Reliability.F)
    country = models.CharField(
        max_length=2, blank=True, help_text="ISO 3166-1 alpha-2 code, e.g. IQ."
    )
    url = models.URLField(max_length=limits.SOURCE_URL, blank=True)
    description = models.TextField(
        blank=True, validators=[limits.max_length(limits.SOURCE_DESCRIPTION)]
    )
    # Derived by sources.services: the id of the root of this source's affiliation tree.
    # Sources with the same family are one voice when counting independent origins.
    family = models.BigIntegerField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["family"])

    class Meta:
        ordering = ["name"]
        verbose_name = "source"
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="%(app_label)s_%(class)s_name_unique_ci",
                violation_error_message="A source with this name already exists.",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=SourceKind.values),
                name="%(app_label)s_%(class)s_kind_valid",
                violation_error_message="Unknown source kind.",
            ),
            models.CheckConstraint(
                condition=Q(reliability__in=Reliability.values),
                name="%(app_label)s_%(class)s_reliability_valid",
                violation_error_message="Reliability is a letter from A to F.",
            ),
            models.CheckConstraint(
                condition=(Q(affiliated_with__isnull=True) & Q(affiliation=""))
                | (Q(affiliated_with__isnull=False) & Q(affiliation__in=Affiliation.values)),
                name="%(app_label)s_%(class)s_affiliation_pair",
                violation_error_message=(
                    "Give both the source this one is affiliated with and how, or neither."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(affiliated_with=models.F("pk")),
                name="%(app_label)s_%(class)s_not_self_affiliated",
                violation_error_message="A source cannot be affiliated with itself.",
            ),
        ]
        indexes = [
            models.Index(fields=["kind", "is_anonymous"], name="sources_src_kind_anon_idx"),
            models.Index(fields=["reliability"], name="sources_src_reliability_idx"),
            models.Index(fields=["country"], name="sources_src_country_idx"),
            models.Index(fields=["family"], name="sources_src_family_idx"),
        ]

    def __str__(self) -> str:
        return self.name


class Document(models.Model):
    """One place where statements appear: an article, a post, a statement, a transcript."""

    kind = models.CharField(
        max_length=20, choices=DocumentKind.choices, default=DocumentKind.ARTICLE
    )
    title = models.CharField(max_length=limits.DOCUMENT_TITLE)
    url = models.URLField(
        max_length=limits.DOCUMENT_URL,
        blank=True,
        validators=[limits.MaxUTF8BytesValidator(limits.DOCUMENT_URL_BYTES)],
    )
    publisher = models.ForeignKey(
        "sources.Source",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="documents",
    )
    author = models.CharField(max_length=limits.DOCUMENT_AUTHOR, blank=True)
    # Moments (factcheck.moments): a day, or a time in UTC, kept as given.
    published_at = MomentField(null=True, blank=True)
    retrieved_at = MomentField(null=True, blank=True)
    archive_url = models.URLField(max_length=1000, blank=True)
    language = models.CharField(max_length=35, default="en", help_text="BCP 47 tag, e.g. en, ar.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = "document"
        constraints = [
            models.UniqueConstraint(
                fields=["url"],
                condition=~Q(url=""),
                name="%(app_label)s_%(class)s_url_unique",
                violation_error_message="A document with this URL already exists.",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=DocumentKind.values),
                name="%(app_label)s_%(class)s_kind_valid",
                violation_error_message="Unknown document kind.",
            ),
        ]
        indexes = [
            models.Index(fields=["-published_at", "-id"], name="sources_doc_published_idx"),
            models.Index(fields=["publisher", "-published_at"], name="sources_doc_publisher_idx"),
        ]

    def __str__(self) -> str:
        when = f" ({self.published_at.display()})" if self.published_at else ""
        return f"{self.title}{when}"
