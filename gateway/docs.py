"""The API's documentation pages, `/docs` (Swagger UI) and `/redoc` (ReDoc), served whole by the gateway.

FastAPI's page helpers point at a public CDN by default (and ReDoc at Google Fonts), so the pages
are blank on a machine without internet and slow where that CDN is unreachable. Here the pages'
JavaScript, CSS and icon come from the gateway itself, out of the `fastapi-offline` package
(pinned in pyproject.toml), which ships Swagger UI's `swagger-ui-bundle.js` / `swagger-ui.css` and
ReDoc's `redoc.standalone.js` (for 1.7.7: Swagger UI 5.32.6, ReDoc 2.5.3).

The assets live under `/docs/assets/<fingerprint>/<file>`, the fingerprint being a hash of the
files' contents: an upgrade of the package changes the path, so the assets can be cached for a year
as `immutable`, while the HTML pages (`/docs`, `/redoc`, `/docs/oauth2-redirect`) are `no-cache`
(they name the current fingerprint) and carry a Content-Security-Policy that keeps the browser from
loading or calling anything but the gateway. Scripts and stylesheets are sent gzip-compressed to
browsers that accept it (compressed once, on first request).
"""

from __future__ import annotations

import asyncio
import base64
import gzip
import hashlib
import re
from dataclasses import dataclass, field
from importlib.resources import files
from typing import Any

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse
from starlette.responses import Response

from chanjiao.errors import NotFound

OPENAPI_URL = "/openapi.json"
SWAGGER_URL = "/docs"
REDOC_URL = "/redoc"
OAUTH2_REDIRECT = "/docs/oauth2-redirect"
ASSETS_URL = "/docs/assets"

ASSETS_PACKAGE = "fastapi_offline"
# file name in the package's `static/` → media type
ASSET_FILES: dict[str, str] = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "redoc.standalone.js": "text/javascript; charset=utf-8",
    "favicon.png": "image/png",
}
IMMUTABLE = "public, max-age=31536000, immutable"
PAGE_CACHE = "no-cache"

SWAGGER_TITLE = "Chanjiao 产教 API — Swagger UI"
REDOC_TITLE = "Chanjiao 产教 API — ReDoc"
# Swagger UI's options. `persistAuthorization` keeps what was entered under Authorize across reloads;
# `validatorUrl: null` turns off the badge that would ask validator.swagger.io about the document.
SWAGGER_PARAMETERS: dict[str, Any] = {"persistAuthorization": True, "validatorUrl": None}


@dataclass
class Asset:
    body: bytes
    media_type: str
    etag: str
    gzipped: bytes | None = field(default=None, repr=False)

    @property
    def compressible(self) -> bool:
        return not self.media_type.startswith("image/")


class DocsAssets:
    """The documentation pages' static files, read once from the package, with a content fingerprint."""

    def __init__(self, package: str = ASSETS_PACKAGE) -> None:
        static = files(package).joinpath("static")
        digest = hashlib.sha256()
        self.assets: dict[str, Asset] = {}
        for name, media_type in ASSET_FILES.items():
            body = static.joinpath(name).read_bytes()
            digest.update(name.encode() + b"\0" + body)
            self.assets[name] = Asset(body, media_type, etag=f'"{hashlib.sha256(body).hexdigest()[:32]}"')
        self.fingerprint = digest.hexdigest()[:16]

    def url(self, name: str) -> str:
        return f"{ASSETS_URL}/{self.fingerprint}/{name}"

    async def response(self, fingerprint: str, name: str, request: Request) -> Response:
        asset = self.assets.get(name)
        if fingerprint != self.fingerprint or asset is None:
            raise NotFound(detail_zh="没有这个文档页面资源", detail_en="No such documentation asset")
        headers = {"Cache-Control": IMMUTABLE, "ETag": asset.etag, "X-Content-Type-Options": "nosniff"}
        if asset.compressible:
            headers["Vary"] = "Accept-Encoding"
        if asset.etag in request.headers.get("if-none-match", ""):
            return Response(status_code=304, headers=headers)
        body = asset.body
        if asset.compressible and _accepts_gzip(request.headers.get("accept-encoding", "")):
            if asset.gzipped is None:
                # Once per asset and process, off the event loop (the Swagger UI bundle is ~1.5 MB).
                asset.gzipped = await asyncio.to_thread(gzip.compress, asset.body, 6, mtime=0)
            body = asset.gzipped
            headers["Content-Encoding"] = "gzip"
        return Response(body, media_type=asset.media_type, headers=headers)


