"""Fixtures of the service tests: `plaint serve` as a real subprocess on
127.0.0.1 with a free port, on SQLite and PostgreSQL (the `plaint`
fixture's ledger), driven with httpx."""

from __future__ import annotations

import imaplib
import json
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import httpx
import pytest

from benchmarks.http import free_port
from ledger.crypto.credentials import csrf_token
from tests.conftest import Plaint, SmtpSink

START_TIMEOUT = 30.0


@dataclass
class Server:
    """A running `plaint serve` and the CLI on the same ledger."""

    url: str
    plaint: Plaint
    log: Path
    process: subprocess.Popen[bytes]
    environ: dict[str, str] = field(default_factory=dict)
    clients: list[httpx.Client] = field(default_factory=list)
    # More arguments of `plaint serve` (mail's, say).
    args: tuple[str, ...] = ()

    def client(self, token: str | None = None) -> httpx.Client:
        """An HTTP client of the service, with a Bearer token if given."""
        headers = {} if token is None else {"Authorization": f"Bearer {token}"}
        made = httpx.Client(base_url=self.url, headers=headers, timeout=30)
        self.clients.append(made)
        return made

    def token(
        self, member: str, scope: str = "act", expires: datetime | None = None
    ) -> str:
        """A new API token of `member` (created by admin ann)."""
        ledger = self.plaint.open("ann")
        try:
            return str(ledger.create_token(member, scope, expires)["token"])
        finally:
            ledger.close()

    def password(self, member: str, password: str = "correct horse battery") -> str:
        """Set `member`'s password (as admin ann); return it."""
        ledger = self.plaint.open("ann")
        try:
            ledger.set_password(member, password)
        finally:
            ledger.close()
        return password

    def session(self, member: str) -> tuple[httpx.Client, str]:
        """A client signed in as `member` through /login, and its CSRF token."""
        password = self.password(member)
        client = self.client()
        form = client.get("/login")
        nonce = form.cookies["plaint-login"]
        done = client.post(
            "/login", data={"member": member, "password": password, "csrf": nonce}
        )
        assert done.status_code == 303, done.text
        secret = client.cookies["plaint-session"]
        return client, csrf_token(secret)

    def kill(self) -> None:
        """kill -9 the server, as a crash does."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def restart(self) -> None:
        """Start the server again on the same port (after `kill`)."""
        port = int(self.url.rpartition(":")[2])
        self.process = launch(self.plaint, self.log, port, self.environ, self.args)
        wait_until_healthy(self)

    def stop(self) -> None:
        for made in self.clients:
            made.close()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def launch(
    plaint: Plaint,
    log: Path,
    port: int,
    environ: dict[str, str],
    args: tuple[str, ...] = (),
) -> subprocess.Popen[bytes]:
    """`plaint serve` on `plaint`'s ledger and `port` (and `args`), its
    output in `log`."""
    env = {**plaint.environ, **environ, "PLAINT_LEDGER": plaint.ledger}
    command = [sys.executable, "-c", "from commands import main; main()"]
    with log.open("ab") as out:
        return subprocess.Popen(
            [*command, "serve", "--host", "127.0.0.1", "--port", str(port), *args],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def start(
    plaint: Plaint,
    tmp_path: Path,
    environ: dict[str, str],
    port: int | None = None,
    args: tuple[str, ...] = (),
) -> Server:
    """Start `plaint serve` on `plaint`'s ledger (on `port`, or a free one;
    with `args`); return once /healthz answers."""
    port = free_port() if port is None else port
    log = tmp_path / f"serve-{port}.log"
    process = launch(plaint, log, port, environ, args)
    server = Server(
        f"http://127.0.0.1:{port}", plaint, log, process, environ, args=args
    )
    wait_until_healthy(server)
    return server


def wait_until_healthy(server: Server) -> None:
    """Return once the server answers /healthz; fail the test if it exits
    or does not answer in time."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(f"plaint serve exited:\n{server.log.read_text()}")
        try:
            if httpx.get(f"{server.url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.05)
    server.stop()
    pytest.fail(f"plaint serve did not answer /healthz:\n{server.log.read_text()}")


@pytest.fixture
def serve(plaint: Plaint, tmp_path: Path) -> Iterator[Callable[..., Server]]:
    """Starts a server on `plaint`'s ledger, with extra environment variables
    (the ledger's limits and timeouts, say); each is stopped afterwards."""
    started: list[Server] = []

    def starting(**environ: str) -> Server:
        server = start(plaint, tmp_path, environ)
        started.append(server)
        return server

    yield starting
    for server in started:
        server.stop()


@pytest.fixture
def server(serve: Callable[..., Server]) -> Server:
    """`plaint serve` on a ledger with admin ann, lead lee, agent bob and
    auditor aud (see the `plaint` fixture), SQLite and PostgreSQL."""
    return serve()


@pytest.fixture
def mail_server(
    plaint: Plaint, tmp_path: Path, smtp_sink: SmtpSink
) -> Iterator[Server]:
    """`plaint serve` with its complaint form open for Payroll, mailing the
    SMTP sink every 0.2 s, its survey invitations sent at resolution; on
    SQLite and PostgreSQL."""
    yield from mailing(plaint, tmp_path, smtp_sink)


@pytest.fixture
def sqlite_mail_server(
    sqlite_plaint: Plaint, tmp_path: Path, smtp_sink: SmtpSink
) -> Iterator[Server]:
    """`mail_server` on SQLite alone, with admin ann and agent bob: for the
    pages' own checks, which the store does not decide."""
    yield from mailing(sqlite_plaint, tmp_path, smtp_sink)


def mailing(plaint: Plaint, tmp_path: Path, smtp_sink: SmtpSink) -> Iterator[Server]:
    """A server as `mail_server` describes it, stopped afterwards."""
    port = free_port()
    ledger = plaint.open("ann")
    try:
        ledger.set_policy("*", "*", {"survey": 0})
    finally:
        ledger.close()
    environ = {
        "PLAINT_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "PLAINT_SMTP_URL": smtp_sink.url,
        "PLAINT_OUTBOX_POLL": "0.2",
        "PLAINT_FORM_PROJECTS": "Payroll",
    }
    server = start(plaint, tmp_path, environ, port)
    yield server
    server.stop()


def age_sessions(plaint: Plaint, seconds: float) -> None:
    """Make every session of `plaint`'s ledger `seconds` older, as if its
    members had not used it for that long (in the ledger's own database)."""
    statement = "UPDATE plaint_sessions SET created = created - {0}, seen = seen - {0}"
    if plaint.ledger.startswith("postgresql://"):
        import psycopg

        url, _, schema = plaint.ledger.partition("?schema=")
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'SET search_path TO "{schema}"')
            conn.execute(statement.format("%s"), (seconds, seconds))
        return
    with sqlite3.connect(plaint.ledger) as conn:
        conn.execute(statement.format("?"), (seconds, seconds))
    conn.close()


