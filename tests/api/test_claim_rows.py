"""The plain-row read path (claims/rows.py) answers exactly what ClaimSerializer would.

Lists, details and the CSV export read claims as tuples instead of model instances; these
tests build the answer the old way (``ClaimSerializer`` over ``selectors.claim_list()``,
``exports.claim_csv_row`` over prefetched instances) and compare bytes, through the real
URLs, on a database holding every shape the serializer knows: the seed article, echoes,
affiliated origins, a citation loop, disputes on hops and on the claim (with and without
dates), documents, topics, a reviewed verdict, an empty claim and hostile text.
"""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from rest_framework.renderers import JSONRenderer

from claims import exports, rows, selectors, services
from claims.api.serializers import ClaimSerializer
from claims.models import Claim
from factcheck.api import csv_rows
from tests import graphs
from tests.factories import (
    AttributionFactory,
    ClaimFactory,
    DisputeFactory,
    DocumentFactory,
    SourceFactory,
    TopicFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def shapes(seed, editor):
    """Every shape a claim can take, on top of the seed article's nine claims."""
    graphs.wire_echo(outlets=2)
    graphs.affiliated_origins()
    graphs.citation_loop()
    disputed = graphs.two_origins_disputed()
    # A denial of one hop with no date, and a retraction with a document.
    DisputeFactory(
        claim=disputed.claim,
        disputed_by=disputed.sources["outlet"],
        kind="authorship_denial",
        target=disputed.hops["agency"],
        resolution="upheld",
    )
    DisputeFactory(
        claim=disputed.claim,
        disputed_by=disputed.sources["monitor"],
        kind="retraction",
        stated_at=datetime.date(2024, 2, 1),
        document=DocumentFactory(publisher=disputed.sources["monitor"]),
        resolution="rejected",
    )
    # Topics are listed by name, whatever the order they were added in.
    zeta, alpha = TopicFactory(name="Zeta strikes"), TopicFactory(name="Alpha talks")
    hostile = ClaimFactory(
        text='<script>alert("x")</script> =HYPERLINK("http://evil") — قصف 🚀',
        topics=[zeta, alpha],
        location="Ain al-Asad",
        occurred_at=datetime.date(2024, 8, 5),
    )
    source = SourceFactory(name="Undated Channel", kind="social_channel", reliability="E")
    origin = AttributionFactory(
        claim=hostile, source=source, quote="«quoted»", document=DocumentFactory()
    )
    AttributionFactory(claim=hostile, source=SourceFactory(name="Relay Daily"), cites=[origin])
    services.verdict_set(
        claim=hostile, verdict="false", explanation="Never happened.", credibility=5, user=editor
    )
    ClaimFactory(text="A claim nobody has been found saying yet")


def serializer_json(claims) -> list[bytes]:
    return [JSONRenderer().render(ClaimSerializer(claim).data) for claim in claims]


def test_every_claim_reads_the_same_as_through_the_serializer(shapes):
    claims = list(selectors.claim_list())
    assert len(claims) == 15
    expected = serializer_json(claims)
    fast = rows.claims_data(list(rows.page_source(selectors.claim_list())))
    assert [claim["id"] for claim in fast] == [claim.pk for claim in claims]
    for want, got in zip(expected, fast, strict=True):
        assert JSONRenderer().render(got) == want
    # The comparison covered what the shapes are for, not fifteen empty claims.
    by_text = {claim["text"]: claim for claim in fast}
    hostile = next(c for c in fast if c["text"].startswith("<script>"))
    assert hostile["topics"] == ["alpha-talks", "zeta-strikes"]
    assert hostile["reviewed_by"] == "editor" and hostile["reviewed_at"].endswith("Z")
    assert by_text["The dam was sabotaged"]["circular_reporting"] is True
    assert by_text["The minister resigned overnight"]["single_origin_echo"] is True
    convoy = by_text["The convoy was hit near the border"]
    assert [d["kind"] for d in convoy["disputes"]].count("authorship_denial") == 1
    assert any(hop["authorship_contested"] for hop in convoy["attributions"])
    assert by_text["A claim nobody has been found saying yet"]["attributions"] == []


def test_the_list_page_is_byte_identical_to_the_serializer(shapes, researcher_api):
    response = researcher_api.get("/api/v1/claims/", {"page_size": 6, "page": 2})
    assert response.status_code == 200
    body = response.json()
    page = list(selectors.claim_list()[6:12])
    assert [claim["id"] for claim in body["results"]] == [claim.pk for claim in page]
    assert body["count"] == 15 and body["count_exact"] is True
    results = response.content.split(b'"results":', 1)[1]
    assert results == b"[" + b",".join(serializer_json(page)) + b"]}"


def test_a_filtered_list_reads_the_same(shapes, researcher_api):
    response = researcher_api.get("/api/v1/claims/", {"disputed": "true"})
    assert response.status_code == 200
    claims = list(selectors.claim_list().filter(is_disputed=True))
    assert len(claims) >= 2
    assert response.json()["results"] == [ClaimSerializer(claim).data for claim in claims]


def test_the_detail_is_byte_identical_and_keeps_its_etag(shapes, researcher_api, editor_api):
    claim = selectors.claim_list().get(text="The convoy was hit near the border")
    url = f"/api/v1/claims/{claim.pk}/"
    response = researcher_api.get(url)
    assert response.status_code == 200
    assert response.content == serializer_json([claim])[0]
    etag = response["ETag"]
    # The fast path's tag is the one writes check: it is accepted once, then stale (412).
    first = editor_api.patch(url, {"location": "Rutba"}, format="json", HTTP_IF_MATCH=etag)
    assert first.status_code == 200, first.content
    stale = editor_api.patch(url, {"location": "Qaim"}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    assert researcher_api.get(url).json()["location"] == "Rutba"


@pytest.mark.parametrize("lookup", ["99999999999999999999", "0"])
def test_an_out_of_range_claim_id_is_a_404_not_a_500(seed, researcher_api, lookup):
    assert researcher_api.get(f"/api/v1/claims/{lookup}/").status_code == 404


@pytest.mark.parametrize("lookup", ["999999", "abc", "-3"])
def test_a_missing_or_malformed_claim_is_a_404(seed, researcher_api, lookup):
    response = researcher_api.get(f"/api/v1/claims/{lookup}/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_the_csv_export_reads_the_same_as_from_instances(shapes, researcher_api):
    response = researcher_api.get("/api/v1/claims/", {"format": "csv"})
    assert response.status_code == 200
    got = b"".join(response.streaming_content).decode()
    claims = list(selectors.claim_list())
    want = "".join(
        csv_rows(exports.CLAIM_CSV_HEADER, (exports.claim_csv_row(claim) for claim in claims))
    )
    assert got == want
    table = list(csv.reader(io.StringIO(got)))
    assert len(table) == 16
    hostile = next(row for row in table if "script" in row[1])
    assert hostile[1].startswith("<script>")
    assert "Undated Channel → Relay Daily" in hostile[10]


def test_csv_chunks_do_not_change_the_rows(shapes):
    whole = list(rows.export_rows(Claim.objects.all(), chunk_size=1000))
    assert len(whole) == 15
    assert list(rows.export_rows(Claim.objects.all(), chunk_size=3)) == whole
