"""/reports/disputed/: what is listed, in what order, how chains and disputes are drawn."""

import csv
import io

import pytest

from claims import services
from tests.conftest import TELEGRAM_TEXT
from tests.factories import AttributionFactory, ClaimFactory, DisputeFactory, SourceFactory

from .html import claim_article, text_of, with_attribute

URL = "/reports/disputed/"
TELEGRAM_CHAIN = ["telegram-channel-affiliated-with-kataib-hezbollah", "reuters", "antiwarcom"]


def listed_claims(response) -> list[int]:
    return [
        int(row["data-claim-id"])
        for row in with_attribute(response.content.decode(), "data-claim-id")
    ]


def test_seed_lists_only_the_disputed_telegram_claim(reader_client, seed):
    response = reader_client.get(URL)
    assert response.status_code == 200
    assert listed_claims(response) == [seed.telegram_claim.pk]
    summary = with_attribute(response.content.decode(), "data-summary")[0]
    assert summary["data-total"] == "1"
    assert 'data-kind="authorship_denial" data-count="1"' in response.content.decode()


def test_telegram_chain_boxes_in_order_with_denial_on_the_first(reader_client, seed):
    claim = seed.telegram_claim
    article = claim_article(reader_client.get(URL).content.decode(), claim.pk)
    hops = with_attribute(article, "data-source-slug")
    assert [hop["data-source-slug"] for hop in hops] == TELEGRAM_CHAIN
    telegram_hop = hops[0]["data-hop-id"]

    # The dispute comes right after the first box and before the second, targeting it.
    order = [
        mark.get("data-source-slug") or mark["data-dispute-kind"]
        for mark in with_attribute(article, "data-source-slug", "data-dispute-kind")
    ]
    assert order == [TELEGRAM_CHAIN[0], "authorship_denial", *TELEGRAM_CHAIN[1:]]
    dispute = with_attribute(article, "data-dispute-id")[0]
    assert dispute["data-target-hop"] == telegram_hop
    assert dispute["data-disputed-by"] == "kataib-hezbollah"
    text = text_of(article)
    assert "authorship denied by Kataib Hezbollah, 2024-04-22" in text
    assert "“fabricated news”" in text
    assert "in US Bases in Iraq and Syria Come Under Rocket and Drone Attack (Antiwar.com)" in text
    assert "verdict: unrated · credibility 6 · first reported 2024-04-22 · 1 dispute" in text
    assert "anonymous" not in text  # none of these three sources is anonymous


def test_denial_and_authorship_denial_are_worded_differently(reader_client, make_disputed):
    denied, _ = make_disputed(kind="denial")
    disowned, _ = make_disputed(kind="authorship_denial", day=2)
    page = reader_client.get(URL).content.decode()
    assert "claim denied by" in text_of(claim_article(page, denied.pk))
    assert "authorship denied" not in text_of(claim_article(page, denied.pk))
    assert "authorship denied by" in text_of(claim_article(page, disowned.pk))


def test_claim_level_dispute_and_anonymous_origin(reader_client, db):
    claim = ClaimFactory(text="The bridge was closed")
    officials = SourceFactory(name="Unnamed officials", kind="official", is_anonymous=True)
    origin = AttributionFactory(claim=claim, source=officials)
    AttributionFactory(claim=claim, cites=[origin])
    DisputeFactory(
        claim=claim,
        kind="fact_check",
        quote="el puente estaba abierto",
        quote_language="es",
        quote_translation="the bridge was open",
    )
    article = claim_article(reader_client.get(URL).content.decode(), claim.pk)
    dispute = with_attribute(article, "data-dispute-id")[0]
    assert dispute["data-target-hop"] == ""
    assert "dispute--claim" in dispute["class"]
    text = text_of(article)
    assert "fact-checked by" in text
    assert "“el puente estaba abierto” translation: “the bridge was open”" in text
    assert 'lang="es"' in article
    assert "official · anonymous" in text


