"""Size limits of every text the tracker stores or searches: the one place they are defined.

Text that is too big must be a 400 naming the field and the limit, found in validation on
both databases before PostgreSQL sees it. Left to the database, an oversized value fails
deep inside an index (``index row requires 9016 bytes, maximum size is 8191``, ``string is
too long for tsvector``) as an ``OperationalError`` that reads like an outage.

The figures below were measured on PostgreSQL 16 (docs/limits.md has the table and how):

- ``claims_claim_text_trgm_gist`` (GiST, ``gist_trgm_ops``) stores a claim text's trigrams,
  3 bytes each, in one index row of at most 8,191 bytes. A text has at most about one
  trigram per character, so random CJK text failed from 2,710 characters on; 2,000 leaves
  a quarter to spare whatever the script.
- The full-text index turns ``search_document`` (claim text, hop quotes, dispute words)
  into a tsvector of at most 1 MB. Its worst case measured was about 5.3 bytes per
  character (two-character words of 4-byte letters), so the document is capped at
  100,000 characters (about 530 KB of tsvector at worst).
- A B-tree entry (the unique index on ``Document.url``) may hold at most 2,704 bytes, so a
  URL is limited in UTF-8 bytes as well as characters.
"""

from __future__ import annotations

from django.core.validators import BaseValidator, MaxLengthValidator
from django.utils.deconstruct import deconstructible

# ---------------------------------------------------------------------------- claims.Claim
CLAIM_TEXT = 2_000
CLAIM_LOCATION = 300
CLAIM_VERDICT_EXPLANATION = 20_000

# ---------------------------------------------------------------------------- claims.Attribution
HOP_QUOTE = 10_000
HOP_QUOTE_TRANSLATION = 10_000
HOP_NOTE = 5_000

# ---------------------------------------------------------------------------- claims.Dispute
DISPUTE_STATEMENT = 5_000
DISPUTE_QUOTE = 10_000
DISPUTE_QUOTE_TRANSLATION = 10_000
DISPUTE_RESOLUTION_NOTE = 5_000

# ---------------------------------------------------------------------------- sources.Source
SOURCE_NAME = 200
SOURCE_DESCRIPTION = 5_000
SOURCE_URL = 500

# ---------------------------------------------------------------------------- sources.Document
DOCUMENT_TITLE = 500
DOCUMENT_AUTHOR = 300
DOCUMENT_URL = 1_000
#: UTF-8 bytes of a document URL: the unique B-tree index holds at most 2,704 bytes.
DOCUMENT_URL_BYTES = 2_000

# ---------------------------------------------------------------------------- derived and queries
#: Characters of a claim's stored ``search_document``; words past it are not searchable.
SEARCH_DOCUMENT = 100_000
#: Characters of any one query-string value (``?search=``, a filter, ``?ordering=``).
QUERY_VALUE = 500


def max_length(limit: int) -> MaxLengthValidator:
    """The validator a text field carries for ``limit`` characters.

    Django's ``MaxLengthValidator`` message ("Ensure this value has at most N characters
    (it has M).") names the limit; the field is named by the error's key.
    """
    return MaxLengthValidator(limit)


@deconstructible
class MaxUTF8BytesValidator(BaseValidator):
    """The value, encoded as UTF-8, is at most ``limit_value`` bytes (index entries count bytes)."""

    message = (
        "Ensure this value has at most %(limit_value)d bytes in UTF-8 (it has %(show_value)d)."
    )
    code = "max_bytes"

    def compare(self, a, b):
        return a > b

    def clean(self, x):
        return len(str(x).encode("utf-8"))


def bounded_search_document(text: str) -> str:
    """``text`` cut to ``SEARCH_DOCUMENT`` characters, so its tsvector stays under 1 MB."""
    return text[:SEARCH_DOCUMENT]
