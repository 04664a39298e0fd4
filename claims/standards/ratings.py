"""Fact-checkers' ratings → the tracker's review verdicts, by words first, then a sane scale.

The rating-word table is a data file, ``data/rating_words.csv``, that editors extend without
code (a line per rating: language, words, verdict, note). It is a file rather than an
admin-editable model because a mapping changes what every later import concludes: a line
added there is reviewed in a pull request like code, its reason sits beside it (the note
column), and it reaches every deployment and test run at once, with no data migration.

A rating that is neither in the table nor on a sane numeric scale is ``unmapped``: kept as
written, never guessed, never rejected.
"""

from __future__ import annotations

import csv
import functools
import math
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from claims.choices import ReviewVerdict, VerdictBasis

DATA = Path(__file__).parent / "data"
RATING_WORDS_FILE = DATA / "rating_words.csv"
PLACEHOLDER_CLAIMANTS_FILE = DATA / "placeholder_claimants.txt"
# The verdicts the table may name: every review verdict except "unmapped", its absence.
TABLE_VERDICTS = set(ReviewVerdict.values) - {ReviewVerdict.UNMAPPED}

_PUNCTUATION = re.compile(r"[\W_]+", re.UNICODE)


def fold(text: str) -> str:
    """``'  Não é bem assim!'`` → ``'não é bem assim'``: case, width and punctuation folded.

    Accents are kept (they tell words apart in several languages); marks that belong to a
    letter in Devanagari or Bengali are letters to ``\\w`` only once NFC-composed, hence NFKC.
    """
    text = unicodedata.normalize("NFKC", str(text)).casefold()
    # \\W would split Indic words at their vowel signs (category Mc/Mn); keep those.
    kept = "".join(
        ch if (ch.isalnum() or unicodedata.category(ch) in {"Mn", "Mc"}) else " " for ch in text
    )
    return " ".join(kept.split())


class RatingTableError(ValueError):
    """The rating-word file has a line the tracker cannot use; the message names it."""


@functools.cache
def rating_table(path: str = str(RATING_WORDS_FILE)) -> dict[str, dict[str, str]]:
    """folded words → {language: verdict}, read once per process from the data file.

    Raises RatingTableError naming the line for an unknown verdict, so a typo in the file
    fails loudly at the first import instead of mapping silently to nothing.
    """
    table: dict[str, dict[str, str]] = {}
    with open(path, encoding="utf-8", newline="") as handle:
        for number, row in enumerate(csv.reader(handle), start=1):
            if not row or not row[0].strip() or row[0].lstrip().startswith("#"):
                continue
            if number == 1 or row[0] == "language":
                continue  # the header
            if len(row) < 3:
                raise RatingTableError(f"{path}:{number}: expected language,rating,verdict")
            language, words, verdict = (cell.strip() for cell in row[:3])
            if verdict not in TABLE_VERDICTS:
                raise RatingTableError(
                    f"{path}:{number}: verdict {verdict!r} is not one of "
                    f"{', '.join(sorted(TABLE_VERDICTS))}"
                )
            table.setdefault(fold(words), {})[primary_language(language)] = verdict
    return table


@functools.cache
def placeholder_names(path: str = str(PLACEHOLDER_CLAIMANTS_FILE)) -> frozenset[str]:
    """The folded claimant names that stand for nobody in particular."""
    with open(path, encoding="utf-8") as handle:
        lines = (line.strip() for line in handle)
        return frozenset(fold(line) for line in lines if line and not line.startswith("#"))


def is_placeholder_claimant(name: str) -> bool:
    """True for "Varias fuentes", "Facebook user", "Social media users" and the like."""
    return fold(name) in placeholder_names()


def primary_language(tag: str) -> str:
    """``'pt-BR'`` → ``'pt'``; blank stays blank."""
    return (tag or "").strip().lower().replace("_", "-").split("-")[0]


def verdict_from_words(words: str, language: str = "") -> str | None:
    """The table's verdict for rating words, or None when the table does not know them.

    Words listed under several languages with different verdicts are decided by the
    rating's language; without it, they are not guessed (None).
    """
    entry = rating_table().get(fold(words)) if words else None
    if not entry:
        return None
    lang = primary_language(language)
    if lang in entry:
        return entry[lang]
    verdicts = set(entry.values())
    return verdicts.pop() if len(verdicts) == 1 else None


def number(value) -> Decimal | None:
    """A finite number from JSON (number or numeric text), else None."""
    if value is None or isinstance(value, bool) or value == "":
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    try:
        result = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return result if result.is_finite() else None


def sane_scale(value, best, worst) -> bool:
    """A scale is used only when all three are finite numbers, best != worst, and the value
    lies between them (either way round: some publishers put 1 = true … 5 = false)."""
    if value is None or best is None or worst is None or best == worst:
        return False
    return min(best, worst) <= value <= max(best, worst)


def verdict_from_scale(value: Decimal, best: Decimal, worst: Decimal) -> str:
    """The position on a sane scale, 0 (worst) to 1 (best), cut in fifths around our points."""
    position = (value - worst) / (best - worst)
    for threshold, verdict in (
        (Decimal("0.875"), ReviewVerdict.TRUE),
        (Decimal("0.625"), ReviewVerdict.MOSTLY_TRUE),
        (Decimal("0.375"), ReviewVerdict.MIXED),
        (Decimal("0.125"), ReviewVerdict.MOSTLY_FALSE),
    ):
        if position >= threshold:
            return verdict
    return ReviewVerdict.FALSE


@dataclass(frozen=True)
class Mapped:
    """A rating's verdict and how it was reached (``verdict_basis``)."""

    verdict: str
    basis: str


def map_rating(*, words: str, language: str = "", value=None, best=None, worst=None) -> Mapped:
    """Map a published rating: the word table first, then a sane numeric scale, else
    ``unmapped`` (basis ``table``: the table was asked and had no answer)."""
    by_words = verdict_from_words(words, language)
    if by_words:
        return Mapped(by_words, VerdictBasis.TABLE)
    value, best, worst = number(value), number(best), number(worst)
    if sane_scale(value, best, worst):
        return Mapped(verdict_from_scale(value, best, worst), VerdictBasis.SCALE)
    return Mapped(ReviewVerdict.UNMAPPED, VerdictBasis.TABLE)
