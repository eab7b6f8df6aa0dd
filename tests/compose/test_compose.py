"""docker-compose.yml and the Dockerfile, checked against the code they start (no Docker, no DB).

Every command must reach a real module/console script/app factory, every CHANJIAO_ variable a real
settings field (and the resulting settings must pass the production refusals), the gateway must
point at the services' real names and ports, the database URLs must agree with each other and
with the role names `chanjiao migrate` creates, and every process must wait for the migrations.
When Debian's `docker-compose` is on PATH it must accept the file too."""

from __future__ import annotations

import fnmatch
import importlib
import importlib.util
import json
import os
import re
import shutil
import subprocess
import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy.engine import make_url

from chanjiao import migrate, serve
from chanjiao.settings import SERVICES, KernelSettings, ServiceSettings
from gateway.settings import GatewaySettings
from services.matching.settings import MatchingSettings
from services.membership.settings import MembershipSettings
from services.training.settings import TrainingSettings

yaml = pytest.importorskip("yaml", reason="PyYAML is a dev dependency (pip install -e '.[dev]')")

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"

# Stand-ins for the variables an operator must provide; distinct so a swapped password shows up.
REQUIRED_VARS = {
    "POSTGRES_PASSWORD": "dummy-postgres-password",
    "MEMBERSHIP_DB_PASSWORD": "dummy-membership-password",
    "TRAINING_DB_PASSWORD": "dummy-training-password",
    "MATCHING_DB_PASSWORD": "dummy-matching-password",
    "CHANJIAO_INTERNAL_TOKEN_KEY": "dummy-internal-token-key-0123456789abcdef",
    "CHANJIAO_PUBLIC_BASE_URL": "https://chanjiao.example.cn",
    "CHANJIAO_CERTIFICATE_SIGNING_KEY": "-----BEGIN PRIVATE KEY-----\\ndummy\\n-----END PRIVATE KEY-----",
}
APP_SERVICES = (*SERVICES, "gateway")
ALL_SERVICES = {"postgres", "migrate", *APP_SERVICES}
SERVICE_SETTINGS: dict[str, type[ServiceSettings]] = {
    "membership": MembershipSettings,
    "training": TrainingSettings,
    "matching": MatchingSettings,
}
SETTINGS_CLASS: dict[str, type[KernelSettings]] = {**SERVICE_SETTINGS, "gateway": GatewaySettings}

# ---- compose variable interpolation (the subset the file uses, as Compose defines it) ----------
_VAR = re.compile(r"\$(?:(?P<escaped>\$)|\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\})")


class MissingVariable(KeyError):
    pass


def interpolate(value: Any, env: dict[str, str]) -> Any:
    if isinstance(value, dict):
        return {k: interpolate(v, env) for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(v, env) for v in value]
    if not isinstance(value, str):
        return value

    def sub(m: re.Match[str]) -> str:
        if m["escaped"]:
            return "$"
        name, op, arg = m["name"], m["op"], m["arg"] or ""
        present = name in env and (env[name] != "" or not op or not op.startswith(":"))
        if present:
            return env[name]
        if op and op.endswith("-"):
            return arg
        if op and op.endswith("?"):
            raise MissingVariable(f"{name}: {arg}")
        return ""

    return _VAR.sub(sub, value)


def required_variables(text: str) -> set[str]:
    return {m["name"] for m in _VAR.finditer(text) if m["op"] and m["op"].endswith("?")}


@pytest.fixture(scope="module")
def raw() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def compose(raw: dict[str, Any]) -> dict[str, Any]:
    """The file with YAML anchors/merges resolved and variables interpolated with the dummies."""
    return interpolate(raw, dict(REQUIRED_VARS))


def service(compose: dict[str, Any], name: str) -> dict[str, Any]:
    return compose["services"][name]


def environment(compose: dict[str, Any], name: str) -> dict[str, str]:
    env = service(compose, name).get("environment") or {}
    if isinstance(env, list):  # the `- KEY=value` form
        env = dict(item.split("=", 1) for item in env)
    return {k: str(v) for k, v in env.items()}


