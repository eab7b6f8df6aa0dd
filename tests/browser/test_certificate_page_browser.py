"""The certificate verification page in a real headless Chromium with JavaScript switched off, as a phone opens it
from the QR code: it renders from the server alone, shows the status in large type, in Chinese for a Chinese
browser and in English for an English one, and loads nothing from anywhere else."""

from __future__ import annotations

from datetime import date
from typing import Any

from tests.browser.conftest import LiveGateway
from tests.training.certificate_verify_support import change_status, issue, training_app


async def _school(platform) -> str:
    r = await platform.client.post(
        "/v1/organizations", json={"name": "浏览器核验学校", "org_type": "higher_vocational", "region_code": "370702"}
    )
    assert r.status_code == 201, r.text
    return r.json()["id"]


async def _open(chromium_path: str, url: str, locale: str, outside: list[str]) -> tuple[int, dict[str, Any]]:
    from playwright.async_api import async_playwright

    from tests.browser.conftest import CHROMIUM_ARGS

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS)
        try:
            context = await browser.new_context(java_script_enabled=False, locale=locale)
            origin = url.split("/v1/", 1)[0] + "/"

            async def only_the_gateway(route: Any) -> None:
                if route.request.url.startswith(origin):
                    await route.continue_()
                else:
                    outside.append(route.request.url)
                    await route.abort()

            await context.route("**/*", only_the_gateway)
            page = await context.new_page()
            response = await page.goto(url)
            assert response is not None
            status = page.locator("#status")
            seen = {
                "status": (await status.inner_text()).strip(),
                "font_px": float(await status.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")),
                "body_px": float(await page.evaluate("() => parseFloat(getComputedStyle(document.body).fontSize)")),
                "text": await page.locator("body").inner_text(),
                "title": await page.title(),
                "scripts": await page.locator("script").count(),
                "lang": await page.locator("html").get_attribute("lang"),
            }
            await context.close()
            return response.status, seen
        finally:
            await browser.close()


async def test_the_verification_page_renders_without_javascript_with_the_status_in_large_type(
    chromium_path: str, live_gateway: LiveGateway, platform
) -> None:
    app = training_app(platform)
    cert = await issue(
        app,
        holder_org_id=await _school(platform),
        kind="skill_level",
        level="四级/中级工",
        holder_name="李建国",
        occupation_name="焊工",
        valid_until=None,
        next_review_on=None,
    )
    url = f"{live_gateway.url}/v1/certificates/verify?code={cert.code}"

    outside: list[str] = []
    status, zh = await _open(chromium_path, url, "zh-CN", outside)
    assert status == 200
    assert zh["status"] == "有效" and zh["lang"] == "zh-CN" and zh["title"] == "证书核验"
    assert zh["font_px"] >= 2.5 * zh["body_px"], zh
    assert "李*国" in zh["text"] and "焊工" in zh["text"] and "四级/中级工" in zh["text"] and "李建国" not in zh["text"]
    assert zh["scripts"] == 0

    await change_status(app, cert.id, "revoked", "重复发证，予以撤销", date(2026, 12, 1))
    status, en = await _open(chromium_path, url, "en-US", outside)
    assert status == 200 and en["status"] == "revoked" and en["lang"] == "en"
    assert "重复发证，予以撤销" in en["text"] and "Certificate verification" in en["title"]
    assert en["font_px"] >= 2.5 * en["body_px"]

    status, missing = await _open(
        chromium_path, f"{live_gateway.url}/v1/certificates/verify?code=nope", "zh-CN", outside
    )
    assert status == 404 and missing["status"] == "未找到该证书"
    assert outside == [], "the page loads from other hosts"
