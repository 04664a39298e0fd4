"""Choice lists for claims, hops and disputes; the values are the public API contract."""

from django.db import models


class Verdict(models.TextChoices):
    UNRATED = "unrated", "unrated"
    TRUE = "true", "true"
    MOSTLY_TRUE = "mostly_true", "mostly true"
    MIXED = "mixed", "mixed"
    MOSTLY_FALSE = "mostly_false", "mostly false"
    FALSE = "false", "false"
    MISATTRIBUTED = "misattributed", "misattributed"
    UNVERIFIABLE = "unverifiable", "unverifiable"


class Credibility(models.IntegerChoices):
    """Admiralty (NATO) information credibility grade."""

    CONFIRMED = 1, "1: confirmed by other sources"
    PROBABLY_TRUE = 2, "2: probably true"
    POSSIBLY_TRUE = 3, "3: possibly true"
    DOUBTFUL = 4, "4: doubtful"
    IMPROBABLE = 5, "5: improbable"
    CANNOT_BE_JUDGED = 6, "6: truth cannot be judged"


class Relation(models.TextChoices):
    ASSERTS = "asserts", "asserts"
    QUOTES = "quotes", "quotes"
    PARAPHRASES = "paraphrases", "paraphrases"


class DisputeKind(models.TextChoices):
    DENIAL = "denial", "denial"
    AUTHORSHIP_DENIAL = "authorship_denial", "authorship denial"
    CONTRADICTION = "contradiction", "contradiction"
    RETRACTION = "retraction", "retraction"
    CORRECTION = "correction", "correction"
    FACT_CHECK = "fact_check", "fact check"


class Resolution(models.TextChoices):
    OPEN = "open", "open"
    UPHELD = "upheld", "upheld"
    REJECTED = "rejected", "rejected"


class ReviewVerdict(models.TextChoices):
    """A fact-checker's review mapped to the claim verdicts, or ``unmapped`` when the tracker
    does not know how to map the publisher's rating (it is then kept as written)."""

    TRUE = "true", "true"
    MOSTLY_TRUE = "mostly_true", "mostly true"
    MIXED = "mixed", "mixed"
    MOSTLY_FALSE = "mostly_false", "mostly false"
    FALSE = "false", "false"
    MISATTRIBUTED = "misattributed", "misattributed"
    UNVERIFIABLE = "unverifiable", "unverifiable"
    UNMAPPED = "unmapped", "unmapped"


class VerdictBasis(models.TextChoices):
    """How a review's verdict was reached."""

    TABLE = "table", "rating-word table"
    SCALE = "scale", "numeric scale"
    EDITOR = "editor", "set by an editor"