def _accepts_gzip(accept_encoding: str) -> bool:
    """Whether `Accept-Encoding` admits gzip (`gzip` or `*`, not with `q=0`)."""
    for part in accept_encoding.lower().split(","):
        coding, *params = (p.strip() for p in part.split(";"))
        if coding in ("gzip", "*"):
            for p in params:
                if p.startswith("q="):
                    try:
                        return float(p[2:]) > 0
                    except ValueError:
                        return False
            return True
    return False


@dataclass(frozen=True)
class Page:
    """A documentation page, built once: its HTML and its headers (no-cache, a Content-Security-Policy)."""

    body: bytes
    headers: dict[str, str]

    def response(self) -> Response:
        return Response(self.body, media_type="text/html; charset=utf-8", headers=self.headers)


INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def page(html: HTMLResponse, *, allow_blob_workers: bool = False) -> Page:
    """The page with a Content-Security-Policy that lets it load and call nothing but this gateway:
    the browser refuses any other host, whatever a bundle asks for (ReDoc's footer, for one, shows
    an image from its vendor's CDN). Inline scripts are allowed by hash only; the UIs set inline styles."""
    body = bytes(html.body)
    hashes = [
        "'sha256-" + base64.b64encode(hashlib.sha256(m.encode()).digest()).decode() + "'"
        for m in INLINE_SCRIPT.findall(body.decode())
    ]
    policy = {
        "default-src": ["'none'"],
        "script-src": ["'self'", *hashes],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "worker-src": ["'self'", "blob:"] if allow_blob_workers else ["'self'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'self'"],
    }
    csp = "; ".join(f"{k} {' '.join(v)}" for k, v in policy.items())
    return Page(
        body,
        {"Cache-Control": PAGE_CACHE, "Content-Security-Policy": csp, "X-Content-Type-Options": "nosniff"},
    )


def install_docs(app: FastAPI, assets: DocsAssets | None = None) -> DocsAssets:
    """Add `/docs`, its OAuth2 redirect page, `/redoc` and their assets to the gateway's own app."""
    assets = assets or DocsAssets()
    # The Authorize button: OAuth2 password grant against /v1/auth/token, or an API key.
    swagger_page = page(
        get_swagger_ui_html(
            openapi_url=OPENAPI_URL,
            title=SWAGGER_TITLE,
            swagger_js_url=assets.url("swagger-ui-bundle.js"),
            swagger_css_url=assets.url("swagger-ui.css"),
            swagger_favicon_url=assets.url("favicon.png"),
            oauth2_redirect_url=OAUTH2_REDIRECT,
            swagger_ui_parameters=SWAGGER_PARAMETERS,
        )
    )
    redirect_page = page(get_swagger_ui_oauth2_redirect_html())
    # ReDoc runs its search index in a worker started from a blob: URL.
    redoc_page = page(
        get_redoc_html(
            openapi_url=OPENAPI_URL,
            title=REDOC_TITLE,
            redoc_js_url=assets.url("redoc.standalone.js"),
            redoc_favicon_url=assets.url("favicon.png"),
            with_google_fonts=False,
        ),
        allow_blob_workers=True,
    )

    @app.get(SWAGGER_URL, include_in_schema=False)
    async def swagger() -> Response:
        return swagger_page.response()

    @app.get(OAUTH2_REDIRECT, include_in_schema=False)
    async def swagger_redirect() -> Response:
        return redirect_page.response()

    @app.get(REDOC_URL, include_in_schema=False)
    async def redoc() -> Response:
        return redoc_page.response()

    @app.get(ASSETS_URL + "/{fingerprint}/{name}", include_in_schema=False)
    async def docs_asset(fingerprint: str, name: str, request: Request) -> Response:
        return await assets.response(fingerprint, name, request)

    return assets
