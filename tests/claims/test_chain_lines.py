"""Chain lines that create sources, the admin's one confirmation, disputes on the add form,
and the claim list's search by source name (issue 16, DESIGN.md "The editors' admin")."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from claims import services
from claims.models import Claim, Dispute
from sources.models import Source
from tests.claims.test_admin import add_page_data, add_row, form_errors
from tests.factories import AttributionFactory, ClaimFactory, SourceFactory

pytestmark = pytest.mark.django_db

TELEGRAM_NEW = (
    "Telegram channel affiliated with Kataib Hezbollah [social_channel, affiliated with "
    "Kataib Hezbollah [armed_group, part of Popular Mobilization Forces [armed_group]]]"
    " → Reuters [news_agency] → Antiwar.com [news_outlet]"
)
TELEGRAM_TEXT = "Attacks on US forces resumed because there was no progress toward a US withdrawal"


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


# ---------------------------------------------------------------------------- parsing


def test_parse_plans_new_sources_in_order_without_writing():
    plan = services.chain_lines_parse(TELEGRAM_NEW)
    assert plan.new_sources() == [
        "Popular Mobilization Forces (armed group)",
        "Kataib Hezbollah (armed group, part of Popular Mobilization Forces)",
        "Telegram channel affiliated with Kataib Hezbollah (social channel, affiliated with "
        "Kataib Hezbollah)",
        "Reuters (news agency)",
        "Antiwar.com (news outlet)",
    ]
    assert [[ref.name for ref in step] for step in plan.lines[0]] == [
        ["Telegram channel affiliated with Kataib Hezbollah"],
        ["Reuters"],
        ["Antiwar.com"],
    ]
    assert not Source.objects.exists()


def test_parse_anonymous_and_names_created_earlier_in_the_lines():
    plan = services.chain_lines_parse(
        "US officials [official, anonymous] + Iraqi officials [official, anonymous] → Reuters "
        "[news_agency]\nReuters → Antiwar.com [news outlet]"
    )
    assert plan.new_sources() == [
        "US officials (official, anonymous)",
        "Iraqi officials (official, anonymous)",
        "Reuters (news agency)",
        "Antiwar.com (news outlet)",
    ]
    # "Reuters" on line 2 is the source planned on line 1, not a second one.
    assert plan.lines[1][0][0] is plan.lines[0][1][0]


def test_parse_errors_name_the_problem_on_every_line():
    SourceFactory(name="Reuters", kind="news_agency")
    with pytest.raises(ValidationError) as exc:
        services.chain_lines_parse(
            "Yahya Saree → Reuters\n"
            "Al Jazeera [newspaper] → Reuters\n"
            "Reuters [news_outlet] → X [official, part of Nobody]\n"
            "Someone [anonymous]"
        )
    assert exc.value.message_dict["chain_lines"] == [
        "Line 1: No source “Yahya Saree”. To create it, give its kind in brackets: "
        "“Yahya Saree [official]”.",
        "Line 2: “newspaper” in the brackets of “Al Jazeera” is not a source kind, "
        "“anonymous”, “affiliated with …” or “part of …”. Kinds: news_agency, news_outlet, "
        "government, official, military, armed_group, social_channel, organization, "
        "fact_checker, person, other.",
        "Line 3: “Reuters” already exists and its kind is news agency, not news_outlet. Write "
        "its name without brackets to use it, or change it on its own page.",
        "Line 3: No source “Nobody”. To create it, give its kind in brackets: “Nobody [official]”.",
        "Line 4: Give the kind of “Someone” in its brackets, e.g. “Someone [official]”. Kinds: "
        "news_agency, news_outlet, government, official, military, armed_group, "
        "social_channel, organization, fact_checker, person, other.",
    ]


def test_claim_create_with_new_sources_is_all_or_nothing():
    SourceFactory(name="Antiwar.com")
    with pytest.raises(ValidationError):
        # The second hop cites the first, so the chain is fine; the claim text is empty.
        services.claim_create(text="", chain_lines="Yahya Saree [official] → Antiwar.com")
    assert list(Source.objects.values_list("name", flat=True)) == ["Antiwar.com"]
    claim = services.claim_create(text="Ok", chain_lines="Yahya Saree [official] → Antiwar.com")
    assert [hop.source.name for hop in claim.attributions.order_by("id")] == [
        "Yahya Saree",
        "Antiwar.com",
    ]


# ---------------------------------------------------------------------------- the admin


def test_admin_asks_once_then_creates_the_sources_and_the_chain(editor_client):
    url = reverse("admin:claims_claim_add")
    data = add_page_data(editor_client, text="Saree claim", chain_lines=TELEGRAM_NEW)
    first = editor_client.post(url, data)
    assert first.status_code == 200
    page = first.content.decode()
    assert "Saving will create 5 new sources" in page
    assert "New: Kataib Hezbollah (armed group, part of Popular Mobilization Forces)" in page
    assert not Source.objects.exists() and not Claim.objects.exists()
    signature = first.context["adminform"].form.data["confirm_new_sources"]
    assert f'value="{signature}"' in page  # the hidden confirmation rides on the page

    data["confirm_new_sources"] = signature
    second = editor_client.post(url, data)
    assert second.status_code == 302, form_errors(second)
    claim = Claim.objects.get(text="Saree claim")
    hops = list(claim.attributions.order_by("id").select_related("source"))
    assert [hop.source.name for hop in hops] == [
        "Telegram channel affiliated with Kataib Hezbollah",
        "Reuters",
        "Antiwar.com",
    ]
    channel = hops[0].source
    assert channel.kind == "social_channel" and channel.affiliation == "affiliated"
    assert channel.affiliated_with.name == "Kataib Hezbollah"
    assert channel.affiliated_with.affiliated_with.name == "Popular Mobilization Forces"


def test_admin_asks_again_when_the_new_sources_changed(editor_client):
    url = reverse("admin:claims_claim_add")
    data = add_page_data(editor_client, text="A claim", chain_lines="Yahya Saree [official]")
    signature = editor_client.post(url, data).context["adminform"].form.data["confirm_new_sources"]
    data.update(confirm_new_sources=signature, chain_lines="Yahya Saree [military]")
    again = editor_client.post(url, data)
    assert again.status_code == 200
    assert "New: Yahya Saree (military)" in again.content.decode()
    assert not Source.objects.exists()


def test_admin_add_form_takes_a_dispute_by_names(editor_client):
    url = reverse("admin:claims_claim_add")
    data = add_page_data(editor_client, text=TELEGRAM_TEXT, chain_lines=TELEGRAM_NEW)
    add_row(
        data,
        "disputes",
        {
            "disputed_by_name": "kataib hezbollah",
            "target_source": "Telegram channel affiliated with Kataib Hezbollah",
            "kind": "authorship_denial",
            "quote": "fabricated news",
            "resolution": "open",
        },
    )
    first = editor_client.post(url, data)
    assert first.status_code == 200
    data["confirm_new_sources"] = first.context["adminform"].form.data["confirm_new_sources"]
    second = editor_client.post(url, data)
    assert second.status_code == 302, form_errors(second)
    dispute = Dispute.objects.select_related("disputed_by", "target__source").get()
    assert dispute.disputed_by.name == "Kataib Hezbollah"
    assert dispute.target.source.name == "Telegram channel affiliated with Kataib Hezbollah"
    assert dispute.target.is_origin
    assert (dispute.kind, dispute.quote) == ("authorship_denial", "fabricated news")
    assert dispute.claim.is_disputed


def test_admin_dispute_row_creates_a_new_disputant_listed_in_the_confirmation(editor_client):
    SourceFactory(name="Yahya Saree", kind="official")
    url = reverse("admin:claims_claim_add")
    data = add_page_data(editor_client, text="Destroyer hit", chain_lines="Yahya Saree")
    add_row(
        data,
        "disputes",
        {"disputed_by_name": "CENTCOM [military]", "kind": "denial", "resolution": "open"},
    )
    first = editor_client.post(url, data)
    assert "New: CENTCOM (military)" in first.content.decode()
    data["confirm_new_sources"] = first.context["adminform"].form.data["confirm_new_sources"]
    second = editor_client.post(url, data)
    assert second.status_code == 302, form_errors(second)
    assert Dispute.objects.get().disputed_by.kind == "military"


def test_admin_dispute_row_with_unknown_names_is_a_row_error(editor_client):
    SourceFactory(name="Yahya Saree", kind="official")
    url = reverse("admin:claims_claim_add")
    data = add_page_data(editor_client, text="Destroyer hit", chain_lines="Yahya Saree")
    add_row(
        data,
        "disputes",
        {
            "disputed_by_name": "Yahya Sare",
            "target_source": "Al Jazeera",
            "kind": "denial",
            "resolution": "open",
        },
    )
    response = editor_client.post(url, data)
    assert response.status_code == 200
    errors = form_errors(response)
    assert "No source “Yahya Sare”. Did you mean: Yahya Saree (yahya-saree)?" in errors
    assert not Claim.objects.exists()
    data["disputes-0-disputed_by_name"] = "Yahya Saree"
    response = editor_client.post(url, data)
    assert "No source “Al Jazeera”" in form_errors(response)


def test_admin_claim_search_finds_claims_by_a_hop_source_name(editor_client):
    saree = SourceFactory(name="Yahya Saree", kind="official")
    said = ClaimFactory(text="A destroyer was hit")
    AttributionFactory(claim=said, source=saree)
    ClaimFactory(text="Something else")
    response = editor_client.get(reverse("admin:claims_claim_changelist"), {"q": "Saree"})
    assert [claim.text for claim in response.context["cl"].result_list] == ["A destroyer was hit"]
