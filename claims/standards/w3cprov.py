"""A claim's provenance as a W3C PROV document, built with the ``prov`` library from the
claim's stored document (DESIGN.md, "Reads come from one projection"): it reads no row.

Every identifier is a URL of our API, so a PROV tool can follow it back. The tracker's own
terms (``factcheck:Hop``, ``factcheck:statedAt`` …) are in the namespace
``<FACTCHECK_PUBLISHER_URL>/ns#``, or ``<the tracker's address>/ns#`` when that setting is
empty. Served as PROV-JSON, PROV-O Turtle (each qualified derivation also stated plainly)
and PROV-N. The mapping:

- each source (of a hop, of a document, a disputant, and the sources they are affiliated
  with) → ``prov:Agent`` with ``prov:type`` ``prov:Person`` (kinds person, official) or
  ``prov:Organization`` (every other kind) plus ``factcheck:<kind>``; an affiliation →
  ``actedOnBehalfOf`` (agent → the source it is affiliated with), carrying
  ``factcheck:affiliation``;
- the claim → an entity ``factcheck:Claim`` (label = text, verdict, credibility);
- each hop → an entity ``factcheck:Hop`` that is ``specializationOf`` the claim,
  ``wasAttributedTo`` its source, with its quote as ``prov:value``;
- each document → an entity of type ``prov:Collection`` + ``factcheck:Document``,
  ``wasAttributedTo`` its publisher, ``hadMember`` each hop (and dispute) that appears in it;
- dates (``factcheck:statedAt``, ``factcheck:publishedAt``) are typed ``xsd:date`` for a
  day and ``xsd:dateTime`` for a time (``factcheck.moments``);
- cites: a hop that ``quotes`` → ``wasQuotedFrom`` the cited hop, otherwise ``wasDerivedFrom``;
- every non-origin hop ``hadPrimarySource`` each origin hop it rests on (transitively);
- each dispute → an entity of type ``factcheck:Dispute`` + ``factcheck:<kind>`` with the
  quote (``prov:value``), statement, resolution and date, ``wasAttributedTo`` the disputant,
  and a qualified ``wasDerivedFrom`` (dispute → the contested hop, or the claim) whose
  ``prov:type`` is ``factcheck:<kind>`` (e.g. ``factcheck:authorship_denial``) and which
  carries the quote as ``factcheck:quote``;
- each review → an entity ``factcheck:Review`` (headline as label, ``factcheck:ratingText``
  in its language, ``factcheck:verdict``, ``factcheck:verdictBasis``, the published rating
  numbers, url, ``factcheck:publishedAt``), ``wasAttributedTo`` its author and
  ``wasDerivedFrom`` the claim.
"""

from __future__ import annotations

import prov.model as pm
import rdflib
from django.conf import settings
from django.urls import reverse

from claims.choices import DisputeKind
from factcheck.moments import parse_moment
from sources.choices import SourceKind

PERSON_KINDS = {str(SourceKind.PERSON), str(SourceKind.OFFICIAL)}


def _moment(value) -> pm.Literal:
    """A moment as a typed literal: ``xsd:date`` for a day, ``xsd:dateTime`` for a time."""
    moment = parse_moment(value)
    return pm.Literal(str(moment), datatype=pm.XSD[moment.xsd_type])


def _api(base_url: str, name: str) -> str:
    return base_url.rstrip("/") + reverse(name)


def publisher_namespace(base_url: str) -> str:
    """The ``factcheck:`` vocabulary's namespace: ``<FACTCHECK_PUBLISHER_URL>/ns#``, or the
    tracker's own address (``base_url``) when that setting is empty."""
    root = (settings.FACTCHECK_PUBLISHER_URL or "").strip() or base_url
    return root.split("#", 1)[0].rstrip("/") + "/ns#"


