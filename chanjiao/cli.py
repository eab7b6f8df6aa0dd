"""The `chanjiao` command: up · migrate · demo · jobs."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys

from chanjiao.observability import configure_logging


def _cmd_up(args: argparse.Namespace) -> int:
    from chanjiao.launcher import Stack, run_forever

    stack = Stack(gateway_port=args.port, database_url=os.environ.get("DATABASE_URL") or None)
    return run_forever(stack, demo=args.demo)


def _cmd_migrate(args: argparse.Namespace) -> int:
    from chanjiao import migrate
    from chanjiao.launcher import Stack, load_secrets, role_passwords

    url = os.environ.get("DATABASE_URL")
    if url:
        result = asyncio.run(migrate.bootstrap(url, role_passwords(load_secrets(Stack().state_dir))))
        migrate.upgrade(result.service_urls)
    else:
        stack = Stack()
        try:
            stack.prepare_database()
        finally:
            stack.stop()
    print("migrations are at head for: membership, training, matching")
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from chanjiao.launcher import DEV_ADMIN_LOGIN, Stack, load_secrets
    from demo import load_demo

    login = os.environ.get("CHANJIAO_DEMO_LOGIN") or DEV_ADMIN_LOGIN
    password = os.environ.get("CHANJIAO_DEMO_PASSWORD") or load_secrets(Stack().state_dir)["admin_password"]
    print(load_demo(args.gateway, (login, password)))
    return 0


def _cmd_jobs_run_due(args: argparse.Namespace) -> int:
    """Run a service's due jobs once (chanjiao/jobs.py) — the periodic slots that have come and every due one-off
    run — with that service's settings (its `CHANJIAO_<SERVICE>_…` environment), then exit."""
    import importlib

    from chanjiao.db import create_engine, make_sessionmaker
    from chanjiao.jobs import Runner, RunnerConfig

    main = importlib.import_module(f"services.{args.service}.main")
    registry = getattr(main, "JOBS", None)
    if registry is None:
        print(f"{args.service} has no jobs", file=sys.stderr)
        return 2
    settings = main.SETTINGS()

    async def run() -> int:
        engine = create_engine(settings.database_url, schema=args.service, pool_size=2, max_overflow=0)
        try:
            runner = Runner(
                make_sessionmaker(engine), registry, config=RunnerConfig.from_settings(settings), settings=settings
            )
            return await runner.run_due()
        finally:
            await engine.dispose()

    ran = asyncio.run(run())
    print(f"{args.service}: {ran} job run(s)")
    return 0


def gateway_port() -> int:
    """The port `chanjiao up` serves the gateway on: `CHANJIAO_GATEWAY_PORT`, else 8000."""
    return int(os.environ.get("CHANJIAO_GATEWAY_PORT") or "8000")


def local_gateway_url() -> str:
    return f"http://127.0.0.1:{gateway_port()}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="chanjiao", description="产教 Chanjiao platform commands")
    sub = parser.add_subparsers(dest="command", required=True)
    up = sub.add_parser("up", help="start Postgres, migrate, run the 3 services and the gateway")
    up.add_argument("--port", type=int, default=gateway_port())
    up.add_argument("--demo", action="store_true", help="load a small demo data set through the API")
    up.set_defaults(func=_cmd_up)
    mig = sub.add_parser(
        "migrate", help="create roles/schemas and upgrade every service to head (embedded Postgres, or $DATABASE_URL)"
    )
    mig.set_defaults(func=_cmd_migrate)
    demo = sub.add_parser(
        "demo",
        help="load the demo data set into a running gateway, as the development admin "
        "(or CHANJIAO_DEMO_LOGIN / CHANJIAO_DEMO_PASSWORD)",
    )
    demo.add_argument(
        "--gateway",
        default=local_gateway_url(),
        help="the gateway's URL (default: http://127.0.0.1:$CHANJIAO_GATEWAY_PORT, the port `chanjiao up` uses; 8000)",
    )
    demo.set_defaults(func=_cmd_demo)
    jobs = sub.add_parser("jobs", help="the job runner (chanjiao/jobs.py, docs/operations.md)")
    jobs_sub = jobs.add_subparsers(dest="jobs_command", required=True)
    run_due = jobs_sub.add_parser(
        "run-due",
        help="run a service's due jobs once and exit (its database from CHANJIAO_<SERVICE>_DATABASE_URL), e.g. "
        "from cron when the service runs with jobs_enabled=false",
    )
    run_due.add_argument("service", choices=["training"])
    run_due.set_defaults(func=_cmd_jobs_run_due)
    args = parser.parse_args(argv)
    configure_logging("cli", os.environ.get("CHANJIAO_LOG_LEVEL", "INFO"), json_lines=False)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
