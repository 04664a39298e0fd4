"""A claim's provenance as a W3C PROV document, built with the ``prov`` library.

The mapping (every identifier is a URL of our API, so a PROV tool can follow it back):

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
  carries the quote as ``factcheck:quote``.
"""

from __future__ import annotations

import prov.model as pm
from django.urls import reverse

from claims import provenance
from factcheck.moments import parse_moment
from sources.choices import SourceKind

FACTCHECK_NS = "https://factcheck.example/ns#"
PERSON_KINDS = {SourceKind.PERSON, SourceKind.OFFICIAL}


def _moment(value) -> pm.Literal:
    """A moment as a typed literal: ``xsd:date`` for a day, ``xsd:dateTime`` for a time."""
    moment = parse_moment(value)
    return pm.Literal(str(moment), datatype=pm.XSD[moment.xsd_type])


def _api(base_url: str, name: str) -> str:
    return base_url.rstrip("/") + reverse(name)


def claim_prov(claim, *, base_url: str) -> pm.ProvDocument:
    """The PROV document of ``claim``: its hops, documents, sources and disputes.

    Reads prefetched hops and disputes when the claim comes from ``selectors.claim_list()``.
    """
    doc = pm.ProvDocument()
    fc = doc.add_namespace("factcheck", FACTCHECK_NS)
    src = doc.add_namespace("source", _api(base_url, "source-list"))
    dcm = doc.add_namespace("document", _api(base_url, "document-list"))
    hop_ns = doc.add_namespace("hop", _api(base_url, "attribution-list"))
    dsp = doc.add_namespace("dispute", _api(base_url, "dispute-list"))
    clm = doc.add_namespace("claim", _api(base_url, "claim-list"))

    hops = sorted(claim.attributions.all(), key=lambda hop: hop.pk)
    disputes = sorted(claim.disputes.all(), key=lambda dispute: dispute.pk)

    agents: dict[int, object] = {}

    def agent(source):
        if source.pk in agents:
            return agents[source.pk]
        kind_type = pm.PROV["Person"] if source.kind in PERSON_KINDS else pm.PROV["Organization"]
        attributes = [
            ("prov:type", kind_type),
            ("prov:type", fc[source.kind]),
            ("prov:label", source.name),
            ("factcheck:reliability", source.reliability),
            ("factcheck:anonymous", source.is_anonymous),
        ]
        if source.url:
            attributes.append(("factcheck:url", source.url))
        record = doc.agent(src[f"{source.slug}/"], attributes)
        agents[source.pk] = record
        parent = source.affiliated_with
        if parent is not None:
            doc.actedOnBehalfOf(
                record,
                agent(parent),
                other_attributes={"factcheck:affiliation": source.affiliation},
            )
        return record

    claim_entity = doc.entity(
        clm[f"{claim.pk}/"],
        [
            ("prov:type", fc["Claim"]),
            ("prov:label", claim.text),
            ("factcheck:verdict", claim.verdict),
            ("factcheck:credibility", int(claim.credibility)),
        ],
    )

    documents: dict[int, object] = {}

    def document(document_row):
        if document_row.pk in documents:
            return documents[document_row.pk]
        attributes = [
            ("prov:type", pm.PROV["Collection"]),
            ("prov:type", fc["Document"]),
            ("prov:label", document_row.title),
            ("factcheck:kind", document_row.kind),
        ]
        if document_row.url:
            attributes.append(("factcheck:url", document_row.url))
        if document_row.published_at:
            attributes.append(("factcheck:publishedAt", _moment(document_row.published_at)))
        record = doc.entity(dcm[f"{document_row.pk}/"], attributes)
        documents[document_row.pk] = record
        if document_row.publisher_id:
            doc.wasAttributedTo(record, agent(document_row.publisher))
        return record

    entities: dict[int, object] = {}
    for hop in hops:
        attributes = [
            ("prov:type", fc["Hop"]),
            ("prov:label", f"{hop.source.name} ({hop.relation})"),
            ("factcheck:relation", hop.relation),
        ]
        if hop.quote:
            attributes.append(("prov:value", hop.quote))
        if hop.quote_translation:
            attributes.append(("factcheck:quoteTranslation", hop.quote_translation))
        if hop.stated_at:
            attributes.append(("factcheck:statedAt", _moment(hop.stated_at)))
        entity = doc.entity(hop_ns[f"{hop.pk}/"], attributes)
        entities[hop.pk] = entity
        doc.specializationOf(entity, claim_entity)
        doc.wasAttributedTo(entity, agent(hop.source))
        if hop.document_id:
            doc.hadMember(document(hop.document), entity)

    graph = provenance.build_graph(hops)
    for hop in hops:
        for cited in graph.cites[hop.pk]:
            if hop.relation == "quotes":
                doc.wasQuotedFrom(entities[hop.pk], entities[cited])
            else:
                doc.wasDerivedFrom(entities[hop.pk], entities[cited])
    for hop in hops:
        for origin in _origins_of(graph, hop.pk):
            doc.hadPrimarySource(entities[hop.pk], entities[origin])

    for dispute in disputes:
        attributes = [
            ("prov:type", fc["Dispute"]),
            ("prov:type", fc[dispute.kind]),
            ("prov:label", f"{dispute.get_kind_display()} by {dispute.disputed_by.name}"),
            ("factcheck:resolution", dispute.resolution),
        ]
        if dispute.quote:
            attributes.append(("prov:value", dispute.quote))
        if dispute.statement:
            attributes.append(("factcheck:statement", dispute.statement))
        if dispute.stated_at:
            attributes.append(("factcheck:statedAt", _moment(dispute.stated_at)))
        entity = doc.entity(dsp[f"{dispute.pk}/"], attributes)
        doc.wasAttributedTo(entity, agent(dispute.disputed_by))
        contested = entities.get(dispute.target_id, claim_entity)
        qualified = {"prov:type": fc[dispute.kind]}
        if dispute.quote:
            qualified["factcheck:quote"] = dispute.quote
        doc.wasDerivedFrom(entity, contested, other_attributes=qualified)
        if dispute.document_id:
            doc.hadMember(document(dispute.document), entity)
    return doc


def _origins_of(graph, hop_id: int) -> list[int]:
    """Origin hops that ``hop_id`` rests on through its cites; none for an origin itself."""
    if not graph.cites[hop_id]:
        return []
    found: set[int] = set()
    stack = list(graph.cites[hop_id])
    seen: set[int] = set()
    while stack:
        current = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        if graph.cites[current]:
            stack.extend(graph.cites[current])
        else:
            found.add(current)
    return sorted(found)


def prov_json(document: pm.ProvDocument) -> str:
    """PROV-JSON text of ``document``."""
    return document.serialize(format="json", indent=2)


def prov_turtle(document: pm.ProvDocument) -> str:
    """PROV-O in Turtle (needs rdflib)."""
    return document.serialize(format="rdf", rdf_format="turtle")