# Mail in (tests/service/test_mail_lmtp.py, test_mail_imap.py).

MAIL_DOMAIN = "complaints.example.org"
MAIL_ARGS = ("--mail-project", "Apollo", "--mail-domain", MAIL_DOMAIN)


@dataclass
class LmtpServer:
    """`plaint serve --lmtp` as agent bob, filing mail on project Apollo."""

    server: Server
    port: int

    def deliver(
        self, raw: bytes, recipients: tuple[str, ...] = ("complaints@example.org",)
    ) -> list[tuple[int, bytes]]:
        """Deliver `raw` to each recipient over LMTP; each one's reply."""
        import smtplib

        with smtplib.LMTP("127.0.0.1", self.port) as lmtp:
            lmtp.ehlo_or_helo_if_needed()
            lmtp.mail("customer@example.com")
            for recipient in recipients:
                assert lmtp.rcpt(recipient)[0] == 250
            lmtp.putcmd("data")
            assert lmtp.getreply()[0] == 354
            lmtp.send(_dotted(raw) + b"\r\n.\r\n")
            return [lmtp.getreply() for _ in recipients]


def _dotted(raw: bytes) -> bytes:
    """`raw` as LMTP's DATA carries it: CRLF line ends, leading dots doubled."""
    import re

    lines = re.sub(rb"(?:\r\n|\n|\r(?!\n))", b"\r\n", raw)
    return re.sub(rb"(?m)^\.", b"..", lines).removesuffix(b"\r\n")


