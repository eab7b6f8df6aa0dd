"""Rate limits at the gateway: token buckets per credential and per client IP.

Which buckets a request takes from (all must have a token, else 429):

* its principal's: per API key, per user, per service (`rate_limit_per_minute` / `_burst`), or —
  anonymous — per client IP (`rate_limit_anonymous_*`);
* on the login routes (`LOGIN_PATHS`) also a stricter per-IP bucket (`rate_limit_login_*`), and on
  public verification (`VERIFY_PATHS`) another (`rate_limit_verify_*`), whoever the caller is;
* on `POST /v1/auth/refresh` (`REFRESH_PATHS`), anonymous callers take from a per-IP refresh bucket
  (`rate_limit_refresh_*`, generous) instead of the anonymous and login buckets: a campus or carrier NAT
  puts thousands of app users behind one address, each refreshing every 15 minutes, and a refresh costs
  no password hashing (refresh tokens are 256-bit random: nothing to guess). The OAuth token endpoint
  (`/v1/auth/token`) serves both grants on one path: `bucket_path` reads a small form body there
  (declared length ≤ `PEEK_LIMIT`) before it is forwarded, and a `grant_type=refresh_token` takes from
  the refresh bucket too; anything else there (a password grant, a larger or chunked body) stays in the
  login bucket (docs/identity.md).

A request with a credential that turns out to be invalid takes from its IP's anonymous bucket, so
guessing keys is limited like any anonymous traffic.

Every proxied response carries `RateLimit-Limit` (the bucket's capacity, i.e. its burst),
`RateLimit-Remaining` (whole tokens left) and `RateLimit-Reset` (seconds until it is full again) of
the tightest bucket that applied, and `RateLimit-Policy: <per minute>;w=60;burst=<burst>` — that
bucket's sustained rate (requests per 60 s window) beside its burst; an empty bucket is a 429
problem+json with `Retry-After` (whole seconds until a token is there, at least 1), answered by the
gateway and never forwarded.

The client IP is the peer address, or — when the peer is one of `trusted_proxies` (IPs or CIDRs) —
the first address in `X-Forwarded-For`, read from the right, that is not a trusted proxy.

Backends, one interface: in-process (the default; buckets in a dict, idle ones dropped once they
would be full again, and the least recently used dropped beyond `MAX_BUCKETS`) or Redis
(`rate_limit_backend=redis`, for several gateway replicas: one Lua script refills and takes all of a
request's buckets atomically on the Redis clock; keys expire when the bucket would be full).

**If Redis is unreachable the gateway fails open**: requests go through unlimited (without
`RateLimit-*` headers), a warning is logged at most once a minute, every such request is counted in
`chanjiao_gateway_rate_limit_backend_errors_total`, and Redis is tried again after
`REDIS_RETRY_SECONDS`. Rate limiting protects capacity; it is not an access control, and a Redis
outage should not take the whole API down with it. (Login lockout, the access control against
password guessing, is enforced by membership itself.)
"""

from __future__ import annotations

import ipaddress
import logging
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import parse_qs

from starlette.types import Message, Receive, Scope

from chanjiao.auth import ANONYMOUS, Principal
from gateway.settings import GatewaySettings

log = logging.getLogger("chanjiao.gateway.ratelimit")

# Stricter per-IP buckets (path prefixes on segment boundaries).
LOGIN_PATHS: tuple[str, ...] = (
    "/v1/auth/token",
    "/v1/auth/claim",
    "/v1/auth/setup",
    "/v1/auth/password-reset",
)
VERIFY_PATHS: tuple[str, ...] = ("/v1/certificates/verify",)
# Exact paths whose anonymous callers take from the per-IP refresh bucket instead of the anonymous one.
REFRESH_PATHS: frozenset[str] = frozenset({"/v1/auth/refresh"})
# The OAuth token endpoint (both grants); its form body is read up to this many bytes to tell them apart.
TOKEN_PATH = "/v1/auth/token"
PEEK_LIMIT = 4096
_FORM = b"application/x-www-form-urlencoded"

MAX_BUCKETS = 100_000
SWEEP_SECONDS = 10.0
REDIS_RETRY_SECONDS = 2.0
REDIS_WARN_SECONDS = 60.0
REDIS_PREFIX = "chanjiao:rl:"
_PREFIX = {"api_key": "k:", "user": "u:", "service": "s:"}