def claim_prov(claim: dict, *, base_url: str, namespace: str | None = None) -> pm.ProvDocument:
    """The PROV document of a claim, from its stored document (``claim``, the dict
    ``selectors.stored_document`` gives as JSON): hops, documents, sources, disputes and
    reviews. ``namespace`` is the ``factcheck:`` one (default: ``publisher_namespace``)."""
    doc = pm.ProvDocument()
    fc = doc.add_namespace("factcheck", namespace or publisher_namespace(base_url))
    src = doc.add_namespace("source", _api(base_url, "source-list"))
    dcm = doc.add_namespace("document", _api(base_url, "document-list"))
    hop_ns = doc.add_namespace("hop", _api(base_url, "attribution-list"))
    dsp = doc.add_namespace("dispute", _api(base_url, "dispute-list"))
    clm = doc.add_namespace("claim", _api(base_url, "claim-list"))
    named = claim["sources"]
    papers = claim["documents"]

    agents: dict[str, object] = {}

    def agent(slug: str, name: str | None = None):
        if slug in agents:
            return agents[slug]
        source = named.get(slug)
        if source is None:
            # A parent that a document stored before parents were named leaves out: its
            # name (from the child's ``affiliated_with_name``) is all the document has.
            agents[slug] = doc.agent(src[f"{slug}/"], [("prov:label", name or slug)])
            return agents[slug]
        kind_type = pm.PROV["Person"] if source["kind"] in PERSON_KINDS else pm.PROV["Organization"]
        attributes = [
            ("prov:type", kind_type),
            ("prov:type", fc[source["kind"]]),
            ("prov:label", source["name"]),
            ("factcheck:reliability", source["reliability"]),
            ("factcheck:anonymous", bool(source["is_anonymous"])),
        ]
        if source.get("url"):
            attributes.append(("factcheck:url", source["url"]))
        record = doc.agent(src[f"{slug}/"], attributes)
        agents[slug] = record
        parent = source.get("affiliated_with")
        if parent:
            doc.actedOnBehalfOf(
                record,
                agent(parent, source.get("affiliated_with_name")),
                other_attributes={"factcheck:affiliation": source["affiliation"]},
            )
        return record

    claim_entity = doc.entity(
        clm[f"{claim['id']}/"],
        [
            ("prov:type", fc["Claim"]),
            ("prov:label", claim["text"]),
            ("factcheck:verdict", claim["verdict"]),
            ("factcheck:credibility", int(claim["credibility"])),
        ],
    )

    collections: dict[str, object] = {}

    def document(document_id):
        key = str(document_id)
        if key in collections:
            return collections[key]
        paper = papers[key]
        attributes = [
            ("prov:type", pm.PROV["Collection"]),
            ("prov:type", fc["Document"]),
            ("prov:label", paper["title"]),
            ("factcheck:kind", paper["kind"]),
        ]
        if paper.get("url"):
            attributes.append(("factcheck:url", paper["url"]))
        if paper.get("published_at"):
            attributes.append(("factcheck:publishedAt", _moment(paper["published_at"])))
        record = doc.entity(dcm[f"{key}/"], attributes)
        collections[key] = record
        if paper.get("publisher"):
            doc.wasAttributedTo(record, agent(paper["publisher"]))
        return record

    hops = sorted(claim["attributions"], key=lambda hop: hop["id"])
    cites = {hop["id"]: hop["cites"] for hop in hops}
    entities: dict[int, object] = {}
    for hop in hops:
        attributes = [
            ("prov:type", fc["Hop"]),
            ("prov:label", f"{named[hop['source']]['name']} ({hop['relation']})"),
            ("factcheck:relation", hop["relation"]),
        ]
        if hop.get("quote"):
            attributes.append(("prov:value", hop["quote"]))
        if hop.get("quote_translation"):
            attributes.append(("factcheck:quoteTranslation", hop["quote_translation"]))
        if hop.get("stated_at"):
            attributes.append(("factcheck:statedAt", _moment(hop["stated_at"])))
        entity = doc.entity(hop_ns[f"{hop['id']}/"], attributes)
        entities[hop["id"]] = entity
        doc.specializationOf(entity, claim_entity)
        doc.wasAttributedTo(entity, agent(hop["source"]))
        if hop.get("document") is not None:
            doc.hadMember(document(hop["document"]), entity)

    for hop in hops:
        for cited in cites[hop["id"]]:
            if cited not in entities:
                continue
            if hop["relation"] == "quotes":
                doc.wasQuotedFrom(entities[hop["id"]], entities[cited])
            else:
                doc.wasDerivedFrom(entities[hop["id"]], entities[cited])
    for hop in hops:
        for origin in _origins_of(cites, hop["id"]):
            doc.hadPrimarySource(entities[hop["id"]], entities[origin])

    for dispute in sorted(claim["disputes"], key=lambda dispute: dispute["id"]):
        kind = dispute["kind"]
        disputant = named[dispute["disputed_by"]]["name"]
        attributes = [
            ("prov:type", fc["Dispute"]),
            ("prov:type", fc[kind]),
            ("prov:label", f"{_kind_label(kind)} by {disputant}"),
            ("factcheck:resolution", dispute["resolution"]),
        ]
        if dispute.get("quote"):
            attributes.append(("prov:value", dispute["quote"]))
        if dispute.get("statement"):
            attributes.append(("factcheck:statement", dispute["statement"]))
        if dispute.get("stated_at"):
            attributes.append(("factcheck:statedAt", _moment(dispute["stated_at"])))
        entity = doc.entity(dsp[f"{dispute['id']}/"], attributes)
        doc.wasAttributedTo(entity, agent(dispute["disputed_by"]))
        contested = entities.get(dispute.get("target"), claim_entity)
        qualified = {"prov:type": fc[kind]}
        if dispute.get("quote"):
            qualified["factcheck:quote"] = dispute["quote"]
        doc.wasDerivedFrom(entity, contested, other_attributes=qualified)
        if dispute.get("document") is not None:
            doc.hadMember(document(dispute["document"]), entity)

    reviews = claim.get("reviews") or []
    if reviews:
        rev = doc.add_namespace("review", _api(base_url, "review-list"))
    for review in reviews:
        author = named[review["author"]]["name"]
        attributes = [
            ("prov:type", fc["Review"]),
            ("prov:label", review.get("headline") or f"Review by {author}"),
            ("factcheck:verdict", review["verdict"]),
        ]
        if review.get("rating_text"):
            language = review.get("rating_language") or None
            rating = pm.Literal(review["rating_text"], langtag=language)
            attributes.append(("factcheck:ratingText", rating))
        if review.get("verdict_basis"):
            attributes.append(("factcheck:verdictBasis", review["verdict_basis"]))
        for field, name in RATING_FIELDS:
            if review.get(field) is not None:
                attributes.append((f"factcheck:{name}", review[field]))
        if review.get("url"):
            attributes.append(("factcheck:url", review["url"]))
        if review.get("published_at"):
            attributes.append(("factcheck:publishedAt", _moment(review["published_at"])))
        entity = doc.entity(rev[f"{review['id']}/"], attributes)
        doc.wasAttributedTo(entity, agent(review["author"]))
        doc.wasDerivedFrom(entity, claim_entity)
    return doc


