"""The projection: the one place that turns a claim's graph into what readers see.

``graph`` reads claims with their hops, cites, disputes, topics, sources and documents in
bulk; ``document`` builds a claim's document (the API's JSON), its CSV line and the figures
filters need; ``store`` writes them onto the claim in the same transaction as the change
(DESIGN.md, "Reads come from one projection, computed on write"). Every surface reads the
stored result; only ``as_of`` builds documents afresh, with these same functions.
"""

from .document import CSV_HEADER, build, csv_header_line, csv_line, figures, project
from .graph import load, load_one
from .store import (
    FIGURES,
    at_end,
    claims_naming,
    defer,
    dumps,
    refresh,
    refresh_all,
    refresh_for_documents,
    refresh_for_sources,
    refresh_marked,
    refresh_reaching,
    stale,
)

__all__ = [
    "CSV_HEADER",
    "FIGURES",
    "build",
    "claims_naming",
    "csv_header_line",
    "at_end",
    "defer",
    "csv_line",
    "dumps",
    "figures",
    "load",
    "load_one",
    "project",
    "refresh",
    "refresh_all",
    "refresh_for_documents",
    "refresh_for_sources",
    "refresh_marked",
    "refresh_reaching",
    "stale",
]