class Limit:
    """One kind of bucket: `burst` tokens at most, refilled at `per_minute` / 60 per second."""

    __slots__ = ("kind", "per_minute", "burst", "rate", "limit_header", "policy_header")

    def __init__(self, kind: str, per_minute: int, burst: int) -> None:
        self.kind = kind  # metrics label: api_key | user | service | anonymous | login | verify | refresh
        self.per_minute = per_minute
        self.burst = burst
        self.rate = per_minute / 60.0
        self.limit_header = (b"ratelimit-limit", b"%d" % burst)
        # The sustained rate (quota per 60 s window) and the burst, in the form of the IETF
        # RateLimit header fields draft (draft-ietf-httpapi-ratelimit-headers-07).
        self.policy_header = (b"ratelimit-policy", b"%d;w=60;burst=%d" % (per_minute, burst))

    def full_after(self, tokens: float) -> float:
        """Seconds until a bucket holding `tokens` is full again."""
        return max(0.0, self.burst - tokens) / self.rate if self.rate > 0 else math.inf


@dataclass(slots=True)
class Decision:
    allowed: bool
    headers: list[tuple[bytes, bytes]]
    retry_after: int = 0
    kind: str = ""  # the bucket that refused


def _headers(limit: Limit, tokens: float) -> list[tuple[bytes, bytes]]:
    missing = limit.burst - tokens
    reset = math.ceil(missing / limit.rate) if missing > 0 and limit.rate > 0 else 0
    return [
        limit.limit_header,
        limit.policy_header,
        (b"ratelimit-remaining", b"%d" % (tokens if tokens > 0 else 0)),
        (b"ratelimit-reset", b"%d" % reset),
    ]


def decide(limits: Sequence[Limit], tokens: Sequence[float], allowed: bool) -> Decision:
    """Headers of the tightest bucket (fewest tokens left, then smallest); on refusal, when to retry."""
    if allowed and len(limits) == 1:
        return Decision(True, _headers(limits[0], tokens[0]))
    i = min(range(len(limits)), key=lambda j: (tokens[j], limits[j].burst))
    if allowed:
        return Decision(True, _headers(limits[i], tokens[i]))
    worst = 0.0
    kind = ""
    for lim, t in zip(limits, tokens, strict=True):
        if t < 1:
            wait = (1 - t) / lim.rate if lim.rate > 0 else 3600.0
            if wait >= worst:
                worst, kind = wait, lim.kind
    return Decision(False, _headers(limits[i], tokens[i]), max(1, math.ceil(worst)), kind)


class MemoryBuckets:
    """In-process token buckets: `{key: [tokens, last_refill]}` on the monotonic clock."""

    def __init__(self, max_buckets: int = MAX_BUCKETS) -> None:
        self.buckets: dict[str, list[float]] = {}
        self.limits: dict[str, Limit] = {}
        self.max_buckets = max_buckets
        self._next_sweep = time.monotonic() + SWEEP_SECONDS

    def take1(self, key: str, lim: Limit) -> tuple[bool, float]:
        """`take` for the usual single bucket, without the lists."""
        now = time.monotonic()
        if now >= self._next_sweep or len(self.buckets) > self.max_buckets:
            self.sweep(now)
        b = self.buckets.get(key)
        if b is None:
            self.buckets[key] = [lim.burst - 1.0, now]
            self.limits[key] = lim
            return True, lim.burst - 1.0
        t = b[0] + (now - b[1]) * lim.rate
        if t > lim.burst:
            t = float(lim.burst)
        b[1] = now
        if t < 1:
            b[0] = t
            return False, t
        b[0] = t - 1
        return True, t - 1

    def take(self, keys: Sequence[str], limits: Sequence[Limit]) -> tuple[bool, list[float]]:
        now = time.monotonic()
        if now >= self._next_sweep or len(self.buckets) > self.max_buckets:
            self.sweep(now)
        buckets = self.buckets
        states: list[list[float]] = []
        tokens: list[float] = []
        allowed = True
        for key, lim in zip(keys, limits, strict=True):
            b = buckets.get(key)
            if b is None:
                b = buckets[key] = [float(lim.burst), now]
                self.limits[key] = lim
                t = float(lim.burst)
            else:
                t = b[0] + (now - b[1]) * lim.rate
                if t > lim.burst:
                    t = float(lim.burst)
            states.append(b)
            tokens.append(t)
            if t < 1:
                allowed = False
        for i, b in enumerate(states):
            if allowed:
                tokens[i] -= 1
            b[0] = tokens[i]
            b[1] = now
        return allowed, tokens

    def sweep(self, now: float) -> None:
        """Drop buckets that are full again (same as absent); beyond the cap, the least recently used."""
        self._next_sweep = now + SWEEP_SECONDS
        limits = self.limits
        stale = [k for k, (t, ts) in self.buckets.items() if now - ts >= limits[k].full_after(t)]
        for k in stale:
            del self.buckets[k]
            del limits[k]
        excess = len(self.buckets) - self.max_buckets
        if excess > 0:
            oldest = sorted(self.buckets, key=lambda k: self.buckets[k][1])[:excess]
            for k in oldest:
                del self.buckets[k]
                del limits[k]


