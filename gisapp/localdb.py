"""The embedded PostgreSQL/PostGIS cluster that gisapp runs itself when no URL is configured.

It uses the PostgreSQL and PostGIS binaries installed on the machine (Debian/Ubuntu packages,
Homebrew) and keeps everything in one folder of its own (``.gisapp/pg`` by default): the
cluster's data, a generated password and the loopback port it listens on. It listens on
127.0.0.1 only, with password authentication, so other users of the machine cannot read it.

PostgreSQL refuses to run as root. When gisapp itself runs as root, the server runs as the
unprivileged ``postgres`` user; if that user cannot reach the folder (a checkout under
``/root``), the data lives in ``/var/lib/gisapp/`` and the folder records where.
"""

from __future__ import annotations

import hashlib
import os
import pwd
import re
import secrets
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from gisapp.messages import N_, Message, problem_fields

ADMIN_USER = "gisapp_admin"
DATABASE = "gisapp"
MIN_MAJOR = 15
SERVER_USER = "postgres"


class LocalDbError(RuntimeError):
    """The local cluster cannot be set up or started; the lines say what to do.

    Each line is a :class:`~gisapp.messages.Message` (translated where it is shown: the
    CLI prints it in the shell's language) or text PostgreSQL's tools wrote, as they wrote it.
    """

    def __init__(self, *lines: Message | str):
        self.lines = tuple(line for line in lines if isinstance(line, Message) or line.strip())
        super().__init__("\n".join(str(line).rstrip() for line in self.lines))

    def problems(self) -> list[dict]:
        """The lines as problems, the form :func:`gisapp.cli_language.fail` prints."""
        return [problem_fields(line) for line in self.lines]


def install_hint() -> list[Message | str]:
    """Exact commands that install PostgreSQL with PostGIS, per platform."""
    return [
        Message(N_("PostgreSQL >= %(postgresql)s with PostGIS >= %(postgis)s is needed:"),
                postgresql=MIN_MAJOR, postgis="3.3"),
        "  Debian 12:        sudo apt-get install postgresql-15-postgis-3",
        "  Ubuntu 24.04:     sudo apt-get install postgresql-16-postgis-3",
        "  Ubuntu/Debian:    sudo apt-get install postgresql postgis   (>= 15)",
        "  macOS (Homebrew): brew install postgresql@16 postgis",
        Message(N_("Or point gisapp at an existing server: %(setting)s"),
                setting="GISAPP_DATABASE__URL=postgresql://user:pw@host/db"),
    ]


@dataclass(frozen=True)
class PgInstall:
    """One PostgreSQL installation with PostGIS available to it."""

    bindir: Path
    major: int

    def tool(self, name: str) -> str:
        return str(self.bindir / name)


def _pg_major(bindir: Path) -> int | None:
    try:
        out = subprocess.run(
            [str(bindir / "pg_config"), "--version"], capture_output=True, text=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        try:
            out = subprocess.run(
                [str(bindir / "postgres"), "--version"], capture_output=True, text=True,
                check=True,
            ).stdout
        except (OSError, subprocess.CalledProcessError):
            return None
    match = re.search(r"(\d+)(?:\.\d+)?", out)
    return int(match.group(1)) if match else None


def _sharedir(bindir: Path) -> Path | None:
    try:
        out = subprocess.run(
            [str(bindir / "pg_config"), "--sharedir"], capture_output=True, text=True, check=True
        ).stdout.strip()
        return Path(out)
    except (OSError, subprocess.CalledProcessError):
        return None


def _candidate_bindirs() -> list[Path]:
    found: list[Path] = []
    if env := os.environ.get("GISAPP_PG_BINDIR"):
        found.append(Path(env))
    debian = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
        reverse=True,
    )
    found.extend(debian)
    for name in ("pg_ctl", "pg_config"):
        if path := shutil.which(name):
            found.append(Path(path).resolve().parent)
    found.extend(sorted(Path("/opt/homebrew/opt").glob("postgresql@*/bin"), reverse=True))
    found.extend(sorted(Path("/usr/local/opt").glob("postgresql@*/bin"), reverse=True))
    unique: list[Path] = []
    for path in found:
        if path not in unique and (path / "pg_ctl").exists():
            unique.append(path)
    return unique