RATING_FIELDS = (
    ("rating_value", "ratingValue"),
    ("best_rating", "bestRating"),
    ("worst_rating", "worstRating"),
)


def _kind_label(kind: str) -> str:
    try:
        return DisputeKind(kind).label
    except ValueError:  # a kind added after this document was stored
        return kind.replace("_", " ")


def _origins_of(cites: dict, hop_id: int) -> list[int]:
    """Origin hops that ``hop_id`` rests on through ``cites`` (hop id → ids it cites); none
    for an origin itself."""
    if not cites.get(hop_id):
        return []
    found: set[int] = set()
    stack = list(cites[hop_id])
    seen: set[int] = set()
    while stack:
        current = stack.pop()
        if current in seen or current not in cites:
            continue
        seen.add(current)
        if cites[current]:
            stack.extend(cites[current])
        else:
            found.add(current)
    return sorted(found)


def prov_json(document: pm.ProvDocument) -> str:
    """PROV-JSON text of ``document``."""
    return document.serialize(format="json", indent=2)


# PROV-O's qualified derivations and the plain property each one stands for.
QUALIFIED = {
    "qualifiedDerivation": "wasDerivedFrom",
    "qualifiedQuotation": "wasQuotedFrom",
    "qualifiedPrimarySource": "hadPrimarySource",
    "qualifiedRevision": "wasRevisionOf",
}


def prov_turtle(document: pm.ProvDocument) -> str:
    """PROV-O in Turtle (needs rdflib), every qualified derivation also stated plainly.

    The ``prov`` library writes a derivation that carries a type (a quotation, a primary
    source, a dispute's kind) only as a ``prov:qualified*`` node; PROV-O asks for the plain
    triple beside it, and it is the one a query reaches for (``?hop prov:hadPrimarySource
    ?origin``), so it is added here.
    """
    graph = rdflib.Graph()
    graph.parse(data=document.serialize(format="rdf", rdf_format="turtle"), format="turtle")
    prov_ns = rdflib.Namespace(pm.PROV.uri)
    for qualified, plain in QUALIFIED.items():
        for subject, node in graph.subject_objects(prov_ns[qualified]):
            for influencer in graph.objects(node, prov_ns.entity):
                graph.add((subject, prov_ns[plain], influencer))
    return graph.serialize(format="turtle")


def prov_n(document: pm.ProvDocument) -> str:
    """PROV-N, the W3C's human-readable notation."""
    return document.serialize(format="provn")
