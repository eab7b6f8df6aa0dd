"""/docs and /redoc in a real headless Chromium that can reach nothing but the gateway: the pages
render the whole platform's operations, Swagger UI's "Try it out" calls the API, its Authorize
button logs in with the OAuth2 password grant and keeps the login across a reload
(`persistAuthorization`). Any request to another host is refused and recorded, and each page's
Content-Security-Policy keeps the browser from even trying (see gateway/docs.py)."""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import LiveGateway
from tests.gateway.conftest import BOOTSTRAP_ADMIN

METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


class Console:
    """What the page said: uncaught errors and Content-Security-Policy refusals."""

    def __init__(self, page: Any) -> None:
        self.errors: list[str] = []
        self.refused: list[str] = []
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("console", self._console)

    def _console(self, message: Any) -> None:
        if "Content Security Policy" in message.text:
            self.refused.append(message.text)


async def operation_count(platform) -> int:
    doc = (await platform.anonymous.get("/openapi.json")).json()
    assert "x-unavailable-services" not in doc["info"]
    return sum(1 for item in doc["paths"].values() for m in item if m in METHODS)


async def execute(op: Any) -> tuple[str, str]:
    """Click Execute in an expanded operation; the status and body of the answer it shows."""
    await op.get_by_role("button", name="Execute").click()
    row = op.locator(".live-responses-table tbody .response").first
    await row.wait_for()
    status = (await row.locator(".response-col_status").inner_text()).strip()
    body = await row.locator(".response-col_description pre.microlight").first.inner_text()
    return status, body


async def test_swagger_ui_lists_the_operations_runs_a_call_and_keeps_the_login(
    browser, live_gateway: LiveGateway, platform
):
    expected = await operation_count(platform)
    page = await browser.new_page()
    console = Console(page)
    await page.goto(live_gateway.url + "/docs")  # returns once the page's scripts have loaded (or failed)
    assert live_gateway.outside == [], "the page loads from other hosts"
    await page.locator(".opblock").first.wait_for()
    assert await page.locator(".opblock").count() == expected

    # A public call: "Try it out" on one of the reference tables.
    op = page.locator("#operations-reference-reference_get_region")
    await op.locator(".opblock-summary").click()
    await op.get_by_role("button", name="Try it out").click()
    await op.locator('tr[data-param-name="code"] input').fill("370303")
    status, body = await execute(op)
    assert status == "200" and '"name": "张店区"' in body

    # Authorize: the OAuth2 password grant against /v1/auth/token, as a person would fill it in.
    login, password = BOOTSTRAP_ADMIN
    await page.locator(".auth-wrapper .btn.authorize").click()
    oauth = page.locator(".auth-container").filter(has_text="OAuth2Password")
    await oauth.locator("#oauth_username").fill(login)
    await oauth.locator("#oauth_password").fill(password)
    await oauth.get_by_role("button", name="Apply given OAuth2 credentials").click()
    await oauth.get_by_role("button", name="Remove authorization").wait_for()  # "Logout": logged in
    await oauth.locator("button.btn-done").click()
    me = page.locator("#operations-users-users_get_me")
    await me.locator(".opblock-summary").click()
    await me.get_by_role("button", name="Try it out").click()
    status, body = await execute(me)
    assert status == "200", body
    assert f'"login": "{login}"' in body

    # persistAuthorization: on a new visit of the page the token is still used.
    await page.goto(live_gateway.url + "/docs")  # not reload(): the deep link would open the operation
    await page.locator(".opblock").first.wait_for()
    me = page.locator("#operations-users-users_get_me")
    await me.locator(".opblock-summary").click()
    await me.get_by_role("button", name="Try it out").click()
    status, body = await execute(me)
    assert status == "200", body

    assert live_gateway.outside == [], "the page sent requests to other hosts"
    assert console.errors == [] and console.refused == []


async def test_redoc_renders_every_operation(browser, live_gateway: LiveGateway, platform):
    expected = await operation_count(platform)
    page = await browser.new_page()
    console = Console(page)
    await page.goto(live_gateway.url + "/redoc")
    assert live_gateway.outside == [], "the page loads from other hosts"
    operations = page.locator('[data-section-id^="operation/"]')
    await operations.first.wait_for()
    assert await operations.count() == expected
    region = page.locator('[data-section-id="operation/reference_get_region"]')
    assert "/v1/reference/regions/{code}" in await region.inner_text()

    assert live_gateway.outside == [], "the page sent requests to other hosts"
    assert console.errors == []
    # ReDoc 2.5's sidebar footer shows its vendor's logo from a CDN; the page's policy refuses it
    # (the image hides itself), so nothing leaves the browser. Nothing else is refused.
    assert all("cdn.redoc.ly/redoc/logo-mini.svg" in r and "img-src" in r for r in console.refused), console.refused