def find_install() -> PgInstall:
    """The newest PostgreSQL >= 15 on this machine that has PostGIS, or a clear error."""
    seen: list[Message] = []
    for bindir in _candidate_bindirs():
        major = _pg_major(bindir)
        if major is None or major < MIN_MAJOR:
            seen.append(Message(N_("  %(folder)s: version %(major)s, too old"),
                                folder=str(bindir), major=major))
            continue
        share = _sharedir(bindir)
        debian_share = Path(f"/usr/share/postgresql/{major}")
        has_postgis = any(
            (d / "extension" / "postgis.control").exists()
            for d in (share, debian_share) if d is not None
        )
        if has_postgis:
            return PgInstall(bindir=bindir, major=major)
        seen.append(Message(N_("  %(folder)s: PostgreSQL %(major)s without PostGIS"),
                            folder=str(bindir), major=major))
    if not seen:
        seen = [Message(N_("  no PostgreSQL server programs found"))]
    raise LocalDbError(Message(N_("No usable PostgreSQL with PostGIS on this machine:")),
                       *seen, *install_hint())


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _is_root() -> bool:
    return os.geteuid() == 0


def _server_account() -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(SERVER_USER)
    except KeyError as exc:
        raise LocalDbError(Message(N_(
            "gisapp runs as root, and PostgreSQL refuses to run as root, but there is no "
            "'%(user)s' user to run it as. Install the postgresql package (it creates that "
            "user) or run gisapp as an ordinary user."), user=SERVER_USER)) from exc


def _reachable_by(path: Path, uid: int, gid: int) -> bool:
    """Whether every folder above ``path`` can be traversed by that user."""
    for parent in [*reversed(path.parents)]:
        try:
            st = parent.stat()
        except FileNotFoundError:
            return True
        if st.st_uid == uid:
            ok = st.st_mode & 0o100
        elif st.st_gid == gid:
            ok = st.st_mode & 0o010
        else:
            ok = st.st_mode & 0o001
        if not ok:
            return False
    return True


