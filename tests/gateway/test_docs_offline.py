"""/docs and /redoc need nothing but the gateway: the pages name no other host, and every script,
stylesheet and icon they load is served by the gateway (from the `fastapi-offline` package) under a
content-fingerprinted path, cached as immutable. The browser side is tests/browser/test_docs_browser.py."""

from __future__ import annotations

import base64
import hashlib
import re
from importlib.resources import files

import pytest

from gateway.docs import ASSET_FILES, DocsAssets

PAGES = ("/docs", "/redoc", "/docs/oauth2-redirect")
# What FastAPI's page helpers load by default: a CDN, Google Fonts and FastAPI's site (for the icon).
OUTSIDE_HOSTS = ("cdn.jsdelivr.net", "unpkg.com", "fonts.googleapis.com", "fonts.gstatic.com", "fastapi.tiangolo.com")
LINKED = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", re.IGNORECASE)
ASSET_PATH = re.compile(r"^/docs/assets/([0-9a-f]{16})/([A-Za-z0-9_.-]+)$")


def shipped(name: str) -> bytes:
    return files("fastapi_offline").joinpath("static", name).read_bytes()


async def test_the_docs_pages_name_no_host_but_the_gateway(gateway):
    async with gateway() as client:
        for page in PAGES:
            r = await client.get(page)
            assert r.status_code == 200, page
            assert r.headers["content-type"].startswith("text/html")
            assert r.headers["cache-control"] == "no-cache", page  # they name the current asset fingerprint
            html = r.text
            for host in OUTSIDE_HOSTS:
                assert host not in html, f"{page} loads from {host}"
            assert "://" not in html, f"{page} names an absolute URL"
            for url in LINKED.findall(html):
                assert ASSET_PATH.match(url), f"{page} links {url}, not a gateway asset"
            # The browser itself is told to load and call nothing but the gateway.
            policy = dict(d.strip().split(" ", 1) for d in r.headers["content-security-policy"].split(";"))
            assert policy["default-src"] == "'none'"
            for directive in ("connect-src", "img-src", "font-src", "style-src"):
                assert "http" not in policy[directive] and "*" not in policy[directive], directive
            assert policy["connect-src"] == "'self'"
            inline = re.findall(r"<script>(.*?)</script>", html, re.DOTALL)
            hashes = {"'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'" for s in inline}
            assert set(policy["script-src"].split()) == {"'self'", *hashes}, page  # no 'unsafe-inline' / eval
        swagger = (await client.get("/docs")).text
        assert '"persistAuthorization": true' in swagger
        assert '"validatorUrl": null' in swagger  # no badge fetched from validator.swagger.io
        assert "oauth2RedirectUrl: window.location.origin + '/docs/oauth2-redirect'" in swagger
        assert "url: '/openapi.json'" in swagger
        redoc = (await client.get("/redoc")).text
        assert '<redoc spec-url="/openapi.json">' in redoc


async def test_every_asset_the_pages_load_is_served_and_cached_as_immutable(gateway):
    async with gateway() as client:
        linked: set[str] = set()
        for page in ("/docs", "/redoc"):
            linked |= set(LINKED.findall((await client.get(page)).text))
        names = {ASSET_PATH.match(u).group(2) for u in linked}
        assert names == set(ASSET_FILES), "the two pages load exactly the shipped assets"
        assert len({ASSET_PATH.match(u).group(1) for u in linked}) == 1
        for url in sorted(linked):
            name = ASSET_PATH.match(url).group(2)
            plain = await client.get(url, headers={"Accept-Encoding": "identity"})
            assert plain.status_code == 200, url
            assert plain.content == shipped(name)
            assert "content-encoding" not in plain.headers
            assert plain.headers["content-type"] == ASSET_FILES[name]
            assert plain.headers["cache-control"] == "public, max-age=31536000, immutable"
            assert plain.headers["x-content-type-options"] == "nosniff"
            etag = plain.headers["etag"]
            again = await client.get(url, headers={"If-None-Match": etag})
            assert again.status_code == 304 and again.content == b""
            assert again.headers["cache-control"] == "public, max-age=31536000, immutable"
            if name.endswith((".js", ".css")):
                packed = await client.get(url, headers={"Accept-Encoding": "gzip"})
                assert packed.headers["content-encoding"] == "gzip"
                assert packed.headers["vary"] == "Accept-Encoding"
                assert int(packed.headers["content-length"]) < len(shipped(name)) / 2
                assert packed.content == shipped(name)  # httpx decodes it
                refused = await client.get(url, headers={"Accept-Encoding": "gzip;q=0"})
                assert "content-encoding" not in refused.headers and refused.content == shipped(name)
        # The real Swagger UI 5 and ReDoc 2 bundles, not an empty placeholder.
        js = {ASSET_PATH.match(u).group(2): u for u in linked}
        assert b'PACKAGE_VERSION:"5.' in (await client.get(js["swagger-ui-bundle.js"])).content
        assert b'ReDoc Version: ","2.' in (await client.get(js["redoc.standalone.js"])).content


@pytest.mark.parametrize(
    "path",
    [
        "/docs/assets/0123456789abcdef/swagger-ui-bundle.js",  # a stale fingerprint
        "/docs/assets/{fp}/core.py",  # a file of the package that is no asset
        "/docs/assets/{fp}/swagger-ui.js",
        "/docs/assets/{fp}/..%2Fcore.py",
        "/docs/assets/{fp}",
    ],
)
async def test_anything_else_under_the_assets_path_is_a_404_problem(gateway, path):
    async with gateway() as client:
        html = (await client.get("/docs")).text
        fp = ASSET_PATH.match(LINKED.findall(html)[0]).group(1)
        r = await client.get(path.format(fp=fp), headers={"Accept-Language": "en"})
        assert r.status_code == 404
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["title"] == "Not found"
        assert (await client.get(path.format(fp=fp))).json()["title"] == "资源不存在"


def test_the_fingerprint_follows_the_files_contents(tmp_path, monkeypatch):
    """A package upgrade that changes any asset moves every asset to a new path."""
    shipped_fp = DocsAssets().fingerprint
    package = tmp_path / "docs_assets_copy"
    (package / "static").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    for name in ASSET_FILES:
        (package / "static" / name).write_bytes(shipped(name))
    monkeypatch.syspath_prepend(str(tmp_path))
    assert DocsAssets("docs_assets_copy").fingerprint == shipped_fp
    (package / "static" / "swagger-ui.css").write_bytes(shipped("swagger-ui.css") + b"\n/* 5.x.y */\n")
    changed = DocsAssets("docs_assets_copy")
    assert changed.fingerprint != shipped_fp
    assert changed.url("redoc.standalone.js") == f"/docs/assets/{changed.fingerprint}/redoc.standalone.js"
