"""Compression of answers at the gateway: Brotli or gzip, by the client's `Accept-Encoding`.

Every answer passes through `Compression.wrap` (proxied ones and the gateway's own). An answer is
compressed when all of these hold:

* the client accepts `br` or `gzip` (q-values honoured; on equal q Brotli wins; `q=0` refuses);
* its type is compressible (`COMPRESSIBLE_TYPES`, or any `+json`): JSON, problem+json, text,
  JavaScript, XML — not `.xlsx` (already a zip archive), PDFs or images;
* it has no `Content-Encoding` of its own, a body (not a HEAD, 204, 206 or 304) and at least
  `compression_min_bytes` (a streamed answer of unknown length is compressed as a stream);
* **it carries no secret** (BREACH: a secret in a compressed answer that also reflects attacker
  input can be guessed from the answer's size). The rule: nothing under `/v1/auth/` (tokens) and no
  answer marked `Cache-Control: no-store` — the services mark with it every answer that carries a
  secret or personal data: API-key creation, invitation and password-reset tokens, the token endpoints
  (`services/membership/identity/{api_keys,invitations,users,sessions}/router.py`), a learner's revealed ID
  number (`services/training/learners/router.py`).

Every answer of a compressible type carries `Vary: Accept-Encoding`, compressed or not. A compressed
answer's `ETag` gets the encoding inside the quotes (`"7"` → `"7-br"`, `W/"…"` → `W/"…-gzip"`), so
a cache never confuses two encodings; a suffixed tag the client sends back in `If-None-Match` or
`If-Match` is stripped before the request goes on (services know only their own tags), and a 304
answers with the tag as the client sent it.

Brotli runs at `brotli_quality` (4 by default; the library's default 11 is far too slow per
request), gzip at `gzip_level` (3 by default). Compression runs on the event loop: about 1–2 ms of
CPU for a 200 KB page. A streamed answer is compressed chunk by chunk with a flush after each
(memory stays bounded, and what the service has sent reaches the client). The cost is measured by
`bench/compression.py` (docs/benchmarks.md).
"""

from __future__ import annotations

import zlib

import brotli
from starlette.types import Message, Scope, Send

from gateway.settings import GatewaySettings

COMPRESSIBLE_TYPES = (
    b"application/json",
    b"application/problem+json",
    b"application/x-ndjson",
    b"application/javascript",
    b"application/xml",
    b"image/svg+xml",
    b"text/",
)
# Answers under these paths carry tokens: never compressed, whatever their headers.
NEVER_COMPRESS_PATHS = ("/v1/auth/",)
_SUFFIX = {"br": b"-br", "gzip": b"-gzip"}
_SUFFIXES = (b"-br", b"-gzip")
_NO_BODY = frozenset({204, 206, 304})


def negotiate(accept_encoding: bytes | None) -> str | None:
    """`br`, `gzip` or None for an `Accept-Encoding` value: the highest q wins, Brotli on a tie."""
    if not accept_encoding:
        return None
    weights: dict[str, float] = {}
    for part in accept_encoding.split(b","):
        token, *params = part.split(b";")
        name = token.strip().lower().decode("latin-1")
        if not name:
            continue
        weight = 1.0
        for param in params:
            key, _, value = param.partition(b"=")
            if key.strip().lower() == b"q":
                try:
                    weight = float(value.strip())
                except ValueError:
                    weight = 0.0
        weights["gzip" if name == "x-gzip" else name] = weight
    star = weights.get("*", 0.0)
    best, best_q = None, 0.0
    for encoding in ("br", "gzip"):
        q = weights.get(encoding, star)
        if q > best_q:
            best, best_q = encoding, q
    return best


def is_compressible(content_type: bytes) -> bool:
    media = content_type.split(b";", 1)[0].strip().lower()
    return media.endswith(b"+json") or media.startswith(COMPRESSIBLE_TYPES)


def strip_suffixes(value: bytes, sent: dict[bytes, bytes]) -> bytes:
    """An `If-None-Match`/`If-Match` list with the encoding suffixes removed; `sent` records, per
    stripped tag (without `W/`), the suffix the client had sent."""
    tags = []
    for raw in value.split(b","):
        tag = raw.strip()
        if tag.endswith(b'"'):
            for suffix in _SUFFIXES:
                if tag.endswith(suffix + b'"'):
                    tag = tag[: -len(suffix) - 1] + b'"'
                    sent[tag.removeprefix(b"W/")] = suffix
                    break
        tags.append(tag)
    return b", ".join(tags)


def _with_suffix(etag: bytes, suffix: bytes) -> bytes:
    return etag[:-1] + suffix + b'"' if etag.endswith(b'"') else etag


class _Stream:
    """One answer's compressor."""

    def __init__(self, encoding: str, quality: int, level: int) -> None:
        self.brotli = brotli.Compressor(quality=quality) if encoding == "br" else None
        self.gzip = None if self.brotli else zlib.compressobj(level, zlib.DEFLATED, 31)

    def chunk(self, data: bytes) -> bytes:
        if self.brotli is not None:
            return self.brotli.process(data) + self.brotli.flush()
        assert self.gzip is not None
        return self.gzip.compress(data) + self.gzip.flush(zlib.Z_SYNC_FLUSH)

    def last(self, data: bytes) -> bytes:
        if self.brotli is not None:
            return self.brotli.process(data) + self.brotli.finish()
        assert self.gzip is not None
        return self.gzip.compress(data) + self.gzip.flush()