class LocalCluster:
    """A private PostgreSQL cluster in one folder: init, start, stop, status, URL."""

    def __init__(self, folder: Path, install: PgInstall | None = None):
        self.folder = Path(folder).absolute()
        self._install = install

    # -- layout -------------------------------------------------------------------------
    @property
    def install(self) -> PgInstall:
        if self._install is None:
            self._install = find_install()
        return self._install

    @property
    def _pointer(self) -> Path:
        return self.folder / "data_dir"

    @property
    def data_dir(self) -> Path:
        """Where the cluster's files are (inside the folder unless root needed a detour)."""
        if self._pointer.exists():
            return Path(self._pointer.read_text().strip())
        return self.folder / "data"

    @property
    def log_file(self) -> Path:
        return self.data_dir.parent / "postgresql.log"

    @property
    def password(self) -> str:
        return (self.folder / "password").read_text().strip()

    @property
    def port(self) -> int:
        return int((self.folder / "port").read_text().strip())

    def url(self, database: str = DATABASE) -> str:
        """SQLAlchemy URL of the cluster's database for the admin role."""
        return (
            f"postgresql+asyncpg://{ADMIN_USER}:{self.password}@127.0.0.1:{self.port}/{database}"
        )

    def is_initialised(self) -> bool:
        return (self.data_dir / "PG_VERSION").exists()

    # -- running commands as the server user --------------------------------------------
    def _as_server(self, argv: list[str], **kw) -> subprocess.CompletedProcess:
        if _is_root():
            argv = ["runuser", "-u", SERVER_USER, "--", *argv]
        return subprocess.run(argv, capture_output=True, text=True, **kw)

    def _chown_to_server(self, *paths: Path) -> None:
        if _is_root():
            acct = _server_account()
            for path in paths:
                os.chown(path, acct.pw_uid, acct.pw_gid)

    # -- lifecycle ------------------------------------------------------------------------
    def init(self) -> bool:
        """Create the cluster if it does not exist. Returns True when it was created."""
        if self.is_initialised():
            return False
        install = self.install
        self.folder.mkdir(parents=True, exist_ok=True)
        os.chmod(self.folder, 0o755)
        data_dir = self.folder / "data"
        if _is_root():
            acct = _server_account()
            if not _reachable_by(self.folder, acct.pw_uid, acct.pw_gid):
                digest = hashlib.sha1(str(self.folder).encode()).hexdigest()[:12]
                data_dir = Path("/var/lib/gisapp") / f"pg-{digest}" / "data"
                self._pointer.write_text(str(data_dir) + "\n")
        if data_dir.exists() and not (data_dir / "PG_VERSION").exists():
            shutil.rmtree(data_dir)
        data_dir.parent.mkdir(parents=True, exist_ok=True)
        data_dir.mkdir(mode=0o700)
        self._chown_to_server(data_dir.parent, data_dir)

        password = secrets.token_urlsafe(24)
        pw_file = self.folder / "password"
        pw_file.touch(mode=0o600)
        pw_file.write_text(password + "\n")
        (self.folder / "port").write_text(f"{_free_port()}\n")

        init_pw = data_dir.parent / ".initdb-password"
        init_pw.write_text(password + "\n")
        os.chmod(init_pw, 0o600)
        self._chown_to_server(init_pw)
        try:
            result = self._as_server([
                install.tool("initdb"), "-D", str(data_dir), "-U", ADMIN_USER,
                "--pwfile", str(init_pw), "--auth-local=scram-sha-256",
                "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C", "--no-instructions",
            ])
        finally:
            init_pw.unlink(missing_ok=True)
        if result.returncode != 0:
            raise LocalDbError(Message(N_("initdb failed:")), result.stderr or result.stdout)
        conf = data_dir / "postgresql.conf"
        with conf.open("a") as fh:
            fh.write(
                "\n# gisapp local cluster\n"
                "listen_addresses = '127.0.0.1'\n"
                "unix_socket_directories = ''\n"
                "max_connections = 200\n"
                "shared_buffers = '256MB'\n"
                "fsync = on\n"
                "timezone = 'UTC'\n"
            )
        return True

    def status(self) -> str:
        """'running', 'stopped' or 'absent'."""
        if not self.is_initialised():
            return "absent"
        result = self._as_server([self.install.tool("pg_ctl"), "-D", str(self.data_dir), "status"])
        return "running" if result.returncode == 0 else "stopped"

    def start(self, timeout: int = 60) -> None:
        """Start the cluster (creating it first if needed); no-op when it already runs."""
        self.init()
        if self.status() == "running":
            return
        port = self.port
        if not _port_free(port):
            port = _free_port()
            (self.folder / "port").write_text(f"{port}\n")
        result = self._as_server([
            self.install.tool("pg_ctl"), "-D", str(self.data_dir), "-l", str(self.log_file),
            "-w", "-t", str(timeout), "-o", f"-p {port}", "start",
        ])
        if result.returncode != 0:
            tail = ""
            if self.log_file.exists():
                tail = "\n".join(self.log_file.read_text(errors="replace").splitlines()[-15:])
            raise LocalDbError(Message(N_("PostgreSQL did not start:")), result.stderr, tail)
        self._wait_accepting(port, timeout)

    def _wait_accepting(self, port: int, timeout: int) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            res = subprocess.run(
                [self.install.tool("pg_isready"), "-h", "127.0.0.1", "-p", str(port), "-q"],
                capture_output=True,
            )
            if res.returncode == 0:
                return
            time.sleep(0.2)
        raise LocalDbError(Message(
            N_("PostgreSQL on port %(port)s did not accept connections in time"), port=port))

    def stop(self) -> bool:
        """Stop the cluster cleanly (fast shutdown). Returns False when it was not running."""
        if self.status() != "running":
            return False
        result = self._as_server(
            [self.install.tool("pg_ctl"), "-D", str(self.data_dir), "-m", "fast", "-w", "stop"]
        )
        if result.returncode != 0:
            raise LocalDbError(Message(N_("PostgreSQL did not stop:")), result.stderr)
        return True

    def destroy(self) -> None:
        """Stop and delete the cluster and its folder (test clusters)."""
        if self.is_initialised():
            try:
                self.stop()
            except LocalDbError:
                pass
        data_parent = self.data_dir.parent
        if data_parent != self.folder and data_parent.exists():
            shutil.rmtree(data_parent, ignore_errors=True)
        shutil.rmtree(self.folder, ignore_errors=True)
