"""The API docs work in a real browser, offline, under the Content-Security-Policy."""

import pytest

pytestmark = pytest.mark.browser


def test_swagger_ui_renders_the_claim_filters_with_no_csp_violation(page, demo_server, artifacts):
    from django.contrib.auth import get_user_model

    get_user_model().objects.create_user("researcher", password="pw-researcher-browser")
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    failed: list[str] = []
    page.on("requestfailed", lambda req: failed.append(req.url))

    page.goto(f"{demo_server.url}/login/?next=/api/v1/docs/")
    page.fill("#id_username", "researcher")
    page.fill("#id_password", "pw-researcher-browser")
    page.click("form.login-form button[type=submit]")
    page.wait_for_url(f"{demo_server.url}/api/v1/docs/")

    operation = page.locator("#operations-claims-claims_list")
    operation.wait_for(state="visible")
    operation.locator(".opblock-summary").click()
    page.get_by_text("source_family", exact=True).first.wait_for(state="visible")
    page.screenshot(path=str(artifacts / "api-docs.png"), full_page=False)

    assert not [p for p in problems if "Content Security Policy" in p], problems
    assert not [u for u in failed if not u.startswith(demo_server.url)], failed