def test_newest_first_and_filters_select_exact_claims(reader_client, make_disputed):
    kh = SourceFactory(name="KH", slug="kh")
    oldest, _ = make_disputed(day=1, disputed_by=kh, kind="authorship_denial")
    middle, _ = make_disputed(day=2)
    newest, _ = make_disputed(day=3, disputed_by=kh)
    ClaimFactory(text="Never disputed")
    assert listed_claims(reader_client.get(URL)) == [newest.pk, middle.pk, oldest.pk]
    assert listed_claims(reader_client.get(URL + "?disputed_by=kh")) == [newest.pk, oldest.pk]
    assert listed_claims(
        reader_client.get(URL + "?disputed_by=kh&dispute_kind=authorship_denial")
    ) == [oldest.pk]
    assert listed_claims(reader_client.get(URL + "?ordering=first_reported_at")) == [
        oldest.pk,
        middle.pk,
        newest.pk,
    ]
    response = reader_client.get(URL + "?dispute_kind=denial,authorship_denial&page_size=2")
    assert listed_claims(response) == [newest.pk, middle.pk]
    assert "page 1 of 2" in response.content.decode()
    assert listed_claims(
        reader_client.get(URL + "?dispute_kind=denial,authorship_denial&page_size=2&page=2")
    ) == [oldest.pk]
    # The form keeps the chosen filter; its three source fields share one list, which the
    # page ships empty and fills from source-options/ (every source, once, by name).
    page = reader_client.get(URL + "?disputed_by=kh").content.decode()
    assert 'name="disputed_by" list="source-list" value="kh"' in page
    assert 'name="origin" list="source-list" value=""' in page
    assert page.count('list="source-list"') == 3
    assert '<datalist id="source-list" data-src="/reports/source-options/"></datalist>' in page
    assert '<option value="kh">' not in page
    options = reader_client.get("/reports/source-options/")
    assert options["Content-Type"] == "application/json"
    sources = options.json()["sources"]
    assert sources.count(["kh", "KH"]) == 1
    assert [name for _, name in sources] == sorted(name for _, name in sources)
    refused = reader_client.get("/reports/source-options/?search=kh")
    assert refused.status_code == 400
    assert "search" in refused.json()["detail"]


def test_seed_filter_disputed_by_kataib_hezbollah(reader_client, seed):
    response = reader_client.get(URL + "?disputed_by=kataib-hezbollah")
    assert listed_claims(response) == [seed.telegram_claim.pk]
    nothing = reader_client.get(URL + "?disputed_by=reuters")
    assert listed_claims(nothing) == []
    assert "No disputed claim matches these filters." in nothing.content.decode()
    assert listed_claims(reader_client.get(URL + "?origin_kind=official")) == []
    assert listed_claims(reader_client.get(URL + "?origin_kind=social_channel")) == [
        seed.telegram_claim.pk
    ]


def test_rejected_dispute_drops_the_claim(reader_client, make_disputed):
    claim, _ = make_disputed()
    services.dispute_update(claim.disputes.get(), resolution="rejected")
    assert listed_claims(reader_client.get(URL)) == []


@pytest.mark.parametrize(
    ("query", "param", "message"),
    [
        ("?disputed_bee=kh", "disputed_bee", "Unknown query parameter “disputed_bee”"),
        ("?disputed_by=nobody", "disputed_by", "No source “nobody”"),
        ("?disputed=maybe", "disputed", "“maybe” is not a boolean"),
        ("?dispute_kind=rumour", "dispute_kind", "rumour"),
        ("?reported_after=yesterday", "reported_after", "Enter a valid date"),
        ("?page=0", "page", "“0” is not a page of this report"),
        ("?page=9", "page", "pages run from 1 to 1"),
        ("?page_size=100000", "page_size", "use a whole number 1 to 200"),
        ("?format=xml", "format", "Unknown format “xml”"),
    ],
)
def test_bad_parameters_are_a_400_with_the_message(
    reader_client, make_disputed, query, param, message
):
    make_disputed()
    response = reader_client.get(URL + query)
    assert response.status_code == 400
    page = response.content.decode()
    errors = with_attribute(page, "data-param")
    assert [error["data-param"] for error in errors] == [param]
    assert message in text_of(page)
    assert 'class="claim"' not in page
    assert 'name="disputed_by"' in page  # the form is still there to fix it


def test_a_typed_source_is_kept_escaped_in_its_field(reader_client, make_disputed):
    make_disputed()
    response = reader_client.get(URL, {"origin": '"><script>alert(1)</script>'})
    assert response.status_code == 400
    page = response.content.decode()
    assert "<script>alert(1)</script>" not in page
    assert 'name="origin" list="source-list" value="&quot;&gt;&lt;script&gt;' in page
    assert "No source “&quot;&gt;&lt;script&gt;" in page


def test_escaping_of_text_quotes_and_names(reader_client, db):
    claim = ClaimFactory(text="<script>alert(1)</script>")
    source = SourceFactory(name="<b>Bold</b> & Co")
    hop = AttributionFactory(claim=claim, source=source, quote="<img src=x onerror=alert(2)>")
    DisputeFactory(claim=claim, target=hop, quote="<i>fake</i>", statement="</aside><script>")
    page = reader_client.get(URL).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<b>Bold</b>" not in page and "&lt;b&gt;Bold&lt;/b&gt; &amp; Co" in page
    assert "<img src=x" not in page
    assert "<i>fake</i>" not in page
    assert "</aside><script>" not in page
    detail = reader_client.get(f"/reports/claims/{claim.pk}/").content.decode()
    assert "<script>alert(1)</script>" not in detail
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in detail


