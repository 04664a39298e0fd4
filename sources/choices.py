"""Choice lists for sources and documents; the values are the public API contract."""

from django.db import models


class SourceKind(models.TextChoices):
    NEWS_AGENCY = "news_agency", "news agency"
    NEWS_OUTLET = "news_outlet", "news outlet"
    GOVERNMENT = "government", "government"
    OFFICIAL = "official", "official"
    MILITARY = "military", "military"
    ARMED_GROUP = "armed_group", "armed group"
    SOCIAL_CHANNEL = "social_channel", "social channel"
    ORGANIZATION = "organization", "organization"
    # Who publishes reviews of claims (AFP Factual, Lupa): a review's author, usually.
    FACT_CHECKER = "fact_checker", "fact-checker"
    PERSON = "person", "person"
    OTHER = "other", "other"


class Affiliation(models.TextChoices):
    PART_OF = "part_of", "part of"
    AFFILIATED = "affiliated", "affiliated with"
    OPERATED_BY = "operated_by", "operated by"
    ALLEGED = "alleged", "allegedly affiliated with"


class Reliability(models.TextChoices):
    """Admiralty (NATO) source reliability grade."""

    A = "A", "A: completely reliable"
    B = "B", "B: usually reliable"
    C = "C", "C: fairly reliable"
    D = "D", "D: not usually reliable"
    E = "E", "E: unreliable"
    F = "F", "F: reliability cannot be judged"


class DocumentKind(models.TextChoices):
    ARTICLE = "article", "article"
    SOCIAL_POST = "social_post", "social media post"
    STATEMENT = "statement", "statement"
    PRESS_RELEASE = "press_release", "press release"
    VIDEO = "video", "video"
    TRANSCRIPT = "transcript", "transcript"
    OTHER = "other", "other"
