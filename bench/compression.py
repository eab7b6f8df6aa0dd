"""`make bench`: what compressing answers costs the gateway (gateway/compression.py), and what it saves.

The answer is a page of 500 learner-shaped records (~200 KB of JSON), served by a stand-in service
(this file, `--serve`, in its own process: the service's cost is not what is measured). The gateway
runs as in production (`python -m chanjiao.serve gateway`, 1 worker) in front of it. Two figures:

1. **On the wire and per page, in process**: the page's size and CPU time per compression with
   gzip -3 (the gateway's default `gzip_level`) and -6, and Brotli at qualities 4, 5 and 11 (the
   library's default), each the median of `--repeat` runs.
2. **Through the gateway**: `bench/loadgen.py` (its own process) reads the page for `--duration`
   seconds over `--connections` keep-alive connections with `Accept-Encoding: identity`, `gzip`
   and `br`, in interleaved rounds; the gateway's CPU time (from /proc/<pid>/stat) divided by the
   requests it served is its CPU per request, and the difference to `identity` the cost of
   compressing.

Prints a table, writes `bench/results/compression-<timestamp>.json`, and stops both processes at the
end (also on Ctrl-C or an error).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import time
import uuid
import zlib
from datetime import UTC, datetime
from pathlib import Path

import brotli

from bench.harness import BENCH, REPO
from chanjiao.pg_embedded import free_port

CLK_TCK = os.sysconf("SC_CLK_TCK")
PATH = "/v1/learners"


def page() -> bytes:
    """About the size of a 500-learner page: ~200 KB of JSON, Chinese names, repeated field names."""
    items = [
        {
            "id": str(uuid.UUID(int=i * 7919 + 1)),
            "org_id": "7d0c3f0e-4c1b-4f57-9a55-3f8a2b1c0d9e",
            "name": f"学员{i:04d}",
            "gender": "female" if i % 2 else "male",
            "id_number_masked": f"3701**********{i % 10000:04d}",
            "phone_masked": f"138****{i % 10000:04d}",
            "major": "化工装备技术",
            "programme_id": str(uuid.UUID(int=i % 7 + 100)),
            "status": ("enrolled", "completed", "withdrawn")[i % 3],
            "enrolled_on": f"2026-{1 + i % 12:02d}-{1 + i % 28:02d}",
            "created_at": f"2026-09-{1 + i % 28:02d}T08:{i % 60:02d}:{i * 7 % 60:02d}Z",
            "updated_at": f"2026-11-{1 + i % 28:02d}T10:{i % 60:02d}:{i * 13 % 60:02d}Z",
            "version": 1 + i % 5,
        }
        for i in range(500)
    ]
    return json.dumps({"items": items, "next_cursor": "eyJpZCI6IjQ5OSJ9", "total": 500}, ensure_ascii=False).encode()


def serve(port: int) -> None:
    """The stand-in service: the page, with a version ETag, as a service would send it."""
    import uvicorn

    body = page()

    async def app(scope, receive, send):  # type: ignore[no-untyped-def]
        if scope["type"] != "http":
            return
        headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body)), (b"etag", b'"7"')]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def in_process(body: bytes, repeat: int) -> list[dict[str, object]]:
    """Size and CPU time per page of each encoder, the median of `repeat` runs."""
    encoders = {
        "gzip -3": lambda b: zlib.compress(b, 3, 31),
        "gzip -6": lambda b: zlib.compress(b, 6, 31),
        "br q4": lambda b: brotli.compress(b, quality=4),
        "br q5": lambda b: brotli.compress(b, quality=5),
        "br q11": lambda b: brotli.compress(b, quality=11),
    }
    rows = []
    for name, encode in encoders.items():
        times = []
        for _ in range(repeat if name != "br q11" else max(3, repeat // 10)):
            t = time.process_time()
            out = encode(body)
            times.append(time.process_time() - t)
        rows.append(
            {
                "encoder": name,
                "bytes": len(out),
                "ratio": round(len(body) / len(out), 1),
                "cpu_ms": round(statistics.median(times) * 1000, 2),
            }
        )
    return rows


def wait_for(url: str, within: float = 20.0) -> None:
    import httpx

    deadline = time.monotonic() + within
    while True:
        try:
            if httpx.get(url, timeout=1.0).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not come up")
        time.sleep(0.1)


def load(url: str, encoding: str, connections: int, duration: float, gateway_pid: int) -> dict[str, float]:
    before = cpu_seconds(gateway_pid)
    out = subprocess.run(
        [
            sys.executable,
            str(BENCH / "loadgen.py"),
            "--url",
            url,
            "-c",
            str(connections),
            "-d",
            str(duration),
            "-H",
            f"accept-encoding: {encoding}",
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    cpu = cpu_seconds(gateway_pid) - before
    result = json.loads(out.stdout)
    requests = result["requests"]
    return {"requests": requests, "rps": requests / duration, "cpu_ms_per_request": cpu * 1000 / max(requests, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per run")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=50, help="in-process compressions per encoder")
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
        return

    body = page()
    encoders = in_process(body, args.repeat)
    print(f"page: {len(body):,} bytes of JSON")
    print(f"{'encoder':<10}{'bytes':>10}{'ratio':>8}{'CPU ms/page':>13}")
    for row in encoders:
        print(f"{row['encoder']:<10}{row['bytes']:>10,}{row['ratio']:>8}{row['cpu_ms']:>13}")

    service_port, gateway_port = free_port(), free_port()
    env = {
        **os.environ,
        "CHANJIAO_ENVIRONMENT": "development",
        "CHANJIAO_GATEWAY_TRAINING_URL": f"http://127.0.0.1:{service_port}",
        "CHANJIAO_GATEWAY_COMPRESSION_MIN_BYTES": "1024",
        "CHANJIAO_GATEWAY_RATE_LIMIT_PER_MINUTE": "100000000",
        "CHANJIAO_GATEWAY_RATE_LIMIT_BURST": "1000000",
        "CHANJIAO_GATEWAY_RATE_LIMIT_ANONYMOUS_PER_MINUTE": "100000000",
        "CHANJIAO_GATEWAY_RATE_LIMIT_ANONYMOUS_BURST": "1000000",
    }
    log = BENCH / "results" / "compression-gateway.log"
    log.parent.mkdir(exist_ok=True)
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "bench.compression", "--serve", str(service_port)], cwd=REPO, start_new_session=True
        ),
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "chanjiao.serve",
                "gateway",
                "--port",
                str(gateway_port),
                "--workers",
                "1",
                "--no-access-log",
            ],
            cwd=REPO,
            env=env,
            start_new_session=True,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,  # no membership here: the gateway's JWKS warnings go to the log
        ),
    ]
    runs: dict[str, list[dict[str, float]]] = {"identity": [], "gzip": [], "br": []}
    try:
        wait_for(f"http://127.0.0.1:{service_port}{PATH}")
        url = f"http://127.0.0.1:{gateway_port}{PATH}"
        wait_for(url)
        for _ in range(args.rounds):
            for encoding in runs:
                runs[encoding].append(load(url, encoding, args.connections, args.duration, procs[1].pid))
    finally:
        for p in procs:
            try:
                os.killpg(p.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for p in procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)

    summary = {}
    base = statistics.median(r["cpu_ms_per_request"] for r in runs["identity"])
    print(f"\nthrough the gateway ({args.rounds} rounds × {args.duration:g} s, {args.connections} connections)")
    print(f"{'encoding':<10}{'req/s':>9}{'gateway CPU ms/req':>20}{'extra ms/req':>14}")
    for encoding, rs in runs.items():
        cpu = statistics.median(r["cpu_ms_per_request"] for r in rs)
        rps = statistics.median(r["rps"] for r in rs)
        summary[encoding] = {
            "rps": round(rps, 1),
            "cpu_ms_per_request": round(cpu, 3),
            "extra_ms": round(cpu - base, 3),
        }
        print(f"{encoding:<10}{rps:>9.0f}{cpu:>20.3f}{cpu - base:>14.3f}")

    out = BENCH / "results" / f"compression-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(
        json.dumps(
            {"page_bytes": len(body), "in_process": encoders, "gateway": summary, "runs": runs, "args": vars(args)},
            indent=2,
        )
    )
    print(f"\nwritten: {out.relative_to(REPO)}")


if __name__ == "__main__":
    main()