@pytest.fixture
def lmtp_server(plaint: Plaint, tmp_path: Path) -> Iterator[LmtpServer]:
    """`plaint serve --lmtp` on a free port, on `plaint`'s ledger."""
    port = free_port()
    args = ("--lmtp", f"127.0.0.1:{port}", *MAIL_ARGS)
    server = start(plaint, tmp_path, {"PLAINT_ACTOR": "bob"}, args=args)
    yield LmtpServer(server, port)
    server.stop()


@dataclass
class Dovecot:
    """Debian's Dovecot IMAP server on 127.0.0.1, config and mail in a temp dir."""

    port: int
    tls_port: int
    user: str
    password: str
    # The certificate its TLS presents (for 127.0.0.1), for SSL_CERT_FILE.
    certificate: Path
    log: Path
    folders: int = 0

    def tls_logins(self) -> int:
        """How many sign-ins came over TLS (STARTTLS or imaps), by its log."""
        lines = self.log.read_text().splitlines()
        return sum(1 for line in lines if "Login: " in line and ", TLS" in line)

    @contextmanager
    def connect(self) -> Iterator[imaplib.IMAP4]:
        """Signed in; logged out afterwards."""
        with imaplib.IMAP4("127.0.0.1", self.port, timeout=30) as imap:
            imap.login(self.user, self.password)
            yield imap

    def new_folder(self) -> str:
        """A folder of its own, for one test."""
        self.folders += 1
        name = f"Complaints{self.folders}"
        with self.connect() as imap:
            assert imap.create(name)[0] == "OK"
        return name

    def url(self, folder: str, *, tls: bool = False) -> str:
        """imap:// (STARTTLS, which it offers) or imaps://."""
        if tls:
            return f"imaps://{self.user}@127.0.0.1:{self.tls_port}/{folder}"
        return f"imap://{self.user}@127.0.0.1:{self.port}/{folder}"

    def append(self, folder: str, *messages: bytes) -> None:
        with self.connect() as imap:
            for raw in messages:
                assert imap.append(folder, None, None, raw)[0] == "OK"

    def waiting(self, folder: str) -> list[tuple[bytes, bytes]]:
        """The messages not deleted: each one's flags and bytes."""
        found = []
        with self.connect() as imap:
            imap.select(folder)
            for uid in imap.uid("SEARCH", "UNDELETED")[1][0].split():
                fetched = imap.uid("FETCH", uid, "(FLAGS BODY.PEEK[])")[1]
                head, raw = next(p for p in fetched if isinstance(p, tuple))
                found.append((head, raw))
        return found

    def wait_until(self, folder: str, count: int, timeout: float = 20.0) -> None:
        """Return once `count` messages are left in the folder."""
        deadline = time.monotonic() + timeout
        while len(self.waiting(folder)) != count:
            if time.monotonic() > deadline:
                pytest.fail(f"{folder} still holds {len(self.waiting(folder))}")
            time.sleep(0.1)


DOVECOT_CONF = """\
base_dir = {dir}/run
state_dir = {dir}/state
log_path = {dir}/dovecot.log
instance_name = plaint-test-{port}
listen = 127.0.0.1
protocols = imap
ssl = yes
ssl_cert = <{dir}/cert.pem
ssl_key = <{dir}/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain
mail_location = maildir:{dir}/mail/%u
{users}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {dir}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={dir}/home/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls_port}
  }}
}}
service anvil {{
  chroot =
}}
"""


