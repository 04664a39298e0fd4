"""Issue 5 in the editors' admin: credibility side by side, likely duplicates (change page,
add form, after a save), the merge action, and the changelist's provenance filters."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from claims.models import Attribution, Claim, Dispute
from tests.conftest import DRONE_TEXT, TELEGRAM_TEXT
from tests.factories import AttributionFactory, ClaimFactory, DisputeFactory, TopicFactory
from tests.graphs import affiliated_origins, two_origins_disputed, wire_echo

from .test_admin import add_page_data

pytestmark = pytest.mark.django_db
CHANGELIST = "admin:claims_claim_changelist"
TWIN = "A drone attack targeted Ain al-Asad air base in western Iraq"


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


def listed(response) -> set:
    assert response.status_code == 200
    return {claim.text for claim in response.context["cl"].result_list}


def change_page(client, claim) -> str:
    response = client.get(reverse("admin:claims_claim_change", args=[claim.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_change_page_shows_editor_and_suggested_credibility_with_the_reason(editor_client):
    graph = two_origins_disputed()
    html = change_page(editor_client, graph.claim)
    assert "<strong>Editor’s:</strong> 6: truth cannot be judged</p>" in html
    assert "<strong>Suggested:</strong> 2: probably true</p>" in html
    assert "Reason: 2 independent origins rated A-C; lowered by 1 open dispute." in html
    assert "2 independent origins" in html  # the provenance picture's summary


def test_change_page_picture_flags_echo_weakest_link_and_authorship(editor_client, seed):
    graph = wire_echo(outlets=2)
    html = change_page(editor_client, graph.claim)
    # The panel is the reader's report entry, drawn from the stored document.
    assert (
        '<span class="flag-name">single-origin echo</span> 3 outlets relay one origin: '
        "A ministry official" in html
    )
    assert (
        'weakest link: <strong class="reliability-letter">F</strong> at A ministry official' in html
    )
    html = change_page(editor_client, seed.telegram_claim)
    assert '<span class="flag-name">authorship contested</span>' in html
    assert "authorship denied by Kataib Hezbollah" in html


def test_change_page_lists_likely_duplicates_with_links_and_scores(editor_client, seed):
    twin = ClaimFactory(text=TWIN)
    html = change_page(editor_client, twin)
    drone_url = reverse("admin:claims_claim_change", args=[seed.drone_claim.pk])
    assert f'<a href="{drone_url}">#{seed.drone_claim.pk} {DRONE_TEXT}</a>' in html
    assert 'class="dup-score">similarity 0.' in html
    assert "None found." in change_page(editor_client, seed.telegram_claim)


def test_add_form_warns_of_duplicates_after_a_failed_submit_without_blocking(editor_client, seed):
    data = add_page_data(editor_client, text=TWIN, chain_lines="Nobody we know → Reuters")
    response = editor_client.post(reverse("admin:claims_claim_add"), data)
    assert response.status_code == 200  # refused for the chain line, not for the duplicate
    html = response.content.decode()
    assert f"#{seed.drone_claim.pk} {DRONE_TEXT}" in html
    assert "A warning, not a refusal" in html

    data = add_page_data(editor_client, text=TWIN)
    response = editor_client.post(reverse("admin:claims_claim_add"), data)
    assert response.status_code == 302
    assert Claim.objects.filter(text=TWIN).exists()
    [message] = [str(m) for m in get_messages(response.wsgi_request) if "duplicates" in str(m)]
    assert f"#{seed.drone_claim.pk} {DRONE_TEXT}" in message


def test_add_form_before_any_text_says_what_it_will_do(editor_client):
    html = editor_client.get(reverse("admin:claims_claim_add")).content.decode()
    assert "likely duplicates will be listed here" in html


def test_merge_action_keeps_every_hop_and_dispute_and_records_history(editor_client, seed):
    keep = seed.drone_claim
    keep_hops = set(keep.attributions.values_list("pk", flat=True))
    duplicate = ClaimFactory(text=TWIN, topics=[TopicFactory(name="Iraq")])
    origin = AttributionFactory(claim=duplicate, source=seed.source("us-officials"))
    relay = AttributionFactory(claim=duplicate, source=seed.source("reuters"), cites=[origin])
    dispute = DisputeFactory(
        claim=duplicate, disputed_by=seed.source("kataib-hezbollah"), target=relay
    )
    third = ClaimFactory(text="Drone strike on Ain al-Asad")
    loose = DisputeFactory(claim=third, disputed_by=seed.source("iraqi-officials"))
    gone = [duplicate.pk, third.pk]

    response = editor_client.post(
        reverse(CHANGELIST),
        {"action": "merge_into_oldest", "_selected_action": [keep.pk, *gone]},
        follow=True,
    )
    assert response.status_code == 200
    [message] = [str(m) for m in response.context["messages"]]
    assert message.startswith(f"Merged #{duplicate.pk}, #{third.pk} into")
    assert f"claim #{keep.pk}</a>" in message
    assert not Claim.objects.filter(pk__in=gone).exists()
    assert set(keep.attributions.values_list("pk", flat=True)) == keep_hops | {
        origin.pk,
        relay.pk,
    }
    assert set(keep.disputes.values_list("pk", flat=True)) == {dispute.pk, loose.pk}
    assert Dispute.objects.get(pk=dispute.pk).target_id == relay.pk
    assert Attribution.objects.get(pk=relay.pk).cites.get().pk == origin.pk
    assert "Iraq" in {t.name for t in keep.topics.all()}
    keep.refresh_from_db()
    assert (keep.is_disputed, keep.dispute_count, keep.independent_origin_count) == (True, 2, 2)
    reasons = set(keep.history.values_list("history_change_reason", flat=True))
    assert {f"Merged claim #{pk} into claim #{keep.pk}" for pk in gone} <= reasons
    deleted = Claim.history.filter(id=duplicate.pk, history_type="-").get()
    assert deleted.history_user.username == "editor"


def test_merge_action_needs_two_claims(editor_client, seed):
    response = editor_client.post(
        reverse(CHANGELIST),
        {"action": "merge_into_oldest", "_selected_action": [seed.drone_claim.pk]},
        follow=True,
    )
    assert [str(m) for m in response.context["messages"]] == [
        "Select at least two claims to merge."
    ]
    assert Claim.objects.filter(pk=seed.drone_claim.pk).exists()


def test_changelist_provenance_filters_and_column(editor_client, seed):
    url = reverse(CHANGELIST)
    echo = wire_echo(outlets=2)
    affiliated_origins()
    assert listed(editor_client.get(url, {"single_origin_echo__exact": "1"})) == {echo.claim.text}
    assert listed(editor_client.get(url, {"authorship_contested__exact": "1"})) == {TELEGRAM_TEXT}
    assert listed(editor_client.get(url, {"independent_origins": "2"})) == {
        DRONE_TEXT,
        "Five rockets were fired at a US base in Rumalyn, northeast Syria",
        "The attacks were the first since a pause that began in February",
    }
    response = editor_client.get(url, {"single_origin_echo__exact": "1"})
    html = response.content.decode()
    assert "indep. origins" in html.lower()
    assert 'title="relayed by 3 sources, one origin">1 · echo</span>' in html
    ordered = editor_client.get(url, {"o": "-6"})  # the independent-origins column, descending
    assert ordered.context["cl"].result_list[0].independent_origin_count == 2
