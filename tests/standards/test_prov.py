"""PROV out: PROV-JSON parsed back by prov's own reader, relations counted on the seed."""

import prov.model as pm
import pytest
import rdflib

pytestmark = pytest.mark.django_db


def records(document, cls):
    return list(document.get_records(cls))


def derivations(document, prov_type=None):
    found = []
    for record in records(document, pm.ProvDerivation):
        types = {str(t) for t in record.get_asserted_types()}
        if prov_type is None and not types or prov_type in types:
            found.append(record)
    return found


def test_prov_json_of_telegram_claim_round_trips_with_exact_relations(seed, researcher_api):
    claim = seed.telegram_claim
    response = researcher_api.get(f"/api/v1/claims/{claim.pk}/prov/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    document = pm.ProvDocument.deserialize(content=response.content.decode(), format="json")

    agents = {str(a.identifier): a for a in records(document, pm.ProvAgent)}
    # hop sources (Telegram, Reuters, Antiwar.com), the disputant Kataib Hezbollah and its
    # parent PMF (via the affiliation chain): five agents.
    assert sorted(a.get_attribute("prov:label").pop() for a in agents.values()) == [
        "Antiwar.com",
        "Kataib Hezbollah",
        "Popular Mobilization Forces",
        "Reuters",
        "Telegram channel affiliated with Kataib Hezbollah",
    ]
    telegram = next(
        a
        for a in agents.values()
        if a.get_attribute("prov:label") == {"Telegram channel affiliated with Kataib Hezbollah"}
    )
    assert {str(t) for t in telegram.get_asserted_types()} == {
        "prov:Organization",
        "factcheck:social_channel",
    }
    # entities: the claim, 3 hops, 2 documents (Reuters report, the article), 1 dispute.
    assert len(records(document, pm.ProvEntity)) == 7
    # attributions: 3 hops + 2 documents' publishers + the dispute.
    assert len(records(document, pm.ProvAttribution)) == 6
    assert len(records(document, pm.ProvSpecialization)) == 3
    # memberships: Reuters hop in the Reuters report, Antiwar hop and the dispute in the article.
    assert len(records(document, pm.ProvMembership)) == 3
    # delegations: Telegram → Kataib Hezbollah → PMF.
    assert len(records(document, pm.ProvDelegation)) == 2
    # cites: Reuters → Telegram, Antiwar → Reuters; both paraphrase, so plain derivations.
    assert len(derivations(document)) == 2
    assert derivations(document, "prov:Quotation") == []
    # primary sources: Reuters and Antiwar.com both rest on the Telegram origin.
    assert len(derivations(document, "prov:PrimarySource")) == 2
    denial = derivations(document, "factcheck:authorship_denial")
    assert len(denial) == 1
    assert denial[0].get_attribute("factcheck:quote") == {"fabricated news"}
    assert str(denial[0].args[1]).startswith("hop:")  # contests the Telegram hop itself
    assert len(records(document, pm.ProvDerivation)) == 5

    again = pm.ProvDocument.deserialize(content=document.serialize(format="json"), format="json")
    assert again == document


def test_prov_quotes_become_quotations(seed, researcher_api):
    from claims import services

    claim = seed.drone_claim
    antiwar = claim.attributions.get(source__slug="antiwarcom")
    services.attribution_update(antiwar, relation="quotes")
    response = researcher_api.get(f"/api/v1/claims/{claim.pk}/prov/")
    document = pm.ProvDocument.deserialize(content=response.content.decode(), format="json")
    assert len(derivations(document, "prov:Quotation")) == 1
    # Reuters cites the two officials; Antiwar.com quotes Reuters.
    assert len(derivations(document)) == 2
    # Reuters and Antiwar.com each rest on both officials.
    assert len(derivations(document, "prov:PrimarySource")) == 4


def test_prov_turtle_parses_as_rdf(seed, researcher_api):
    claim = seed.telegram_claim
    response = researcher_api.get(f"/api/v1/claims/{claim.pk}/prov/?format=ttl")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/turtle")
    graph = rdflib.Graph().parse(data=response.content.decode(), format="turtle")
    prov_ns = rdflib.Namespace("http://www.w3.org/ns/prov#")
    assert len(list(graph.subjects(rdflib.RDF.type, prov_ns.Agent))) == 5
    assert len(list(graph.triples((None, prov_ns.wasAttributedTo, None)))) == 6
    accept = researcher_api.get(f"/api/v1/claims/{claim.pk}/prov/", HTTP_ACCEPT="text/turtle")
    assert accept["Content-Type"].startswith("text/turtle")


def test_prov_errors_are_json(seed, researcher_api, anon_api):
    response = researcher_api.get("/api/v1/claims/999999/prov/?format=ttl")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["detail"]
    claim = seed.telegram_claim
    assert anon_api.get(f"/api/v1/claims/{claim.pk}/prov/").status_code == 401


# ---------------------------------------------------------------------------- read as RDF

PROV = rdflib.Namespace("http://www.w3.org/ns/prov#")


def turtle_of(api, claim_pk) -> rdflib.Graph:
    """The claim's PROV as served in Turtle by the API, parsed."""
    response = api.get(f"/api/v1/claims/{claim_pk}/prov/?format=ttl")
    assert response.status_code == 200, response.content
    return rdflib.Graph().parse(data=response.content.decode(), format="turtle")


def hop_uri(hop) -> rdflib.URIRef:
    return rdflib.URIRef(f"http://testserver/api/v1/attributions/{hop.pk}/")


def hop_pairs(graph: rdflib.Graph, predicate: str) -> set:
    """(hop, hop) pairs of ``prov:<predicate>`` between hops, by a SPARQL query."""
    rows = graph.query(
        f"SELECT ?hop ?other WHERE {{ ?hop prov:{predicate} ?other . "
        "?hop a factcheck:Hop . ?other a factcheck:Hop }",
        initNs={"prov": PROV, "factcheck": rdflib.Namespace("http://testserver/ns#")},
    )
    return {(str(a), str(b)) for a, b in rows}


def primary_sources(graph: rdflib.Graph) -> set:
    rows = graph.query(
        "SELECT ?hop ?origin WHERE { ?hop prov:hadPrimarySource ?origin }",
        initNs={"prov": PROV},
    )
    return {(str(hop), str(origin)) for hop, origin in rows}


def origins_walked(claim) -> set:
    """Each non-origin hop → each origin it rests on, walked over the rows' cites here."""
    hops = list(claim.attributions.prefetch_related("cites"))
    cites = {hop.pk: [c.pk for c in hop.cites.all()] for hop in hops}
    pairs = set()
    for hop in hops:
        stack, seen = list(cites[hop.pk]), set()
        while stack:
            current = stack.pop()
            if current in seen:
                continue
            seen.add(current)
            if cites[current]:
                stack.extend(cites[current])
            else:
                pairs.add((f"http://testserver/api/v1/attributions/{hop.pk}/", current))
    return {(a, f"http://testserver/api/v1/attributions/{b}/") for a, b in pairs}


def test_sparql_primary_sources_of_the_drone_claim_are_both_officials(seed, researcher_api):
    claim = seed.drone_claim
    hop = {h.source.slug: h for h in claim.attributions.select_related("source")}
    expected = {
        (str(hop_uri(hop[relay])), str(hop_uri(hop[origin])))
        for relay in ("reuters", "antiwarcom")
        for origin in ("us-officials", "iraqi-officials")
    }
    assert primary_sources(turtle_of(researcher_api, claim.pk)) == expected


def test_sparql_primary_sources_of_every_seed_claim_match_the_cites(seed, researcher_api):
    from claims.models import Claim

    claims = list(Claim.objects.order_by("pk"))
    assert len(claims) == 9
    relayed = 0
    for claim in claims:
        expected = origins_walked(claim)
        relayed += bool(expected)
        assert primary_sources(turtle_of(researcher_api, claim.pk)) == expected, claim.text
    assert relayed == 6  # three seed claims are Antiwar.com's own, with no relay


def test_sparql_primary_sources_of_multi_origin_graphs(db, researcher_api):
    from tests import graphs

    two = graphs.two_origins_disputed()
    outlet, agency, monitor = (two.hops[name] for name in ("outlet", "agency", "monitor"))
    assert primary_sources(turtle_of(researcher_api, two.claim.pk)) == {
        (str(hop_uri(outlet)), str(hop_uri(agency))),
        (str(hop_uri(outlet)), str(hop_uri(monitor))),
    }
    echo = graphs.wire_echo(outlets=3)
    origin = str(hop_uri(echo.hops["origin"]))
    assert primary_sources(turtle_of(researcher_api, echo.claim.pk)) == {
        (str(hop_uri(echo.hops[name])), origin)
        for name in ("wire", "outlet1", "outlet2", "outlet3")
    }
    assert primary_sources(turtle_of(researcher_api, echo.claim.pk)) == origins_walked(echo.claim)


def test_quotes_hops_are_was_quoted_from_and_the_others_was_derived_from(seed, researcher_api):
    from claims import services

    claim = seed.drone_claim
    hop = {h.source.slug: h for h in claim.attributions.select_related("source")}
    services.attribution_update(hop["antiwarcom"], relation="quotes")
    graph = turtle_of(researcher_api, claim.pk)
    assert hop_pairs(graph, "wasQuotedFrom") == {
        (str(hop_uri(hop["antiwarcom"])), str(hop_uri(hop["reuters"])))
    }
    assert hop_pairs(graph, "wasDerivedFrom") == {
        (str(hop_uri(hop["reuters"])), str(hop_uri(hop["us-officials"]))),
        (str(hop_uri(hop["reuters"])), str(hop_uri(hop["iraqi-officials"]))),
    }


def test_seed_prov_pins_the_telegram_claims_key_triples(seed, researcher_api):
    """What the stored document must carry for PROV: the seed's Telegram claim, with PMF (a
    parent named only through Kataib Hezbollah's affiliation) a full agent."""
    claim = seed.telegram_claim
    graph = turtle_of(researcher_api, claim.pk)
    fc = rdflib.Namespace("http://testserver/ns#")
    src = rdflib.Namespace("http://testserver/api/v1/sources/")
    hop = {h.source.slug: hop_uri(h) for h in claim.attributions.select_related("source")}
    telegram = "telegram-channel-affiliated-with-kataib-hezbollah"
    assert set(graph.subject_objects(PROV.actedOnBehalfOf)) == {
        (src[f"{telegram}/"], src["kataib-hezbollah/"]),
        (src["kataib-hezbollah/"], src["popular-mobilization-forces/"]),
    }
    pmf = src["popular-mobilization-forces/"]
    assert set(graph.objects(pmf, rdflib.RDF.type)) == {
        PROV.Agent,
        PROV.Organization,
        fc.armed_group,
    }
    assert graph.value(pmf, rdflib.RDFS.label) == rdflib.Literal("Popular Mobilization Forces")
    assert graph.value(pmf, fc.reliability) == rdflib.Literal("F")
    assert {
        (s, o) for s, o in graph.subject_objects(PROV.wasAttributedTo) if s in hop.values()
    } == {
        (hop[telegram], src[f"{telegram}/"]),
        (hop["reuters"], src["reuters/"]),
        (hop["antiwarcom"], src["antiwarcom/"]),
    }
    assert primary_sources(graph) == {
        (str(hop["reuters"]), str(hop[telegram])),
        (str(hop["antiwarcom"]), str(hop[telegram])),
    }
    [dispute] = graph.subjects(rdflib.RDF.type, fc.Dispute)
    assert graph.value(dispute, PROV.wasAttributedTo) == src["kataib-hezbollah/"]
    assert graph.value(dispute, PROV.wasDerivedFrom) == hop[telegram]
    qualified = graph.value(dispute, PROV.qualifiedDerivation)
    assert set(graph.objects(qualified, rdflib.RDF.type)) == {PROV.Derivation, fc.authorship_denial}
    assert graph.value(qualified, fc.quote) == rdflib.Literal("fabricated news")
    assert graph.value(hop["reuters"], fc.statedAt) == rdflib.Literal(
        "2024-04-22", datatype=rdflib.XSD.date
    )
    assert len(set(graph.subjects(rdflib.RDF.type, PROV.Entity))) == 7
    assert len(set(graph.subjects(rdflib.RDF.type, PROV.Agent))) == 5


def test_prov_dates_are_typed_date_and_date_time(seed, researcher_api):
    from claims import services

    claim = seed.telegram_claim
    reuters = claim.attributions.get(source__slug="reuters")
    services.attribution_update(reuters, stated_at="2024-04-22T12:00:00+03:00")
    graph = turtle_of(researcher_api, claim.pk)
    fc = rdflib.Namespace("http://testserver/ns#")
    assert graph.value(hop_uri(reuters), fc.statedAt) == rdflib.Literal(
        "2024-04-22T09:00:00Z", datatype=rdflib.XSD.dateTime
    )
    antiwar = claim.attributions.get(source__slug="antiwarcom")
    assert graph.value(hop_uri(antiwar), fc.statedAt) == rdflib.Literal(
        "2024-04-22", datatype=rdflib.XSD.date
    )
    published = {o.datatype for o in graph.objects(None, fc.publishedAt)}
    assert published == {rdflib.XSD.date}


def test_prov_namespace_is_the_publishers_url(seed, researcher_api, settings):
    claim = seed.telegram_claim
    settings.FACTCHECK_PUBLISHER_URL = "https://checkers.example/"
    response = researcher_api.get(f"/api/v1/claims/{claim.pk}/prov/?format=ttl")
    text = response.content.decode()
    assert "https://checkers.example/ns#" in text
    assert "factcheck.example" not in text and "http://testserver/ns#" not in text
    graph = rdflib.Graph().parse(data=text, format="turtle")
    fc = rdflib.Namespace("https://checkers.example/ns#")
    assert len(set(graph.subjects(rdflib.RDF.type, fc.Hop))) == 3
    assert dict(graph.namespaces())["factcheck"] == rdflib.URIRef(fc)
    as_json = researcher_api.get(f"/api/v1/claims/{claim.pk}/prov/").json()
    assert as_json["prefix"]["factcheck"] == "https://checkers.example/ns#"
    settings.FACTCHECK_PUBLISHER_URL = ""
    as_json = researcher_api.get(f"/api/v1/claims/{claim.pk}/prov/").json()
    assert as_json["prefix"]["factcheck"] == "http://testserver/ns#"


def test_prov_n_lists_the_records_with_our_identifiers(seed, researcher_api):
    claim = seed.telegram_claim
    response = researcher_api.get(f"/api/v1/claims/{claim.pk}/prov/?format=provn")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/provenance-notation; charset=utf-8"
    text = response.content.decode()
    hop = {h.source.slug: h.pk for h in claim.attributions.select_related("source")}
    telegram = "telegram-channel-affiliated-with-kataib-hezbollah"
    assert text.startswith("document\n") and text.rstrip().endswith("endDocument")
    assert "prefix factcheck <http://testserver/ns#>" in text
    assert "prefix hop <http://testserver/api/v1/attributions/>" in text
    assert f"entity(claim:{claim.pk}/, [prov:type='factcheck:Claim'" in text
    assert f"entity(hop:{hop['reuters']}/, [prov:type='factcheck:Hop'" in text
    assert f"wasAttributedTo(hop:{hop['reuters']}/, source:reuters/)" in text
    assert f"agent(source:{telegram}/, [prov:type='prov:Organization'" in text
    assert f"actedOnBehalfOf(source:{telegram}/, source:kataib-hezbollah/" in text
    # PROV-N writes a primary source as a derivation typed prov:PrimarySource.
    for relay in ("reuters", "antiwarcom"):
        assert (
            f"wasDerivedFrom(hop:{hop[relay]}/, hop:{hop[telegram]}/, -, -, -, "
            "[prov:type='prov:PrimarySource'])"
        ) in text
    assert 'factcheck:statedAt="2024-04-22" %% xsd:date' in text
    accept = researcher_api.get(
        f"/api/v1/claims/{claim.pk}/prov/", HTTP_ACCEPT="text/provenance-notation"
    )
    assert accept["Content-Type"] == "text/provenance-notation; charset=utf-8"
    assert accept.content == response.content


def test_prov_unknown_format_is_a_400_that_lists_the_formats(seed, researcher_api):
    claim = seed.telegram_claim
    response = researcher_api.get(f"/api/v1/claims/{claim.pk}/prov/?format=provxml")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    message = response.json()["format"][0]
    assert "provxml" in message and "provn" in message and "ttl" in message
    missing = researcher_api.get("/api/v1/claims/999999/prov/?format=provn")
    assert missing.status_code == 404
    assert missing.json()["detail"] == "No claim #999999."
    huge = researcher_api.get("/api/v1/claims/99999999999999999999/prov/")
    assert huge.status_code == 404


def test_prov_is_listed_in_openapi_with_its_three_formats(db, researcher_api):
    response = researcher_api.get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    operation = response.json()["paths"]["/api/v1/claims/{id}/prov/"]["get"]
    content = operation["responses"]["200"]["content"]
    assert set(content) == {"application/json", "text/turtle", "text/provenance-notation"}
    assert "FACTCHECK_PUBLISHER_URL" in operation["description"]
    assert any(p["name"] == "format" for p in operation.get("parameters", []))


def test_prov_costs_the_same_queries_for_a_small_and_a_large_claim(seed, researcher_api):
    """One read of the stored document, whatever the claim's size or the format; the rest is
    authentication and throttling, the same for every request."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests import graphs

    small = seed.claim("No casualties were reported in either attack")
    large = graphs.wire_echo(outlets=12).claim
    researcher_api.get(f"/api/v1/claims/{small.pk}/prov/")  # the throttle's row exists now
    counts = {}
    for claim in (small, large):
        for fmt in ("json", "ttl", "provn"):
            with CaptureQueriesContext(connection) as queries:
                response = researcher_api.get(f"/api/v1/claims/{claim.pk}/prov/?format={fmt}")
            assert response.status_code == 200
            counts[claim.pk, fmt] = len(queries)
            tracker = [
                q["sql"]
                for q in queries.captured_queries
                if any(table in q["sql"] for table in ("claims_", "sources_"))
            ]
            assert len(tracker) == 1 and '"claims_claim"."document"' in tracker[0]
    assert set(counts.values()) == {counts[small.pk, "json"]}
    # the token with its user, the stored document, and the throttle's cache reads/writes
    assert counts[small.pk, "json"] <= 6


def test_prov_reviews_are_entities_attributed_to_their_author(seed, researcher_api):
    from claims import reviews
    from tests.factories import SourceFactory

    claim = seed.telegram_claim
    checker = SourceFactory(name="Lupa", kind="organization", reliability="B")
    review = reviews.review_create(
        claim=claim,
        author=checker,
        url="https://lupa.example/checagem",
        headline="Canal não publicou a declaração",
        rating_text="Falso",
        rating_language="pt",
        verdict="false",
        verdict_basis="table",
        published_at="2024-04-23",
    )
    graph = turtle_of(researcher_api, claim.pk)
    fc = rdflib.Namespace("http://testserver/ns#")
    entity = rdflib.URIRef(f"http://testserver/api/v1/reviews/{review.pk}/")
    assert set(graph.subjects(rdflib.RDF.type, fc.Review)) == {entity}
    assert graph.value(entity, PROV.wasAttributedTo) == rdflib.URIRef(
        f"http://testserver/api/v1/sources/{checker.slug}/"
    )
    assert graph.value(entity, PROV.wasDerivedFrom) == rdflib.URIRef(
        f"http://testserver/api/v1/claims/{claim.pk}/"
    )
    assert graph.value(entity, fc.ratingText) == rdflib.Literal("Falso", lang="pt")
    assert graph.value(entity, fc.verdict) == rdflib.Literal("false")
    assert graph.value(entity, fc.verdictBasis) == rdflib.Literal("table")
    assert graph.value(entity, fc.publishedAt) == rdflib.Literal(
        "2024-04-23", datatype=rdflib.XSD.date
    )
    assert graph.value(entity, rdflib.RDFS.label) == rdflib.Literal(
        "Canal não publicou a declaração"
    )


def test_prov_of_a_document_stored_before_parents_were_named_keeps_the_delegation(seed):
    """A document stored before the projection named parents has the parent's slug and name
    only: the delegation is still there, to an agent with that name."""
    import json

    from claims import selectors
    from claims.standards import w3cprov

    document = json.loads(selectors.stored_document(seed.telegram_claim.pk))
    del document["sources"]["popular-mobilization-forces"]
    prov_doc = w3cprov.claim_prov(document, base_url="http://testserver")
    graph = rdflib.Graph().parse(data=w3cprov.prov_turtle(prov_doc), format="turtle")
    src = rdflib.Namespace("http://testserver/api/v1/sources/")
    pmf = src["popular-mobilization-forces/"]
    assert graph.value(src["kataib-hezbollah/"], PROV.actedOnBehalfOf) == pmf
    assert graph.value(pmf, rdflib.RDFS.label) == rdflib.Literal("Popular Mobilization Forces")
