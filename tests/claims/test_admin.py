"""The editors' admin for claims: pages, chain lines, inline rules, verdicts, history, lists."""

import pytest
from django.urls import reverse

from claims.models import Attribution, Claim, Dispute
from tests.conftest import DRONE_TEXT, TELEGRAM_TEXT
from tests.factories import AttributionFactory, ClaimFactory, SourceFactory

TELEGRAM_CHAIN = "Telegram channel affiliated with Kataib Hezbollah → Reuters → Antiwar.com"


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


def formset_post_data(response) -> dict:
    """Every field the rendered add/change page would submit, read from its context.

    Builds the main form's current values and each inline formset's management form and
    rows (with their real prefixes), so tests change only what they mean to.
    """
    data = {}

    def put(form):
        for name in form.fields:
            key = form.add_prefix(name)
            value = form[name].value()
            if value is None or value is False:
                continue
            if isinstance(value, list | tuple):
                data[key] = [str(v) for v in value]
            elif value is True:
                data[key] = "on"
            else:
                data[key] = str(value)

    put(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        mgmt = formset.management_form
        for name in mgmt.fields:
            data[mgmt.add_prefix(name)] = str(mgmt[name].value())
        for form in formset.initial_forms:
            put(form)
        # Extra rows are submitted empty, as a browser does when nobody types in them.
        data[f"{formset.prefix}-TOTAL_FORMS"] = str(len(formset.initial_forms))
    return data


def prefixes(response) -> dict:
    return {
        inline.formset.model: inline.formset.prefix
        for inline in response.context["inline_admin_formsets"]
    }


def add_row(data: dict, prefix: str, row: dict) -> None:
    index = int(data[f"{prefix}-TOTAL_FORMS"])
    for name, value in row.items():
        data[f"{prefix}-{index}-{name}"] = value
    data[f"{prefix}-TOTAL_FORMS"] = str(index + 1)


def add_page_data(editor_client, **fields) -> dict:
    response = editor_client.get(reverse("admin:claims_claim_add"))
    assert response.status_code == 200
    data = formset_post_data(response)
    data.update(fields)
    return data


def form_errors(response) -> str:
    """All error text on a re-rendered admin form page (main form and inlines)."""
    parts = [str(response.context["adminform"].form.errors)]
    for inline in response.context["inline_admin_formsets"]:
        parts.append(str(inline.formset.errors))
        parts.append(str(inline.formset.non_form_errors()))
    return "\n".join(parts)


# ---------------------------------------------------------------------------- pages


def test_claim_changelist_lists_seed_claims_for_editor(editor_client, seed):
    response = editor_client.get(reverse("admin:claims_claim_changelist"))
    assert response.status_code == 200
    content = response.content.decode()
    assert TELEGRAM_TEXT in content
    assert DRONE_TEXT in content
    # The origins column names both officials for the drone claim.
    assert "US officials" in content and "Iraqi officials" in content


def test_telegram_claim_page_draws_chain_and_denial(editor_client, seed):
    claim = seed.telegram_claim
    response = editor_client.get(reverse("admin:claims_claim_change", args=[claim.pk]))
    assert response.status_code == 200
    content = response.content.decode()
    # The panel is the reader's report entry (the same markup), drawn from the stored
    # document: the chain, and the denial under the hop it contests.
    assert TELEGRAM_CHAIN in content
    assert "fabricated news" in content
    assert '<span class="dispute-kind">authorship denied</span>' in content
    assert f"/reports/claims/{claim.pk}/" in content
    assert "6: truth cannot be judged" in content  # credibility shown with the claim


def test_researcher_cannot_enter_admin(client, researcher, seed):
    client.force_login(researcher)
    for url in [
        reverse("admin:index"),
        reverse("admin:claims_claim_changelist"),
        reverse("admin:claims_claim_change", args=[seed.telegram_claim.pk]),
    ]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


def test_anonymous_is_sent_to_login(client, seed):
    response = client.get(reverse("admin:claims_claim_changelist"))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_every_tracker_admin_page_renders_for_editor(editor_client, seed):
    hop = seed.telegram_claim.attributions.order_by("id").first()
    dispute = seed.telegram_claim.disputes.get()
    topic = seed.telegram_claim.topics.first()
    for name, args in [
        ("claims_attribution_changelist", []),
        ("claims_attribution_change", [hop.pk]),
        ("claims_attribution_add", []),
        ("claims_dispute_changelist", []),
        ("claims_dispute_change", [dispute.pk]),
        ("claims_topic_changelist", []),
        ("claims_topic_change", [topic.pk]),
        ("claims_claim_add", []),
    ]:
        response = editor_client.get(reverse(f"admin:{name}", args=args))
        assert response.status_code == 200, name


# ---------------------------------------------------------------------------- chain lines


def test_chain_lines_create_hops_with_cites_and_relations(editor_client, seed):
    data = add_page_data(
        editor_client,
        text="Officials said a new drone attack happened",
        chain_lines="US officials + Iraqi officials → Reuters → Antiwar.com",
    )
    response = editor_client.post(reverse("admin:claims_claim_add"), data)
    assert response.status_code == 302, form_errors(response)
    claim = Claim.objects.get(text="Officials said a new drone attack happened")
    hops = {hop.source.slug: hop for hop in claim.attributions.select_related("source")}
    assert sorted(hops) == ["antiwarcom", "iraqi-officials", "reuters", "us-officials"]
    assert hops["us-officials"].relation == "asserts" and hops["us-officials"].is_origin
    assert hops["iraqi-officials"].relation == "asserts" and hops["iraqi-officials"].is_origin
    assert hops["reuters"].relation == "paraphrases"
    assert set(hops["reuters"].cites.all()) == {hops["us-officials"], hops["iraqi-officials"]}
    assert list(hops["antiwarcom"].cites.all()) == [hops["reuters"]]
    # The provenance picture on the new claim's page reads like the report.
    page = editor_client.get(reverse("admin:claims_claim_change", args=[claim.pk]))
    assert "US officials → Reuters → Antiwar.com" in page.content.decode()
    assert "Iraqi officials → Reuters → Antiwar.com" in page.content.decode()


def test_chain_lines_arrow_ascii_and_slugs_work(editor_client, seed):
    data = add_page_data(
        editor_client, text="Slug chain", chain_lines="pentagon-official -> REUTERS"
    )
    response = editor_client.post(reverse("admin:claims_claim_add"), data)
    assert response.status_code == 302, form_errors(response)
    claim = Claim.objects.get(text="Slug chain")
    assert [h.source.name for h in claim.attributions.order_by("id")] == [
        "Pentagon official",
        "Reuters",
    ]


def test_chain_lines_unknown_name_is_form_error_and_saves_nothing(editor_client, seed):
    claims, hops = Claim.objects.count(), Attribution.objects.count()
    data = add_page_data(
        editor_client, text="Misspelt chain", chain_lines="US oficials → Reuters → Antiwar.com"
    )
    response = editor_client.post(reverse("admin:claims_claim_add"), data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["chain_lines"]
    assert "No source “US oficials”" in errors[0]
    assert "Did you mean: US officials" in errors[0]
    assert "Did you mean: US officials" in response.content.decode()
    assert (Claim.objects.count(), Attribution.objects.count()) == (claims, hops)


def test_chain_lines_on_existing_claim_reuse_hops(editor_client, seed):
    claim = seed.telegram_claim
    before = claim.attributions.count()
    url = reverse("admin:claims_claim_change", args=[claim.pk])
    data = formset_post_data(editor_client.get(url))
    data["chain_lines"] = TELEGRAM_CHAIN + " → Stars and Stripes"
    response = editor_client.post(url, data)
    assert response.status_code == 302, form_errors(response)
    assert claim.attributions.count() == before + 1
    newest = claim.attributions.order_by("-id").first()
    assert newest.source.name == "Stars and Stripes"
    assert [c.source.name for c in newest.cites.all()] == ["Antiwar.com"]


# ---------------------------------------------------------------------------- inline rules


@pytest.fixture
def two_hop_claim(db):
    claim = ClaimFactory(text="Two hops")
    origin = AttributionFactory(claim=claim, source=SourceFactory(name="Origin desk"))
    relay = AttributionFactory(claim=claim, source=SourceFactory(name="Relay desk"), cites=[origin])
    return claim, origin, relay


def _row_index(data: dict, prefix: str, pk: int) -> int:
    for key, value in data.items():
        if key.startswith(prefix + "-") and key.endswith("-id") and value == str(pk):
            return int(key.split("-")[1])
    raise KeyError(pk)


def test_inline_cycle_is_form_error_and_nothing_saved(editor_client, two_hop_claim):
    claim, origin, relay = two_hop_claim
    url = reverse("admin:claims_claim_change", args=[claim.pk])
    response = editor_client.get(url)
    data = formset_post_data(response)
    prefix = prefixes(response)[Attribution]
    index = _row_index(data, prefix, origin.pk)
    data[f"{prefix}-{index}-cites"] = [str(relay.pk)]
    data[f"{prefix}-{index}-relation"] = "quotes"
    response = editor_client.post(url, data)
    assert response.status_code == 200
    assert "provenance cannot go in circles" in form_errors(response)
    assert list(origin.cites.all()) == []
    assert Attribution.objects.get(pk=origin.pk).relation == "asserts"


def test_inline_can_swap_direction_in_one_save(editor_client, two_hop_claim):
    """Origin and relay trade places: the final graph has no loop, so the save goes through."""
    claim, origin, relay = two_hop_claim
    url = reverse("admin:claims_claim_change", args=[claim.pk])
    response = editor_client.get(url)
    data = formset_post_data(response)
    prefix = prefixes(response)[Attribution]
    i_origin, i_relay = _row_index(data, prefix, origin.pk), _row_index(data, prefix, relay.pk)
    data[f"{prefix}-{i_origin}-cites"] = [str(relay.pk)]
    data[f"{prefix}-{i_origin}-relation"] = ""  # auto: paraphrases, since it now cites
    data.pop(f"{prefix}-{i_relay}-cites", None)
    data[f"{prefix}-{i_relay}-relation"] = ""  # auto: asserts, since it now cites nothing
    response = editor_client.post(url, data)
    assert response.status_code == 302, form_errors(response)
    origin.refresh_from_db()
    relay.refresh_from_db()
    assert (origin.is_origin, origin.relation) == (False, "paraphrases")
    assert (relay.is_origin, relay.relation) == (True, "asserts")
    assert list(origin.cites.all()) == [relay]


def test_inline_cross_claim_cite_is_form_error(editor_client, two_hop_claim):
    claim, origin, relay = two_hop_claim
    stranger = AttributionFactory(claim=ClaimFactory(text="Another claim"))
    hops = Attribution.objects.count()
    url = reverse("admin:claims_claim_change", args=[claim.pk])
    response = editor_client.get(url)
    data = formset_post_data(response)
    prefix = prefixes(response)[Attribution]
    add_row(
        data,
        prefix,
        {"source": str(relay.source_id), "cites": [str(stranger.pk)], "relation": "quotes"},
    )
    response = editor_client.post(url, data)
    assert response.status_code == 200
    errors = form_errors(response)
    assert f"Hop #{stranger.pk} belongs to claim #{stranger.claim_id}" in errors
    assert Attribution.objects.count() == hops


def test_inline_origin_must_assert(editor_client, two_hop_claim):
    claim, origin, relay = two_hop_claim
    url = reverse("admin:claims_claim_change", args=[claim.pk])
    response = editor_client.get(url)
    data = formset_post_data(response)
    prefix = prefixes(response)[Attribution]
    data[f"{prefix}-{_row_index(data, prefix, origin.pk)}-relation"] = "quotes"
    response = editor_client.post(url, data)
    assert response.status_code == 200
    assert "A hop that cites nothing is an origin and asserts" in form_errors(response)


def test_dispute_inline_targeting_other_claims_hop_is_form_error(editor_client, seed):
    claim = seed.drone_claim
    foreign_hop = seed.telegram_claim.attributions.order_by("id").first()
    disputes = Dispute.objects.count()
    url = reverse("admin:claims_claim_change", args=[claim.pk])
    response = editor_client.get(url)
    data = formset_post_data(response)
    add_row(
        data,
        prefixes(response)[Dispute],
        {
            "disputed_by": str(seed.source("kataib-hezbollah").pk),
            "kind": "denial",
            "target": str(foreign_hop.pk),
            "resolution": "open",
        },
    )
    response = editor_client.post(url, data)
    assert response.status_code == 200
    assert "a dispute can contest only a hop of its own claim" in form_errors(response)
    assert Dispute.objects.count() == disputes


def test_dispute_inline_records_dispute_and_marks_claim_disputed(editor_client, seed):
    claim = seed.drone_claim
    target = claim.attributions.order_by("id").first()
    url = reverse("admin:claims_claim_change", args=[claim.pk])
    response = editor_client.get(url)
    data = formset_post_data(response)
    add_row(
        data,
        prefixes(response)[Dispute],
        {
            "disputed_by": str(seed.source("kataib-hezbollah").pk),
            "kind": "contradiction",
            "target": str(target.pk),
            "quote": "no drone was launched",
            "resolution": "open",
        },
    )
    response = editor_client.post(url, data)
    assert response.status_code == 302, form_errors(response)
    claim.refresh_from_db()
    assert (claim.is_disputed, claim.dispute_count) == (True, 1)
    assert claim.disputes.get().quote == "no drone was launched"


def test_deleting_contested_hop_inline_is_form_error(editor_client, seed):
    claim = seed.telegram_claim
    dispute = claim.disputes.get()
    url = reverse("admin:claims_claim_change", args=[claim.pk])
    response = editor_client.get(url)
    data = formset_post_data(response)
    prefix = prefixes(response)[Attribution]
    data[f"{prefix}-{_row_index(data, prefix, dispute.target_id)}-DELETE"] = "on"
    response = editor_client.post(url, data)
    assert response.status_code == 200
    errors = form_errors(response)
    # The hop row says what rests on it; the dispute row says its target is going.
    assert "authorship denial by Kataib Hezbollah" in errors
    assert f"Hop #{dispute.target_id} is being deleted." in errors
    assert Attribution.objects.filter(pk=dispute.target_id).exists()


def test_deleting_last_hop_inline_goes_through_service(editor_client, seed):
    claim = seed.telegram_claim
    last = claim.attributions.order_by("-id").first()  # Antiwar.com: nothing cites it
    url = reverse("admin:claims_claim_change", args=[claim.pk])
    response = editor_client.get(url)
    data = formset_post_data(response)
    prefix = prefixes(response)[Attribution]
    data[f"{prefix}-{_row_index(data, prefix, last.pk)}-DELETE"] = "on"
    response = editor_client.post(url, data)
    assert response.status_code == 302, form_errors(response)
    assert not Attribution.objects.filter(pk=last.pk).exists()


# ---------------------------------------------------------------------------- verdict, history


def test_verdict_edit_sets_reviewer_and_records_history(editor_client, editor, seed):
    claim = seed.telegram_claim
    versions = claim.history.count()
    url = reverse("admin:claims_claim_change", args=[claim.pk])
    data = formset_post_data(editor_client.get(url))
    data["verdict"] = "misattributed"
    data["verdict_explanation"] = "Kataib Hezbollah denied issuing the statement."
    response = editor_client.post(url, data)
    assert response.status_code == 302, form_errors(response)
    claim.refresh_from_db()
    assert claim.verdict == "misattributed"
    assert claim.reviewed_by == editor
    assert claim.reviewed_at is not None
    assert claim.history.count() == versions + 1
    latest = claim.history.first()
    assert latest.history_user == editor
    assert latest.verdict == "misattributed"

    history = editor_client.get(reverse("admin:claims_claim_history", args=[claim.pk]))
    assert history.status_code == 200
    content = history.content.decode()
    assert "misattributed" in content
    assert "editor" in content


def test_history_revert_is_refused(editor_client, seed):
    claim = seed.telegram_claim
    version = claim.history.last()
    url = reverse("admin:claims_claim_simple_history", args=[claim.pk, version.history_id])
    assert editor_client.get(url).status_code == 200
    assert editor_client.post(url, {"text": "rewritten"}).status_code == 403
    claim.refresh_from_db()
    assert claim.text == TELEGRAM_TEXT


def test_plain_edit_goes_through_service_and_keeps_derived_columns(editor_client, seed):
    claim = seed.telegram_claim
    url = reverse("admin:claims_claim_change", args=[claim.pk])
    data = formset_post_data(editor_client.get(url))
    data["location"] = "Iraq"
    response = editor_client.post(url, data)
    assert response.status_code == 302, form_errors(response)
    claim.refresh_from_db()
    assert claim.location == "Iraq"
    assert claim.reviewed_by is None
    assert (claim.is_disputed, claim.dispute_count) == (True, 1)


# ---------------------------------------------------------------------------- changelist


def _listed(response) -> set[str]:
    return {claim.text for claim in response.context["cl"].result_list}


def test_changelist_disputed_filter(editor_client, seed):
    url = reverse("admin:claims_claim_changelist")
    assert _listed(editor_client.get(url, {"disputed": "yes"})) == {TELEGRAM_TEXT}
    not_disputed = _listed(editor_client.get(url, {"disputed": "no"}))
    assert len(not_disputed) == 8 and TELEGRAM_TEXT not in not_disputed


def test_changelist_origin_kind_filter(editor_client, seed):
    url = reverse("admin:claims_claim_changelist")
    assert _listed(editor_client.get(url, {"origin_kind": "social_channel"})) == {TELEGRAM_TEXT}
    officials = _listed(editor_client.get(url, {"origin_kind": "official"}))
    assert officials == {
        DRONE_TEXT,
        "Five rockets were fired at a US base in Rumalyn, northeast Syria",
        "The attacks were the first since a pause that began in February",
        "A coalition fighter jet struck a rocket launcher",
    }


def test_changelist_search_finds_hop_quotes(editor_client, seed):
    url = reverse("admin:claims_claim_changelist")
    listed = _listed(editor_client.get(url, {"q": "nearly three-month pause"}))
    assert listed == {"The attacks were the first since a pause that began in February"}


def test_changelist_runs_constant_queries(editor_client, seed, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = reverse("admin:claims_claim_changelist")
    Claim.objects.exclude(pk=seed.drone_claim.pk).delete()
    editor_client.get(url)  # warm the session and content-type caches
    with CaptureQueriesContext(connection) as one:
        assert len(editor_client.get(url).context["cl"].result_list) == 1
    for n in range(5):
        claim = ClaimFactory(text=f"Extra claim {n}")
        origin = AttributionFactory(claim=claim)
        AttributionFactory(claim=claim, cites=[origin])
    with CaptureQueriesContext(connection) as six:
        assert len(editor_client.get(url).context["cl"].result_list) == 6
    assert len(six) == len(one), [q["sql"] for q in six.captured_queries]


# ---------------------------------------------------------------------------- autocomplete


def _suggest(client, referer: str, field="cites", model="attribution", term="Reuters"):
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "claims", "model_name": model, "field_name": field, "term": term},
        HTTP_REFERER=referer,
    )
    assert response.status_code == 200
    return [row["text"] for row in response.json()["results"]]


def test_hop_autocomplete_offers_only_the_claims_own_hops(editor_client, seed):
    claim = seed.telegram_claim
    page = "http://testserver" + reverse("admin:claims_claim_change", args=[claim.pk])
    reuters = claim.attributions.get(source__slug="reuters")
    # Antiwar.com's hop quotes "Reuters initially reported", so it matches too.
    antiwar = claim.attributions.get(source__slug="antiwarcom")
    assert _suggest(editor_client, page) == [str(reuters), str(antiwar)]
    target_page = "http://testserver" + reverse(
        "admin:claims_dispute_change", args=[claim.disputes.get().pk]
    )
    assert _suggest(editor_client, target_page, field="target", model="dispute") == [
        str(reuters),
        str(antiwar),
    ]
    # By hop number too.
    assert _suggest(editor_client, page, term=f"#{reuters.pk}") == [str(reuters)]
    # A new claim has no hops to offer; an unknown page gets every match.
    add_page = "http://testserver" + reverse("admin:claims_claim_add")
    assert _suggest(editor_client, add_page) == []
    everywhere = _suggest(editor_client, "", term="reuters")
    assert len({text.split(" on claim #")[1] for text in everywhere}) > 1


def test_claim_history_page_lists_hop_and_dispute_changes(editor_client, editor, seed):
    claim = seed.telegram_claim
    dispute = claim.disputes.get()
    url = reverse("admin:claims_dispute_change", args=[dispute.pk])
    response = editor_client.get(url)
    data = {
        k: v for k, v in response.context["adminform"].form.initial.items() if v not in (None, "")
    }
    data.update(resolution="upheld", resolution_note="Kataib Hezbollah's denial stands.")
    response = editor_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    dispute.refresh_from_db()
    assert dispute.resolution == "upheld"
    assert dispute.history.first().history_user == editor

    history = editor_client.get(reverse("admin:claims_claim_history", args=[claim.pk]))
    content = history.content.decode()
    assert "Hops and disputes of this claim" in content
    assert f"dispute #{dispute.pk} · authorship denial by Kataib Hezbollah" in content
    assert "upheld" in content
    rows = history.context["part_history"]
    assert rows[0]["user"] == editor and rows[0]["action"] == "changed"


def test_new_hop_row_cites_existing_hop(editor_client, two_hop_claim):
    claim, origin, relay = two_hop_claim
    reporter = SourceFactory(name="Late reporter")
    url = reverse("admin:claims_claim_change", args=[claim.pk])
    response = editor_client.get(url)
    data = formset_post_data(response)
    add_row(
        data,
        prefixes(response)[Attribution],
        {"source": str(reporter.pk), "cites": [str(relay.pk)], "quote": "as Relay desk said"},
    )
    response = editor_client.post(url, data)
    assert response.status_code == 302, form_errors(response)
    hop = claim.attributions.get(source=reporter)
    assert (hop.relation, hop.is_origin, list(hop.cites.all())) == ("paraphrases", False, [relay])
    assert hop.history.first().history_user.username == "editor"


def test_hop_admin_page_applies_the_same_rules(editor_client, two_hop_claim):
    claim, origin, relay = two_hop_claim
    url = reverse("admin:claims_attribution_change", args=[origin.pk])
    response = editor_client.post(
        url,
        {"source": str(origin.source_id), "cites": [str(relay.pk)], "relation": "quotes"},
    )
    assert response.status_code == 200
    assert "provenance cannot go in circles" in str(response.context["adminform"].form.errors)
    assert list(origin.cites.all()) == []

    # Deleting a hop that another hop cites is refused with the reference named.
    response = editor_client.post(
        reverse("admin:claims_attribution_delete", args=[origin.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert Attribution.objects.filter(pk=origin.pk).exists()
    page = editor_client.get(response["Location"])
    assert f"hop #{relay.pk} (cites it)" in page.content.decode()


def test_claim_delete_goes_through_service(editor_client, two_hop_claim):
    claim, origin, relay = two_hop_claim
    response = editor_client.post(
        reverse("admin:claims_claim_delete", args=[claim.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not Claim.objects.filter(pk=claim.pk).exists()
    assert not Attribution.objects.filter(pk__in=[origin.pk, relay.pk]).exists()