def self_signed(certificate: Path, key: Path) -> None:
    """A key and a self-signed certificate for 127.0.0.1, as PEM files."""
    from datetime import UTC, timedelta
    from ipaddress import ip_address

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    private = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "plaint test IMAP")])
    now = datetime.now(UTC)
    made = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(private.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(private, hashes.SHA256())
    )
    certificate.write_bytes(made.public_bytes(serialization.Encoding.PEM))
    key.write_bytes(
        private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key.chmod(0o600)


@pytest.fixture(scope="module")
def dovecot() -> Iterator[Dovecot]:
    """Dovecot with one user, its config, mail and logs in a temp dir (no
    system-wide change); skipped when it is not installed, unless
    PLAINT_REQUIRE_MAIL=1 (CI), where that fails."""
    import grp
    import os
    import pwd
    import shutil

    binary = shutil.which("dovecot") or shutil.which("dovecot", path="/usr/sbin")
    if binary is None:
        if os.environ.get("PLAINT_REQUIRE_MAIL") == "1":
            pytest.fail("Dovecot is required: apt-get install dovecot-imapd")
        pytest.skip("Dovecot is not installed (apt-get install dovecot-imapd)")
    import tempfile

    # Not under pytest's temp dir, which only root may enter: Dovecot's own
    # users read the password file and write the mail.
    home = Path(tempfile.mkdtemp(prefix="plaint-dovecot-"))
    home.chmod(0o755)
    port = free_port()
    if os.geteuid() == 0:
        # Root runs Dovecot as Debian runs it; the mail belongs to nobody.
        nobody = pwd.getpwnam("nobody")
        uid, gid, users = "nobody", grp.getgrgid(nobody.pw_gid).gr_name, ""
    else:
        me = pwd.getpwuid(os.geteuid()).pw_name
        uid, gid = me, grp.getgrgid(os.getegid()).gr_name
        users = f"default_login_user = {me}\ndefault_internal_user = {me}"
    for name in ("run", "state", "mail", "home"):
        (home / name).mkdir()
    if os.geteuid() == 0:
        for name in ("mail", "home"):
            shutil.chown(home / name, uid, gid)
    (home / "passwd").write_text("mailer:{PLAIN}imap-test-password\n")
    self_signed(home / "cert.pem", home / "key.pem")
    tls_port = free_port()
    conf = home / "dovecot.conf"
    conf.write_text(
        DOVECOT_CONF.format(
            dir=home, port=port, tls_port=tls_port, uid=uid, gid=gid, users=users
        )
    )
    server = Dovecot(
        port, tls_port, "mailer", "imap-test-password", home / "cert.pem",
        home / "dovecot.log",
    )  # fmt: skip
    with (home / "stderr.log").open("wb") as stderr:
        process = subprocess.Popen(
            [binary, "-F", "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=stderr
        )
    try:
        wait_for_dovecot(server, process, home)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(home, ignore_errors=True)


def wait_for_dovecot(
    server: Dovecot, process: subprocess.Popen[bytes], home: Path
) -> None:
    """Return once a test user can sign in; fail with its logs if it cannot."""
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        try:
            with server.connect():
                return
        except (OSError, imaplib.IMAP4.error):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(
                    "Dovecot did not start:\n"
                    + (home / "stderr.log").read_text()
                    + (server.log.read_text() if server.log.exists() else "")
                )
            time.sleep(0.1)


@pytest.fixture
def imap_serve(
    sqlite_plaint: Plaint, tmp_path: Path, dovecot: Dovecot
) -> Iterator[Callable[..., Server]]:
    """Starts `plaint serve --imap` on a folder of `dovecot`, as agent bob
    (with extra environment variables); each is stopped afterwards. On
    SQLite alone: what IMAP adds is the same on both, and the claims that
    keep a message from being filed twice are tested on both
    (tests/integration/test_mail_in.py)."""
    plaint = sqlite_plaint
    started: list[Server] = []

    def starting(folder: str, **environ: str) -> Server:
        args = ("--imap", dovecot.url(folder), *MAIL_ARGS)
        env = {
            "PLAINT_ACTOR": "bob",
            "PLAINT_IMAP_PASSWORD": dovecot.password,
            # STARTTLS to Dovecot, whose certificate this makes trusted.
            "SSL_CERT_FILE": str(dovecot.certificate),
        }
        server = start(plaint, tmp_path, {**env, **environ}, args=args)
        started.append(server)
        return server

    yield starting
    for server in started:
        server.stop()


@dataclass
class WitnessProcess:
    """A `plaint witness serve` on 127.0.0.1, its key and verifier key."""

    url: str
    vkey: str
    key: Path
    log_vkey: str
    log: Path
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start it (again) on its port; return once it answers."""
        port = self.url.rpartition(":")[2]
        command = [sys.executable, "-c", "from commands import main; main()"]
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [*command, "witness", "serve", "--key", str(self.key), "--port", port,
                 "--log", self.log_vkey],
                stdout=out,
                stderr=subprocess.STDOUT,
            )  # fmt: skip
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"plaint witness serve exited:\n{self.log.read_text()}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.05)
        pytest.fail(f"plaint witness serve did not answer:\n{self.log.read_text()}")

    def stop(self) -> None:
        """Stop it (its memory stays in its file)."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(15)


@pytest.fixture
def witnesses(
    plaint: Plaint, tmp_path: Path
) -> Iterator[Callable[[str], WitnessProcess]]:
    """Makes witnesses of `plaint`'s ledger, by name (a key and a free port
    each; `start()` runs one); each is stopped afterwards."""
    from ledger.witnessing.keyfile import create_witness_key

    made: list[WitnessProcess] = []
    log_vkey = json.loads(plaint.ok("info", "--json"))["verifier_key"]

    def making(name: str) -> WitnessProcess:
        key = tmp_path / f"{name}.key"
        vkey = create_witness_key(key, name)
        url = f"http://127.0.0.1:{free_port()}"
        witness = WitnessProcess(url, vkey, key, log_vkey, tmp_path / f"{name}.log")
        made.append(witness)
        return witness

    yield making
    for witness in made:
        witness.stop()


def roll_back(plaint: Plaint, size: int) -> None:
    """Remove, as an intruder who can write the database would, every event
    after the first `size` (a checkpoint's) and everything that tells of
    them: newer checkpoints, their cosignatures, the witnesses' sizes."""
    intrude(
        plaint,
        "DELETE FROM {events} WHERE {position} > "
        f"(SELECT position FROM plaint_checkpoints WHERE size = {size})",
        f"DELETE FROM plaint_checkpoints WHERE size > {size}",
        f"DELETE FROM plaint_cosignatures WHERE size > {size}",
        f"UPDATE plaint_witnesses SET seen = {size}",
    )


def intrude(plaint: Plaint, *statements: str) -> None:
    """Run SQL on `plaint`'s ledger as an intruder would (`{events}` and
    `{position}` name the log's table and its position column)."""
    if plaint.ledger.startswith("postgresql://"):
        import psycopg

        url, _, schema = plaint.ledger.partition("?schema=")
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'SET search_path TO "{schema}"')
            for statement in statements:
                conn.execute(statement.format(  # type: ignore[arg-type]
                    events="plaint_events", position="notification_id"
                ))  # fmt: skip
        return
    with sqlite3.connect(plaint.ledger) as conn:
        for statement in statements:
            conn.execute(statement.format(events="stored_events", position="rowid"))
    conn.close()


# Mail out and in on one server (tests/service/test_mail_both_ways.py).


@dataclass
class MailBothWays:
    """`plaint serve` on SQLite with its form open for Payroll, sending to
    `sink` (started or not) and taking mail in over LMTP as agent bob."""

    server: Server
    sink: SmtpSink
    lmtp: LmtpServer


def both_ways(
    plaint: Plaint, tmp_path: Path, sink: SmtpSink, **environ: str
) -> Iterator[MailBothWays]:
    """The server `MailBothWays` describes, with `environ`; stopped after."""
    port, lmtp_port = free_port(), free_port()
    args = (
        "--smtp", sink.url, "--public-url", f"http://127.0.0.1:{port}",
        "--lmtp", f"127.0.0.1:{lmtp_port}", "--mail-project", "Apollo",
    )  # fmt: skip
    environ = {"PLAINT_ACTOR": "bob", "PLAINT_OUTBOX_POLL": "0.2",
               "PLAINT_FORM_PROJECTS": "Payroll", **environ}  # fmt: skip
    server = start(plaint, tmp_path, environ, port, args)
    yield MailBothWays(server, sink, LmtpServer(server, lmtp_port))
    server.stop()


@pytest.fixture
def mail_both_ways(
    sqlite_plaint: Plaint, tmp_path: Path, smtp_sink: SmtpSink
) -> Iterator[MailBothWays]:
    """`MailBothWays` with its SMTP sink up."""
    yield from both_ways(sqlite_plaint, tmp_path, smtp_sink)


@pytest.fixture
def mail_smtp_down(sqlite_plaint: Plaint, tmp_path: Path) -> Iterator[MailBothWays]:
    """`MailBothWays` whose SMTP sink is down (its port free, nothing
    listening) until the test starts it; a failed attempt waits 1 s, then
    2, 4... (PLAINT_OUTBOX_RETRY_BASE)."""
    sink = SmtpSink(free_port(), [])
    yield from both_ways(sqlite_plaint, tmp_path, sink, PLAINT_OUTBOX_RETRY_BASE="1")
    sink.stop()