def read_csv(response) -> list[dict]:
    assert response["Content-Type"].startswith("text/csv")
    assert 'attachment; filename="disputed-claims.csv"' == response["Content-Disposition"]
    body = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(body)))


def test_csv_carries_filters_and_content(reader_client, seed, make_disputed):
    make_disputed(text="Another disputed claim", day=3)
    page = reader_client.get(URL + "?disputed_by=kataib-hezbollah&page=1").content.decode()
    links = [row["href"] for row in with_attribute(page, "href") if "format=csv" in row["href"]]
    assert links == ["?disputed_by=kataib-hezbollah&format=csv"]  # page dropped
    rows = read_csv(reader_client.get(URL + "?" + links[0][1:]))
    assert [row["text"] for row in rows] == [TELEGRAM_TEXT]
    assert rows[0]["chain_names"] == (
        "Telegram channel affiliated with Kataib Hezbollah → Reuters → Antiwar.com"
    )
    dispute = seed.telegram_claim.disputes.get()
    assert rows[0]["disputes"].startswith(f"#{dispute.pk} Kataib Hezbollah, authorship_denial")
    assert "“fabricated news”" in rows[0]["disputes"]
    everything = read_csv(reader_client.get(URL + "?format=csv"))
    # Newest first, as on the page: the seed (2024-04-22) before the January claim.
    assert [row["text"] for row in everything] == [TELEGRAM_TEXT, "Another disputed claim"]


def test_csv_defuses_formulas(reader_client, make_disputed):
    make_disputed(text='=HYPERLINK("http://evil")')
    rows = read_csv(reader_client.get(URL + "?format=csv"))
    assert rows[0]["text"] == '\'=HYPERLINK("http://evil")'


def test_claims_link_to_their_report(reader_client, make_disputed):
    claim, _ = make_disputed()
    page = reader_client.get(URL).content.decode()
    assert f'href="/reports/claims/{claim.pk}/"' in page


def test_repeated_hop_draws_its_dispute_once(reader_client, db):
    claim = ClaimFactory()
    first = AttributionFactory(claim=claim)
    second = AttributionFactory(claim=claim)
    relay = AttributionFactory(claim=claim, cites=[first, second])
    AttributionFactory(claim=claim, cites=[relay])
    DisputeFactory(claim=claim, target=relay)
    article = claim_article(reader_client.get(URL).content.decode(), claim.pk)
    assert article.count('<ol class="chain"') == 2
    assert len(with_attribute(article, "data-dispute-id")) == 1
    assert "disputed: see the first chain" in article


def test_summary_past_the_cap_says_at_least_and_leaves_the_kinds_out(reader_client, make_disputed):
    from claims.reports import views

    for day in (1, 2, 3):
        make_disputed(kind="denial", day=day)
    exact = reader_client.get(URL + "?page_size=1").content.decode()
    summary = with_attribute(exact, "data-summary")[0]
    assert (summary["data-total"], summary["data-exact"]) == ("3", "true")
    assert 'data-kind="denial" data-count="3"' in exact
    assert "page 1 of 3" in exact
    # Counting stops at 2 (one page past page 1 of size 1) when the cap is below that.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(views.CappedCountPaginator, "CAP", 1)
        capped = reader_client.get(URL + "?page_size=1").content.decode()
        deeper = reader_client.get(URL + "?page_size=1&page=2").content.decode()
    summary = with_attribute(capped, "data-summary")[0]
    assert (summary["data-total"], summary["data-exact"]) == ("2", "false")
    assert "at least 2 disputed claims" in text_of(capped)
    assert "data-kind=" not in capped
    assert "page 1 of at least 2" in text_of(capped)
    assert len(with_attribute(capped, "data-claim-id")) == 1
    # Page 2 counts one page further: all three, exactly.
    summary = with_attribute(deeper, "data-summary")[0]
    assert (summary["data-total"], summary["data-exact"]) == ("3", "true")


def test_the_filter_form_marks_what_the_request_chose(reader_client, seed):
    """Each select marks the request's value, and only it; with no ``ordering`` the
    default order ("newest first", value "") is the one marked."""
    from claims.models import Topic

    topic = Topic.objects.order_by("name").first()
    page = reader_client.get(URL).content.decode()
    assert '<option value="" selected>newest first</option>' in page
    assert page.count(" selected>") == 1
    page = reader_client.get(
        URL + f"?verdict=false&topic={topic.slug}&ordering=-dispute_count"
        "&single_origin_echo=true&origin_kind=official"
    ).content.decode()
    assert '<option value="false" selected>' in page
    assert f'<option value="{topic.slug}" selected>' in page
    assert '<option value="-dispute_count" selected>most disputes first</option>' in page
    assert '<option value="true" selected>only echoes</option>' in page
    assert '<option value="official" selected>' in page
    assert page.count(" selected>") == 5