# Refill and take every bucket of one request atomically, on Redis's clock. KEYS: the buckets;
# ARGV: rate per second and capacity for each. Returns {allowed, milli-tokens left per bucket}.
_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local n = #KEYS
local tokens = {}
local allowed = 1
for i = 1, n do
  local rate = tonumber(ARGV[2 * i - 1])
  local cap = tonumber(ARGV[2 * i])
  local v = redis.call('HMGET', KEYS[i], 't', 'ts')
  local tk = tonumber(v[1])
  local ts = tonumber(v[2])
  if tk == nil or ts == nil then
    tk = cap
  else
    tk = math.min(cap, tk + math.max(0, now - ts) * rate)
  end
  tokens[i] = tk
  if tk < 1 then allowed = 0 end
end
local out = {allowed}
for i = 1, n do
  local rate = tonumber(ARGV[2 * i - 1])
  local cap = tonumber(ARGV[2 * i])
  local tk = tokens[i]
  if allowed == 1 then tk = tk - 1 end
  redis.call('HSET', KEYS[i], 't', string.format('%.6f', tk), 'ts', string.format('%.6f', now))
  redis.call('PEXPIRE', KEYS[i], math.ceil((cap - tk) / rate * 1000) + 1000)
  out[i + 1] = math.floor(tk * 1000)