class Compression:
    def __init__(self, settings: GatewaySettings) -> None:
        self.enabled = settings.compression_enabled
        self.min_bytes = settings.compression_min_bytes
        self.quality = settings.brotli_quality
        self.level = settings.gzip_level

    def wrap(self, scope: Scope, send: Send) -> tuple[Scope, Send]:
        """The scope to serve (conditional headers without encoding suffixes) and the send that
        compresses the answer."""
        accept = None
        conditional = False
        for k, v in scope["headers"]:
            if k == b"accept-encoding":
                accept = v
            elif (k == b"if-none-match" or k == b"if-match") and (b'-gzip"' in v or b'-br"' in v):
                conditional = True
        sent: dict[bytes, bytes] = {}
        if conditional:
            headers = [
                (k, strip_suffixes(v, sent) if k in (b"if-none-match", b"if-match") else v) for k, v in scope["headers"]
            ]
            scope = {**scope, "headers": headers}
        encoding = negotiate(accept) if self.enabled else None
        if encoding is not None and (scope["method"] == "HEAD" or scope["path"].startswith(NEVER_COMPRESS_PATHS)):
            encoding = None
        return scope, _CompressingSend(send, encoding, self.min_bytes, (self.quality, self.level), sent).__call__


class _CompressingSend:
    __slots__ = ("send", "encoding", "min_bytes", "levels", "sent", "start", "stream")

    def __init__(self, send: Send, encoding: str | None, min_bytes: int, levels: tuple[int, int], sent: dict) -> None:
        self.send = send
        self.encoding = encoding
        self.min_bytes = min_bytes
        self.levels = levels  # Brotli quality, gzip level
        self.sent = sent  # tag → suffix, from the client's conditional headers
        self.start: Message | None = None
        self.stream: _Stream | None = None

    async def __call__(self, message: Message) -> None:
        kind = message["type"]
        if kind == "http.response.start":
            if self._candidate(message):
                self.start = message  # held until the first body part tells how long the answer is
            else:
                await self.send(message)
            return
        if kind != "http.response.body":
            await self._release_start()
            await self.send(message)
            return
        if self.start is not None:
            start, self.start = self.start, None
            body = message.get("body", b"")
            more = message.get("more_body", False)
            length = _header(start["headers"], b"content-length")
            size = int(length) if length is not None and length.isdigit() else (None if more else len(body))
            if size is not None and size < self.min_bytes:
                await self.send(start)
                await self.send(message)
                return
            assert self.encoding is not None
            self.stream = _Stream(self.encoding, *self.levels)
            headers = _compressed_headers(start["headers"], self.encoding)
            if more:
                await self.send({**start, "headers": headers})
                await self._send_part(self.stream.chunk(body), True)
                return
            payload = self.stream.last(body)
            self.stream = None
            headers.append((b"content-length", b"%d" % len(payload)))
            await self.send({**start, "headers": headers})
            await self.send({"type": "http.response.body", "body": payload})
            return
        if self.stream is not None:
            more = message.get("more_body", False)
            body = message.get("body", b"")
            if more:
                await self._send_part(self.stream.chunk(body), True)
            else:
                payload = self.stream.last(body)
                self.stream = None
                await self.send({"type": "http.response.body", "body": payload})
            return
        await self.send(message)

    async def _send_part(self, data: bytes, more: bool) -> None:
        if data or not more:
            await self.send({"type": "http.response.body", "body": data, "more_body": more})

    async def _release_start(self) -> None:
        if self.start is not None:
            start, self.start = self.start, None
            await self.send(start)

    def _candidate(self, start: Message) -> bool:
        """Adds `Vary` (and puts back the client's ETag suffix on a 304); True when the answer may be
        compressed, depending on its length."""
        headers = start.get("headers", [])
        content_type = _header(headers, b"content-type")
        status = start["status"]
        vary = (content_type is not None and is_compressible(content_type)) or status == 304
        if vary and not _varies_on_encoding(headers):
            headers = [*headers, (b"vary", b"Accept-Encoding")]
        if status == 304 and self.sent:
            headers = [(k, self._resuffix(v) if k == b"etag" else v) for k, v in headers]
        start["headers"] = headers
        if self.encoding is None or not vary or status in _NO_BODY or content_type is None:
            return False
        for k, v in headers:
            if k == b"content-encoding" or (k == b"cache-control" and b"no-store" in v.lower()):
                return False
        return True

    def _resuffix(self, etag: bytes) -> bytes:
        suffix = self.sent.get(etag.removeprefix(b"W/"))
        return _with_suffix(etag, suffix) if suffix else etag


def _header(headers: list[tuple[bytes, bytes]], name: bytes) -> bytes | None:
    for k, v in headers:
        if k == name:
            return v
    return None


def _varies_on_encoding(headers: list[tuple[bytes, bytes]]) -> bool:
    return any(k == b"vary" and (b"accept-encoding" in v.lower() or v.strip() == b"*") for k, v in headers)


def _compressed_headers(headers: list[tuple[bytes, bytes]], encoding: str) -> list[tuple[bytes, bytes]]:
    out = []
    for k, v in headers:
        if k == b"content-length":
            continue
        if k == b"etag":
            v = _with_suffix(v, _SUFFIX[encoding])
        out.append((k, v))
    out.append((b"content-encoding", encoding.encode()))
    return out