def argv(compose: dict[str, Any], name: str) -> list[str]:
    cmd = service(compose, name)["command"]
    assert isinstance(cmd, list), f"{name}: use the exec (list) form of `command`"
    return [str(a) for a in cmd]


def listen_port(args: list[str]) -> int:
    assert "--port" in args, f"{args}: no --port"
    return int(args[args.index("--port") + 1])


def depends_on(compose: dict[str, Any], name: str) -> dict[str, dict[str, str]]:
    deps = service(compose, name).get("depends_on") or {}
    if isinstance(deps, list):
        deps = {d: {"condition": "service_started"} for d in deps}
    return deps


def resolve(target: str) -> Any:
    module, _, attr = target.partition(":")
    obj = importlib.import_module(module)
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj


def console_scripts() -> dict[str, str]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]


def check_serve_command(args: list[str], monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """`python -m chanjiao.serve <name> …`: the name is an APPS entry whose factory resolves, and
    serve's own argument parser accepts the rest (uvicorn.run is intercepted)."""
    assert args[:3] == ["python", "-m", "chanjiao.serve"], args
    name = args[3]
    assert name in serve.APPS, f"{name} is not one of chanjiao.serve.APPS {sorted(serve.APPS)}"
    factory = resolve(serve.APPS[name])
    assert callable(factory), serve.APPS[name]
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(serve.uvicorn, "run", lambda app, **kw: calls.append({"app": app, **kw}))
    monkeypatch.setattr(serve, "configure_logging", lambda *a, **k: None)  # keep the test run's handlers
    serve.main(args[3:])
    # uvicorn gets serve's own wrapper of that factory (it freezes the start-up objects; chanjiao/serve.py)
    assert len(calls) == 1 and calls[0]["app"] == f"chanjiao.serve:{name}_app" and calls[0]["factory"] is True
    assert callable(resolve(calls[0]["app"]))
    return calls[0]


# ---- the service set -------------------------------------------------------------------------
def test_services_and_secrets_come_from_the_environment(raw: dict[str, Any]) -> None:
    assert set(raw["services"]) == ALL_SERVICES
    text = COMPOSE_FILE.read_text(encoding="utf-8")
    assert required_variables(text) == set(REQUIRED_VARS)
    # Every password in a URL and the postgres password are required variables, never literals.
    urls = [v for s in raw["services"].values() for v in (s.get("environment") or {}).values() if "://" in str(v)]
    db_urls = [u for u in urls if u.startswith("postgresql")]
    assert len(db_urls) == 1 + 2 * len(SERVICES)  # admin URL + each service URL in migrate and in its service
    for url in db_urls:
        password = re.fullmatch(r"[a-z+]+://[^:/@]+:(.*)@[^@]+", url)
        assert password and re.fullmatch(r"\$\{[A-Z_]+:\?[^}]*\}", password[1]), f"literal password in {url}"
    assert raw["services"]["postgres"]["environment"]["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD:?")
    with pytest.raises(MissingVariable, match="POSTGRES_PASSWORD"):
        interpolate(raw, {k: v for k, v in REQUIRED_VARS.items() if k != "POSTGRES_PASSWORD"})


# ---- commands ----------------------------------------------------------------------------------
@pytest.mark.parametrize("name", APP_SERVICES)
def test_service_command_starts_that_app_on_all_interfaces(
    compose: dict[str, Any], name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    args = argv(compose, name)
    assert importlib.util.find_spec(args[2]) is not None, f"no module {args[2]}"
    assert args[3] == name, f"service {name} runs {args[3]}"
    call = check_serve_command(args, monkeypatch)
    assert call["host"] == "0.0.0.0" and call["port"] == listen_port(args)


def test_migrate_command_is_the_chanjiao_console_script(
    compose: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    args = argv(compose, "migrate")
    scripts = console_scripts()
    assert args[0] in scripts, f"{args[0]} is not a console script of pyproject.toml"
    entry = resolve(scripts[args[0]])
    assert callable(entry)
    with pytest.raises(SystemExit) as exc:  # argparse accepts the subcommand and prints its help
        entry([*args[1:], "--help"])
    assert exc.value.code == 0
    assert f"usage: chanjiao {' '.join(args[1:])}" in capsys.readouterr().out


def test_every_process_uses_the_project_image(compose: dict[str, Any]) -> None:
    images = {service(compose, n).get("image") for n in ("migrate", *APP_SERVICES)}
    assert len(images) == 1 and None not in images, images
    for n in ("migrate", *APP_SERVICES):
        build = service(compose, n).get("build")
        context = build if isinstance(build, str) else (build or {}).get("context")
        assert context == ".", f"{n}: build the image from the project root"
    assert service(compose, "postgres")["image"].startswith("postgres:")


# ---- settings ------------------------------------------------------------------------------
def allowed_variables(name: str) -> set[str]:
    kernel = {f"CHANJIAO_{f.upper()}" for f in KernelSettings.model_fields}
    if name == "migrate":  # `chanjiao migrate` reads the services' URLs for the role passwords
        return kernel | {f"{SERVICE_SETTINGS[s].model_config['env_prefix']}DATABASE_URL" for s in SERVICES}
    cls = SETTINGS_CLASS[name]
    return kernel | {f"{cls.model_config['env_prefix']}{f.upper()}" for f in cls.model_fields}


@pytest.mark.parametrize("name", ["migrate", *APP_SERVICES])
def test_chanjiao_variables_are_real_settings_fields(compose: dict[str, Any], name: str) -> None:
    env = {k for k in environment(compose, name) if k.startswith("CHANJIAO_")}
    unknown = env - allowed_variables(name)
    assert not unknown, f"{name} sets variables no settings field of {name} reads: {sorted(unknown)}"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_settings_load_from_the_compose_environment(
    compose: dict[str, Any], name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Outside development the settings refuse development defaults: they must all be set here."""
    for key in list(os.environ):
        if key.upper().startswith("CHANJIAO_"):
            monkeypatch.delenv(key)
    env = environment(compose, name)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    settings = SETTINGS_CLASS[name]()
    assert settings.environment == "production"
    assert settings.internal_token_key.get_secret_value() == REQUIRED_VARS["CHANJIAO_INTERNAL_TOKEN_KEY"]
    if name in SERVICES:
        assert settings.database_url == env[f"CHANJIAO_{name.upper()}_DATABASE_URL"]


# ---- the network ---------------------------------------------------------------------------
def test_gateway_upstreams_are_the_compose_services(compose: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    for key in list(os.environ):
        if key.upper().startswith("CHANJIAO_"):
            monkeypatch.delenv(key)
    for key, value in environment(compose, "gateway").items():
        monkeypatch.setenv(key, value)
    upstreams = GatewaySettings().upstream_urls()
    assert set(upstreams) == set(SERVICES)
    for svc, url in upstreams.items():
        parts = urlsplit(url)
        assert parts.scheme == "http" and parts.hostname == svc, f"{svc} upstream is {url}"
        assert parts.port == listen_port(argv(compose, svc)), f"{svc} upstream {url} is not its listen port"


@pytest.mark.parametrize("name", SERVICES)
def test_services_reach_the_gateway_by_its_compose_name(compose: dict[str, Any], name: str) -> None:
    url = urlsplit(environment(compose, name)[f"CHANJIAO_{name.upper()}_GATEWAY_URL"])
    assert url.hostname == "gateway" and url.port == listen_port(argv(compose, "gateway"))


def test_only_the_gateway_is_published(compose: dict[str, Any]) -> None:
    published = {n: s["ports"] for n, s in compose["services"].items() if s.get("ports")}
    assert set(published) == {"gateway"}, published
    gateway_port = listen_port(argv(compose, "gateway"))
    assert [str(p) for p in published["gateway"]] == [f"{gateway_port}:{gateway_port}"]


@pytest.mark.parametrize("name", APP_SERVICES)
def test_health_checks_call_the_process_health_endpoint(compose: dict[str, Any], name: str) -> None:
    test = service(compose, name)["healthcheck"]["test"]
    assert test[:3] == ["CMD", "python", "-c"], test
    compile(test[3], f"<{name} healthcheck>", "exec")  # valid Python
    url = urlsplit(re.search(r"'(http://[^']+)'", test[3])[1])
    assert url.hostname in ("127.0.0.1", "localhost") and url.path == "/health"
    assert url.port == listen_port(argv(compose, name))


# ---- ordering ------------------------------------------------------------------------------
def test_everything_waits_for_the_migrations(compose: dict[str, Any]) -> None:
    graph = {n: set(depends_on(compose, n)) for n in compose["services"]}
    for n, deps in graph.items():
        assert deps <= set(graph), f"{n} depends on unknown services {deps - set(graph)}"

    def reach(n: str, seen: frozenset[str] = frozenset()) -> set[str]:
        assert n not in seen, f"dependency cycle through {n}"
        out = set(graph[n])
        for d in graph[n]:
            out |= reach(d, seen | {n})
        return out

    assert graph["postgres"] == set()
    for n in ALL_SERVICES - {"postgres", "migrate"}:
        assert "migrate" in reach(n), f"{n} does not wait for migrate"
    assert depends_on(compose, "migrate") == {"postgres": {"condition": "service_healthy"}}
    for svc in SERVICES:
        assert depends_on(compose, svc)["migrate"] == {"condition": "service_completed_successfully"}
    gw = depends_on(compose, "gateway")
    assert set(gw) == set(SERVICES)
    for svc in SERVICES:
        assert gw[svc] == {"condition": "service_healthy"} and "healthcheck" in service(compose, svc)
    assert service(compose, "migrate").get("restart", "no") == "no"


# ---- database ----------------------------------------------------------------------------
def test_database_urls_agree_with_migrate_roles(compose: dict[str, Any]) -> None:
    pg_env = environment(compose, "postgres")
    database = pg_env["POSTGRES_DB"]
    assert database == "chanjiao"
    mig = environment(compose, "migrate")
    admin = make_url(mig["DATABASE_URL"])
    assert admin.host == "postgres" and admin.port == 5432 and admin.database == database
    assert admin.username == pg_env.get("POSTGRES_USER", "postgres")
    assert admin.password == pg_env["POSTGRES_PASSWORD"] == REQUIRED_VARS["POSTGRES_PASSWORD"]
    for svc in SERVICES:
        key = f"CHANJIAO_{svc.upper()}_DATABASE_URL"
        assert mig[key] == environment(compose, svc)[key], f"migrate and {svc} disagree on {key}"
        url = make_url(mig[key])
        assert url.drivername == "postgresql+asyncpg"
        assert (url.host, url.port, url.database) == (admin.host, admin.port, admin.database)
        assert url.username == migrate.role_name(svc)
        assert url.password == REQUIRED_VARS[f"{svc.upper()}_DB_PASSWORD"]
        for other in set(SERVICES) - {svc}:  # a service only gets its own URL
            assert f"CHANJIAO_{other.upper()}_DATABASE_URL" not in environment(compose, svc)
    for name in APP_SERVICES:
        assert "DATABASE_URL" not in environment(compose, name), f"{name} must not get the admin URL"


def test_postgres_health_check_and_volume(raw: dict[str, Any], compose: dict[str, Any]) -> None:
    pg = service(compose, "postgres")
    test = pg["healthcheck"]["test"]
    assert test[0] in ("CMD", "CMD-SHELL") and "pg_isready" in " ".join(test)
    major = int(re.fullmatch(r"postgres:(\d+)(?:[.-].*)?", pg["image"])[1])
    assert major >= 15
    # 18+ images keep PGDATA in /var/lib/postgresql/<major>/docker and refuse a mount at .../data.
    target = "/var/lib/postgresql" if major >= 18 else "/var/lib/postgresql/data"
    mounts = [v.split(":") for v in pg["volumes"]]
    named = [src for src, dst, *_ in mounts if dst == target]
    assert named and named[0] in (raw.get("volumes") or {}), f"no named volume at {target}: {pg['volumes']}"


# ---- the image ---------------------------------------------------------------------------
def dockerfile_instructions() -> list[tuple[str, str]]:
    text = DOCKERFILE.read_text(encoding="utf-8").replace("\\\n", " ")
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def test_dockerfile_runs_the_gateway_as_a_non_root_user(monkeypatch: pytest.MonkeyPatch) -> None:
    ins = dockerfile_instructions()
    assert ins[0] == ("FROM", "python:3.11-slim")
    users = [v for k, v in ins if k == "USER"]
    assert users and users[-1] not in ("root", "0"), "the image must not run as root"
    assert ("EXPOSE", "8000") in ins
    cmd = json.loads([v for k, v in ins if k == "CMD"][-1])
    call = check_serve_command(cmd, monkeypatch)
    assert cmd[3] == "gateway" and call["host"] == "0.0.0.0" and call["port"] == 8000
    assert not any(k == "ENTRYPOINT" for k, _ in ins), "compose commands assume no ENTRYPOINT"


def test_dockerfile_copies_what_migrate_and_the_apps_need() -> None:
    """`chanjiao migrate` finds migrations/alembic.ini next to the `chanjiao` package, so the image
    must ship migrations/ beside the packages (editable install) — and .dockerignore must not drop them."""
    assert migrate.ALEMBIC_INI == ROOT / "migrations" / "alembic.ini" and migrate.ALEMBIC_INI.exists()
    ins = dockerfile_instructions()
    copied = {src.rstrip("/") for k, v in ins if k == "COPY" for src in v.split()[:-1]}
    packages = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"]
    needed = {p.rstrip("*") for p in packages["find"]["include"]} | {"migrations", "pyproject.toml", "README.md"}
    assert needed <= copied, f"not copied into the image: {sorted(needed - copied)}"
    assert any(k == "RUN" and re.search(r"pip install (-e|--editable) \.", v) for k, v in ins)
    ignored = [p.strip() for p in (ROOT / ".dockerignore").read_text().splitlines() if p.strip() and p[0] != "#"]
    for path in needed:
        assert not any(fnmatch.fnmatch(path, pat) for pat in ignored), f".dockerignore excludes {path}"
    for secret in (".chanjiao", ".env", ".git", ".venv"):
        assert secret in ignored, f".dockerignore should exclude {secret}"


# ---- the real tool -----------------------------------------------------------------------
def run_compose(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in REQUIRED_VARS and not k.startswith("CHANJIAO_")}
    return subprocess.run(
        [shutil.which("docker-compose") or "docker-compose", "-f", str(COMPOSE_FILE), *args],
        env={**base, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


docker_compose = pytest.mark.skipif(
    shutil.which("docker-compose") is None,
    reason="docker-compose is not on PATH (Debian: apt-get install docker-compose); the CI script installs it as root",
)


@docker_compose
def test_docker_compose_accepts_the_file(compose: dict[str, Any]) -> None:
    quiet = run_compose("config", "-q", env=REQUIRED_VARS)
    assert quiet.returncode == 0, quiet.stderr
    resolved = run_compose("config", env=REQUIRED_VARS)
    assert resolved.returncode == 0, resolved.stderr
    services = yaml.safe_load(resolved.stdout)["services"]
    for name in ALL_SERVICES:  # docker-compose's interpolation agrees with the one tested above
        assert {k: str(v) for k, v in services[name]["environment"].items()} == environment(compose, name)
        if name != "postgres":
            assert [str(a) for a in services[name]["command"]] == argv(compose, name)


@docker_compose
def test_docker_compose_refuses_a_missing_secret() -> None:
    env = {k: v for k, v in REQUIRED_VARS.items() if k != "MATCHING_DB_PASSWORD"}
    result = run_compose("config", "-q", env=env)
    assert result.returncode != 0 and "MATCHING_DB_PASSWORD" in result.stderr
