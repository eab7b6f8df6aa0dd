"""Run one process: `python -m chanjiao.serve membership|training|matching|gateway --port N`.

This is the command `chanjiao up`, the e2e tests, the benchmarks and docker-compose all use."""

from __future__ import annotations

import argparse
import gc
import importlib
import os

import uvicorn
from fastapi import FastAPI

from chanjiao.observability import configure_logging

APPS = {
    "membership": "services.membership.main:create_app",
    "training": "services.training.main:create_app",
    "matching": "services.matching.main:create_app",
    "gateway": "gateway.main:create_app",
}


def _built(name: str) -> FastAPI:
    """The app, with everything made at start-up (routes, schemas, mappers, reference tables) moved out of the
    cyclic garbage collector's sight (`gc.freeze`): a full collection then walks only what requests allocate, so
    the pauses it puts into requests that allocate a lot (a 1000-item batch) stay short."""
    module, _, factory = APPS[name].partition(":")
    app = getattr(importlib.import_module(module), factory)()
    gc.collect()
    gc.freeze()
    return app


def membership_app() -> FastAPI:
    return _built("membership")


def training_app() -> FastAPI:
    return _built("training")


def matching_app() -> FastAPI:
    return _built("matching")


def gateway_app() -> FastAPI:
    return _built("gateway")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="chanjiao-serve", description=__doc__)
    parser.add_argument("name", choices=sorted(APPS))
    parser.add_argument("--host", default=os.environ.get("CHANJIAO_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument(
        "--access-log",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="uvicorn's per-request access lines (default: on for services; off for the gateway, whose requests "
        "each service logs with the same X-Request-ID, and whose failures and metrics it records itself)",
    )
    args = parser.parse_args(argv)
    configure_logging(args.name, os.environ.get("CHANJIAO_LOG_LEVEL", "INFO"))
    uvicorn.run(
        f"chanjiao.serve:{args.name}_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_config=None,
        access_log=args.access_log if args.access_log is not None else args.name != "gateway",
        server_header=False,
        # Never let uvicorn rewrite the client address from X-Forwarded-For/-Proto (it would trust any local
        # peer): the gateway alone decides who the client is, by its own `trusted_proxies` rule
        # (gateway/ratelimit.py), and tells the services in the X-Forwarded-For it sets.
        proxy_headers=False,
        timeout_graceful_shutdown=10,
    )


if __name__ == "__main__":
    main()
