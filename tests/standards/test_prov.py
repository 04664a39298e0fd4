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


def test_prov_from_stored_document_equals_prov_from_rows(seed):
    """The switch to the stored document loses nothing: for every seed claim and for the
    hand-built graphs (two origins, an affiliated family, a loop), the PROV graph built from
    the stored document is the one built from the model rows (same triples, blank nodes
    matched up)."""
    import json

    from rdflib.compare import isomorphic

    from claims import selectors
    from claims.models import Claim
    from claims.standards import w3cprov
    from claims.standards.views import review_queryset
    from tests import graphs

    graphs.two_origins_disputed()
    graphs.affiliated_origins()
    graphs.citation_loop()
    graphs.wire_echo()
    base = "http://testserver"
    compared = 0
    for pk in Claim.objects.order_by("pk").values_list("pk", flat=True):
        claim = review_queryset().prefetch_related("disputes__document__publisher").get(pk=pk)
        old = w3cprov.claim_prov_from_rows(claim, base_url=base)
        new = w3cprov.claim_prov(
            json.loads(selectors.stored_document(pk)),
            base_url=base,
            namespace=w3cprov.FACTCHECK_NS,
        )
        old_graph = rdflib.Graph().parse(data=w3cprov.prov_turtle(old), format="turtle")
        new_graph = rdflib.Graph().parse(data=w3cprov.prov_turtle(new), format="turtle")
        assert len(old_graph) > 10
        assert isomorphic(old_graph, new_graph), pk
        assert set(old.get_records()) == set(new.get_records()), pk
        compared += 1
    assert compared == 9 + 4