end
return out
"""


class RedisBuckets:
    """The same buckets in Redis, shared by every gateway replica."""

    def __init__(self, url: str, *, timeout: float = 0.25) -> None:
        import redis.asyncio as aioredis

        self.client = aioredis.from_url(
            url, socket_timeout=timeout, socket_connect_timeout=timeout, health_check_interval=30
        )
        self.script = self.client.register_script(_LUA)

    async def take(self, keys: Sequence[str], limits: Sequence[Limit]) -> tuple[bool, list[float]]:
        args: list[float] = []
        for lim in limits:
            args += (lim.rate, lim.burst)
        out = await self.script(keys=[REDIS_PREFIX + k for k in keys], args=args)
        return bool(out[0]), [int(v) / 1000 for v in out[1:]]

    async def close(self) -> None:
        await self.client.aclose()


_NOBODY = ANONYMOUS


class RateLimiter:
    def __init__(self, settings: GatewaySettings, *, on_limited=None, on_backend_error=None) -> None:  # type: ignore[no-untyped-def]
        s = settings
        self.enabled = s.rate_limit_enabled
        self.credential = {
            kind: Limit(kind, s.rate_limit_per_minute, s.rate_limit_burst) for kind in ("api_key", "user", "service")
        }
        self.anonymous = Limit("anonymous", s.rate_limit_anonymous_per_minute, s.rate_limit_anonymous_burst)
        self.login = Limit("login", s.rate_limit_login_per_minute, s.rate_limit_login_burst)
        self.verify = Limit("verify", s.rate_limit_verify_per_minute, s.rate_limit_verify_burst)
        self.refresh = Limit("refresh", s.rate_limit_refresh_per_minute, s.rate_limit_refresh_burst)
        self._special_prefixes = tuple(p for p in (*LOGIN_PATHS, *VERIFY_PATHS))
        self.memory: MemoryBuckets | None = None
        self.redis: RedisBuckets | None = None
        if s.rate_limit_backend == "redis":
            assert s.redis_url
            self.redis = RedisBuckets(s.redis_url)
        else:
            self.memory = MemoryBuckets()
        self._redis_down_until = 0.0
        self._last_warning = -math.inf
        self.on_limited = on_limited
        self.on_backend_error = on_backend_error
        self.trusted = [
            ipaddress.ip_network(p.strip(), strict=False) for p in s.trusted_proxies.split(",") if p.strip()
        ]
        self._trust_cache: dict[str, bool] = {}

    # ---- client IP -----------------------------------------------------------------------------
    def _is_trusted(self, ip: str) -> bool:
        hit = self._trust_cache.get(ip)
        if hit is None:
            try:
                addr = ipaddress.ip_address(ip)
                hit = any(addr in net for net in self.trusted)
            except ValueError:
                hit = False
            if len(self._trust_cache) > 10_000:
                self._trust_cache.clear()
            self._trust_cache[ip] = hit
        return hit

    def client_ip(self, scope: dict) -> str:  # type: ignore[type-arg]
        client = scope.get("client")
        peer: str = client[0] if client else "unknown"
        if not self.trusted or not self._is_trusted(peer):
            return peer
        hops: list[str] = []
        for k, v in scope["headers"]:
            if k == b"x-forwarded-for":
                hops += (h.strip() for h in v.decode("latin-1").split(","))
        hops = [h for h in hops if h]
        for hop in reversed(hops):
            if not self._is_trusted(hop):
                return hop
        return hops[0] if hops else peer

    # ---- buckets ---------------------------------------------------------------------------------
    def buckets_for(self, principal: Principal, path: str, ip: str) -> tuple[list[str], list[Limit]]:
        key, lim = self._principal_bucket(principal, ip, path)
        return self._with_path_buckets([key], [lim], path, ip)

    def _principal_bucket(self, principal: Principal, ip: str, path: str) -> tuple[str, Limit]:
        kind = principal.kind
        if kind == "anonymous":
            if path in REFRESH_PATHS:
                return "r:" + ip, self.refresh
            return "ip:" + ip, self.anonymous
        return _PREFIX[kind] + principal.subject, self.credential[kind]

    def _with_path_buckets(
        self, keys: list[str], limits: list[Limit], path: str, ip: str
    ) -> tuple[list[str], list[Limit]]:
        if path.startswith(self._special_prefixes):
            for prefix in LOGIN_PATHS:
                if path == prefix or path.startswith(prefix + "/"):
                    keys.append("l:" + ip)
                    limits.append(self.login)
                    break
            for prefix in VERIFY_PATHS:
                if path == prefix or path.startswith(prefix + "/"):
                    keys.append("v:" + ip)
                    limits.append(self.verify)
                    break
        return keys, limits

    async def check(self, principal: Principal, path: str, ip: str) -> Decision | None:
        """The decision for one request, or None when not limited (disabled, or Redis down: fail open)."""
        if not self.enabled:
            return None
        key, lim = self._principal_bucket(principal, ip, path)
        memory = self.memory
        if memory is not None and not path.startswith(self._special_prefixes):
            ok, left = memory.take1(key, lim)  # the hot path: one bucket, in process
            if ok:
                return Decision(True, _headers(lim, left))
            keys, limits, tokens = [key], [lim], [left]
            allowed = False
        else:
            keys, limits = self._with_path_buckets([key], [lim], path, ip)
            if memory is not None:
                allowed, tokens = memory.take(keys, limits)
            else:
                result = await self._take_redis(keys, limits)
                if result is None:
                    return None
                allowed, tokens = result
        decision = decide(limits, tokens, allowed)
        if not allowed and self.on_limited is not None:
            self.on_limited(decision.kind)
        return decision

    async def bucket_path(self, scope: Scope, receive: Receive, path: str) -> tuple[Receive, str]:
        """The path whose buckets the request takes from, and the `receive` that still yields its whole body.
        A `grant_type=refresh_token` at the token endpoint counts as `/v1/auth/refresh`: its small form body
        is read here and handed on unchanged."""
        if not self.enabled or path != TOKEN_PATH:
            return receive, path
        length = form = None
        for k, v in scope["headers"]:
            if k == b"content-length":
                length = v
            elif k == b"content-type":
                form = v.split(b";", 1)[0].strip().lower() == _FORM
        if not form or length is None or not length.isdigit() or int(length) > PEEK_LIMIT:
            return receive, path
        messages: list[Message] = []
        body = b""
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            body += message.get("body", b"")
            if len(body) > PEEK_LIMIT or not message.get("more_body", False):
                break
        pending = iter(messages)

        async def replay() -> Message:
            return next(pending, None) or await receive()

        try:
            grant = parse_qs(body.decode("latin-1"), max_num_fields=20).get("grant_type")
        except ValueError:
            grant = None
        return replay, ("/v1/auth/refresh" if grant == ["refresh_token"] else path)

    async def check_failed_credential(self, path: str, ip: str) -> Decision | None:
        """A rejected credential counts against its IP's anonymous bucket (and the path's stricter one)."""
        return await self.check(_NOBODY, path, ip)

    async def _take_redis(self, keys: list[str], limits: list[Limit]) -> tuple[bool, list[float]] | None:
        assert self.redis is not None
        now = time.monotonic()
        if now < self._redis_down_until:
            self._backend_error(None, now)
            return None
        try:
            return await self.redis.take(keys, limits)
        except Exception as exc:  # noqa: BLE001 — any Redis failure: fail open
            self._redis_down_until = now + REDIS_RETRY_SECONDS
            self._backend_error(exc, now)
            return None

    def _backend_error(self, exc: BaseException | None, now: float) -> None:
        if self.on_backend_error is not None:
            self.on_backend_error()
        if exc is not None and now - self._last_warning >= REDIS_WARN_SECONDS:
            self._last_warning = now
            log.warning("rate-limit backend (Redis) unavailable, letting requests through unlimited: %r", exc)

    async def close(self) -> None:
        if self.redis is not None:
            await self.redis.close()
