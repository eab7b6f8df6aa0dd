"""The bundled load generator `bench/gateway.py` falls back to when `wrk` is not installed.

Closed-loop HTTP/1.1 keep-alive, like `wrk`: each connection sends one request, waits for the whole
response, records its latency and sends the next, until the duration is over. Responses are parsed
with httptools (installed with uvicorn[standard]) on uvloop when available, so one process drives
far more requests per second than the Python services it measures. Run as its own process:

    python bench/loadgen.py --url http://127.0.0.1:8000/v1/organizations/<id> -c 64 -d 10 [-H 'name: value']

Prints one JSON object with the same fields `bench/gateway.py` reads from wrk: requests,
duration_us, the error counters, and latency percentiles in microseconds.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from urllib.parse import urlsplit

import httptools


class _Connection(asyncio.Protocol):
    """One keep-alive connection; `waiter` resolves with the status of the response in flight."""

    def __init__(self) -> None:
        self.parser = httptools.HttpResponseParser(self)
        self.transport: asyncio.Transport | None = None
        self.waiter: asyncio.Future[int] | None = None
        self.keep_alive = True

    # asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(exc)

    def connection_lost(self, exc: Exception | None) -> None:
        self._fail(exc or ConnectionResetError("connection closed by the server"))

    # httptools callbacks
    def on_message_complete(self) -> None:
        self.keep_alive = self.parser.should_keep_alive()
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(self.parser.get_status_code())

    def _fail(self, exc: BaseException) -> None:
        self.keep_alive = False
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(exc)


async def _worker(
    host: str,
    port: int,
    request: bytes,
    deadline: float,
    request_timeout: float,
    latencies: list[float],
    errors: dict[str, int],
) -> None:
    loop = asyncio.get_running_loop()
    conn: _Connection | None = None
    while time.perf_counter() < deadline:
        if conn is None or not conn.keep_alive or conn.transport is None or conn.transport.is_closing():
            if conn is not None and conn.transport is not None:
                conn.transport.close()
            try:
                _, conn = await asyncio.wait_for(loop.create_connection(_Connection, host, port), request_timeout)
            except (OSError, TimeoutError):
                errors["connect"] += 1
                conn = None
                await asyncio.sleep(0.01)
                continue
        conn.waiter = loop.create_future()
        started = time.perf_counter()
        assert conn.transport is not None
        conn.transport.write(request)
        try:
            status = await asyncio.wait_for(conn.waiter, request_timeout)
        except TimeoutError:
            errors["timeout"] += 1
            conn.keep_alive = False
            continue
        except (OSError, httptools.HttpParserError):
            errors["read"] += 1
            continue
        if time.perf_counter() > deadline:
            break
        latencies.append(time.perf_counter() - started)
        if status >= 400:
            errors["status"] += 1
    if conn is not None and conn.transport is not None:
        conn.transport.close()


def _percentile(sorted_values: list[float], pct: float) -> float:
    if not sorted_values:
        return 0.0
    k = min(len(sorted_values) - 1, max(0, round(pct / 100 * len(sorted_values) + 0.5) - 1))
    return sorted_values[k]


async def run(
    url: str, connections: int, duration: float, headers: list[tuple[str, str]], request_timeout: float
) -> dict[str, float | int]:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    lines = [f"GET {target} HTTP/1.1", f"Host: {parts.netloc}", *(f"{k}: {v}" for k, v in headers)]
    request = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    latencies: list[float] = []
    errors = {"connect": 0, "read": 0, "write": 0, "status": 0, "timeout": 0}
    started = time.perf_counter()
    deadline = started + duration
    await asyncio.gather(
        *(_worker(host, port, request, deadline, request_timeout, latencies, errors) for _ in range(connections))
    )
    elapsed = max(time.perf_counter() - started, 1e-9)
    latencies.sort()
    us = 1e6
    return {
        "requests": len(latencies),
        "duration_us": int(elapsed * us),
        "connect_errors": errors["connect"],
        "read_errors": errors["read"],
        "write_errors": errors["write"],
        "status_errors": errors["status"],
        "timeout_errors": errors["timeout"],
        "p50_us": _percentile(latencies, 50) * us,
        "p90_us": _percentile(latencies, 90) * us,
        "p99_us": _percentile(latencies, 99) * us,
        "mean_us": (sum(latencies) / len(latencies) * us) if latencies else 0.0,
        "max_us": (latencies[-1] * us) if latencies else 0.0,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("-c", "--connections", type=int, default=64)
    parser.add_argument("-d", "--duration", type=float, default=10.0, help="seconds")
    parser.add_argument("-H", "--header", action="append", default=[], help="'name: value', repeatable")
    parser.add_argument("--timeout", type=float, default=5.0, help="per-request timeout in seconds")
    args = parser.parse_args(argv)
    headers = []
    for h in args.header:
        name, sep, value = h.partition(":")
        if not sep:
            parser.error(f"header {h!r} is not 'name: value'")
        headers.append((name.strip(), value.strip()))
    try:
        import uvloop

        runner = uvloop.run
    except ImportError:
        runner = asyncio.run
    result = runner(run(args.url, args.connections, args.duration, headers, args.timeout))
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
