"""Named breaks of the promise-carrying code, each applied alone: does a test fail?

`python -m tests.mutations` applies each break below to its file in place,
runs that break's tests (pytest -x, under a time limit) and puts the file
back exactly as it was, whatever happens (a failure, Ctrl-C, a timeout; after
a hard kill, the next run puts back what it finds left over). A break that
makes a test fail is killed; one that all its tests pass survived: a promise
no test holds. Options: `--list`, `--check` (every break's snippet is found
once in its file), `--full` (the whole suite after the break's own tests),
`--timeout SECONDS` (per break), and break names to run only those.

A break no test can observe (an equivalent change) says why in its
`explained` field and is reported as explained, not survived.

Opt-in, not run by CI: it takes minutes. Each break is (name, file, original
snippet, broken snippet, tests); a snippet that is no longer found once in
its file is reported as stale, to be brought up to date with the code.
"""

from __future__ import annotations

import argparse
import fcntl
import importlib.util
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

ROOT = Path(__file__).resolve().parent.parent
LEFT_OVER = ".unbroken"  # the original of a file a break is applied to


@dataclass(frozen=True)
class Break:
    """One deliberate break: `original` becomes `broken` in `file` (a regular
    expression when `regex`), and one of `tests` should then fail, unless it
    is `explained`."""

    name: str
    file: str
    original: str
    broken: str
    tests: tuple[str, ...]
    regex: bool = False
    # Why no test can fail on it (an equivalent or unreachable change): it is
    # then reported as explained rather than survived.
    explained: str = ""


E2E = "tests/e2e/"
INTEGRITY = (f"{E2E}test_integrity.py", "tests/integration/test_tampering.py",
             "tests/integration/test_database_writer.py")  # fmt: skip
VIEWS = ("tests/unit/test_views.py", "tests/integration/test_projections.py",
         f"{E2E}test_views.py", f"{E2E}test_reports.py")  # fmt: skip
DOMAIN = ("tests/unit/test_complaint_lifecycle.py",
          "tests/unit/test_complaint_rules.py", "tests/unit/test_views.py")  # fmt: skip
NUMBERS = (f"{E2E}test_lifecycle.py", f"{E2E}test_concurrency.py",
           "tests/integration/test_database_writer.py")  # fmt: skip

BREAKS = (
    # The breaks the whole suite passed in issue 24.
    Break("old-key write guard deleted", "ledger/storage/tables.py",
          "            if master_id != keys[0].master_id:",
          "            if False and master_id != keys[0].master_id:",
          (f"{E2E}test_keys.py", f"{E2E}test_concurrency.py")),
    Break("leaf encoding changed", "ledger/evidence/logcheck.py",
          r'LEAF_PREFIX = b"plaint-leaf-v1\x00"',
          r'LEAF_PREFIX = b"plaint-leaf-v2\x00"',
          (*INTEGRITY, "tests/unit/test_merkle.py")),
    Break("team change authorised after saving", "ledger/cases/administration.py",
          '        team.authorise(self.actor, ADMINS, "manage the team")\n'
          "        team.add(new_member_name(name), role, self.actor, self.clock())\n"
          "        self._save(team)\n",
          "        team.add(new_member_name(name), role, self.actor, self.clock())\n"
          "        self._save(team)\n"
          '        team.authorise(self.actor, ADMINS, "manage the team")\n',
          (f"{E2E}test_refusals.py", f"{E2E}test_lifecycle.py")),
    Break("retry limit not the README's", "ledger/cases/common.py",
          r"^MAX_ATTEMPTS = \d+$", "MAX_ATTEMPTS = 33",
          (f"{E2E}test_concurrency.py", f"{E2E}test_lifecycle.py"), regex=True),
    Break("sweep escalates a deadline twice", "ledger/cases/complaints.py",
          'b for b in breaches if b["deadline"] not in complaint.breaches_escalated',
          "b for b in breaches",
          (*VIEWS, f"{E2E}test_lifecycle.py")),
    Break("erasure leaves the WAL", "ledger/storage/sqlite.py",
          'connection.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")',
          "connection.cursor()",
          (f"{E2E}test_keys.py", f"{E2E}test_security.py")),
    Break("erasure leaves deleted bytes", "ledger/storage/sqlite.py",
          'cursor.execute("PRAGMA secure_delete = ON")', "cursor",
          (f"{E2E}test_keys.py", f"{E2E}test_security.py")),
    Break("first bad event searched backwards (unsigned part)",
          "ledger/cases/verification.py",
          "for index in range(opened, end):",
          "for index in reversed(range(opened, end)):", INTEGRITY),
    Break("first bad event searched backwards (signed part)",
          "ledger/cases/culprits.py",
          "for notification in self.log.notifications(since, last.id):",
          "for notification in reversed(list(self.log.notifications(since, "
          "last.id))):", INTEGRITY),
    # More, on integrity, keys, cases and the views.
    Break("interior node tag changed", "ledger/evidence/merkle.py",
          r'    return _sha256(b"\x01" + left + right).digest()',
          r'    return _sha256(b"\x02" + left + right).digest()',
          ("tests/unit/test_merkle.py", *INTEGRITY)),
    Break("versions may skip", "ledger/evidence/logcheck.py",
          "            if version != last + 1:", "            if version <= last:",
          INTEGRITY),
    Break("topic not length-prefixed", "ledger/evidence/logcheck.py",
          'return len(encoded).to_bytes(4, "big") + encoded', "return encoded",
          INTEGRITY),
    Break("key files readable by others", "ledger/crypto/privatefile.py",
          "os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)",
          "os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)",
          (f"{E2E}test_key_files.py", f"{E2E}test_security.py")),
    Break("wrapped keys not bound to their scope", "ledger/crypto/masterkey.py",
          "return _AAD_PREFIX + key_id + scope.encode()",
          "return _AAD_PREFIX + key_id",
          (f"{E2E}test_keys.py", "tests/integration/test_envelope.py", *INTEGRITY)),
    Break("roles never refused", "ledger/domain/team.py",
          "        if role not in roles:", "        if False:",
          (f"{E2E}test_lifecycle.py", f"{E2E}test_access_report.py")),
    Break("a deadline met again moves its time", "projections/views.py",
          'return [Update(DEADLINES, key, met, when={"met_at": None})]',
          "return [Update(DEADLINES, key, met)]", VIEWS),
    Break("work reopens a resolved complaint", "projections/views.py",
          '                when={"status": str(BEFORE_WORK)},\n', "",
          VIEWS),
    Break("reopening leaves a complaint acknowledged", "ledger/domain/lifecycle.py",
          "REOPENED: Status.IN_PROGRESS,", "REOPENED: Status.ACKNOWLEDGED,",
          DOMAIN),
    Break("a response before acknowledging", "ledger/domain/complaint.py",
          'self._require(STATUSES_FOR["respond"], "responded to")',
          'self._require(STATUSES_FOR["respond"] | {Status.RECEIVED}, "responded to")',
          DOMAIN),
    Break("erasure not shown in the views", "projections/views.py",
          'changes.append(Update(COMPLAINTS, key, {"erased": 1}))', "pass",
          (*VIEWS, f"{E2E}test_access_report.py", f"{E2E}test_keys.py")),
    Break("a withdrawn complaint's resolve deadline never met",
          "ledger/domain/lifecycle.py", '    WITHDRAWN: "resolve",\n', "", VIEWS),
    # verify's checks of filing order and of data keys.
    Break("filing order not checked", "ledger/evidence/logcheck.py",
          "if self.number_id is not None and topic.endswith(FILED):",
          "if False and self.number_id is not None and topic.endswith(FILED):",
          INTEGRITY),
    Break("incremental verify forgets the filings its checkpoint covers",
          "ledger/cases/verification.py",
          "        return last_of_run(filed)", "        return 0", INTEGRITY),
    Break("a data key the table gives to another record accepted",
          "ledger/cases/keycheck.py",
          "if scope != owner.hex():", "if False:", INTEGRITY,
          explained="a data key is wrapped bound to its id and scope, so a row "
          "given another record's scope fails to unwrap, which the check after "
          "this one reports (the key table was altered); a key that unwraps under "
          "another scope takes the master key to make, and a filing altered to "
          "name another complaint's key fails to open at the same event"),
    Break("a data key deleted without an erasure accepted",
          "ledger/cases/keycheck.py",
          "                if self._erased(owner):", "                if True:",
          INTEGRITY),
    Break("an altered data key row accepted", "ledger/cases/keycheck.py",
          "if not self.master.wrapped(key_id, scope, wrapped):", "if False:",
          INTEGRITY),
    Break("an erased complaint's kept data key accepted",
          "ledger/cases/keycheck.py",
          "if self.storage(partial(self.tables.select_scope_key, owner)) is None:",
          "if True:", (*INTEGRITY, f"{E2E}test_keys.py")),
    Break("a text whose data key is gone always taken as erased",
          "ledger/cases/culprits.py",
          "        if kept is None:", "        if True:", INTEGRITY),
    Break("a replaced verifier key in the ledger accepted",
          "ledger/cases/heads.py",
          "    if recorded == trusted.key:", "    if True:", INTEGRITY),
    # Complaint numbers: one freed by deleting a complaint is never taken again.
    Break("a deleted number after a full window taken again", "ledger/cases/common.py",
          "                low = last_of_run(self._number_used, low)\n",
          "                low = last_of_run(self._number_used, low)\n"
          "                break\n", NUMBERS),
    Break("a deleted number near a window's top taken again",
          "ledger/cases/common.py",
          "elif window[-1] - low >= NUMBER_WINDOW // 2:", "elif True:", NUMBERS),
    Break("key files readable by the group accepted", "ledger/crypto/privatefile.py",
          "if mode & 0o077:", "if mode & 0o007:",
          (f"{E2E}test_key_files.py", f"{E2E}test_keys.py")),
    # Mail in: who may write into a complaint, and each message once.
    Break("a reply joins from any sender", "ledger/mail/inbound.py",
          "    return _address(contact) == _address(sender)", "    return True",
          ("tests/integration/test_mail_in.py", "tests/service/test_mail_lmtp.py")),
    Break("a message without a Message-ID filed anew each time",
          "ledger/mail/inbound.py",
          "intake = replace(intake, external_id=content_id(raw))", "pass",
          ("tests/integration/test_mail_in.py",)),
    Break("an IMAP message deleted before its event is committed",
          "service/mail/imap.py",
          "            taken = self.intake.take(raw)\n",
          '            _ok(imap.uid("STORE", uid, "+FLAGS.SILENT", r"(\\Deleted)"))\n'
          "            taken = self.intake.take(raw)\n",
          ("tests/service/test_mail_imap.py",)),
    # The security review of the form and mail (branch sec-mail).
    Break("a message read under the ledger's lock", "service/mail/intake.py",
          "                done = ledger.record_mail(mail)\n",
          "                mail = read_inbound(raw, self.project, self.severity,"
          " self.domain, self.clock())\n"
          "                done = ledger.record_mail(mail)\n",
          ("tests/service/test_mail_intake.py",)),
    Break("any number of header lines read", "ledger/mail/inbound.py",
          "if raw.count(b\"\\n\", 0, end) + 1 > MAX_HEADER_LINES:", "if False:",
          ("tests/service/test_mail_intake.py",)),
    Break("mail in the clear to a server off this machine", "ledger/mail/smtp.py",
          '        or (starttls == [""] and not _loopback(parts.hostname)),',
          "        or False,",
          ("tests/unit/test_mail.py", "tests/integration/test_outbox_refusals.py")),
    Break("an IPv6 client counted per address", "ledger/cases/requests.py",
          'return str(ip_network(f"{found}/64", strict=False))', "return str(found)",
          ("tests/integration/test_customer_limits.py",)),
    Break("no limit on a project's form", "ledger/cases/customers.py",
          'self.throttle(f"web-form project:{project}", limit, FORM_WINDOW)', "pass",
          ("tests/integration/test_customer_limits.py",)),
    Break("no limit on requests through links", "ledger/cases/customers.py",
          'self.throttle(f"customer link:{where}", LINK_LIMIT, LINK_WINDOW)', "pass",
          ("tests/integration/test_customer_limits.py",)),
    Break("every status view recorded", "ledger/cases/customers.py",
          "        if seen == 1:", "        if True:",
          ("tests/integration/test_customer_limits.py",)),
    Break("counter buckets named in the clear", "ledger/storage/state.py",
          "return hmac.new(self._key, text, hashlib.sha256).hexdigest()",
          "return name",
          ("tests/integration/test_customer_limits.py",)),
    Break("counters never forgotten", "ledger/storage/state.py",
          "if now - self._counters_pruned > PRUNE_EVERY:", "if False:",
          ("tests/integration/test_customer_limits.py",)),
    # The outbox and the customer's links (issue 19).
    Break("two senders both claim a message", "ledger/storage/mailstate.py",
          'f"WHERE s.claimed_until <= {p} AND s.next_at <= {p} RETURNING message"',
          'f"WHERE {p} > 0 OR {p} > 0 RETURNING message"',
          ("tests/integration/test_outbox.py",)),
    Break("a failed attempt gives the message up", "ledger/mail/outbox.py",
          "if permanent or now - draft.not_before > GIVE_UP_AFTER:", "if True:",
          ("tests/integration/test_outbox.py",)),
    Break("a recipient sealed under the ledger's key", "ledger/domain/complaint.py",
          '"subject", "recipient",', '"subject",',
          ("tests/integration/test_outbox.py",)),
    Break("internal notes on the status page", "ledger/cases/customers.py",
          "if kind_of(e) == kinds.RESPONDED",
          "if kind_of(e) in (kinds.RESPONDED, kinds.NOTED)",
          ("tests/service/test_customer_pages.py",)),
    Break("the honeypot ignored", "ledger/cases/customers.py",
          "        if trap.strip():", "        if False:",
          ("tests/service/test_customer_pages.py",)),
)  # fmt: skip


class Stale(Exception):
    """A break's original snippet is not found exactly once in its file."""


def broken_text(text: str, each: Break) -> str:
    """`text` with the break applied; Stale unless the snippet is there once."""
    if each.regex:
        pattern = re.compile(each.original, re.MULTILINE)
        found = len(pattern.findall(text))
        changed = pattern.sub(each.broken, text)
    else:
        found = text.count(each.original)
        changed = text.replace(each.original, each.broken)
    if found != 1:
        raise Stale(f"{each.file}: the snippet is found {found} times, not once")
    return changed


def forget_bytecode(path: Path) -> None:
    """Remove the cached bytecode of `path`: it is checked by the source's
    size and whole-second time, which a same-size break and its undoing
    within one second would both keep."""
    Path(importlib.util.cache_from_source(str(path))).unlink(missing_ok=True)


def put_back_left_overs() -> list[Path]:
    """Restore any file a killed run left broken (its original beside it)."""
    restored = []
    for saved in ROOT.glob(f"**/*.py{LEFT_OVER}"):
        if ".venv" in saved.parts:
            continue
        target = saved.with_name(saved.name.removesuffix(LEFT_OVER))
        saved.replace(target)
        forget_bytecode(target)
        restored.append(target)
    return restored


@contextmanager
def applied(each: Break) -> Iterator[None]:
    """The break in place for the block; the file exactly as before after it."""
    path = ROOT / each.file
    original = path.read_bytes()
    changed = broken_text(original.decode(), each)
    saved = path.with_name(path.name + LEFT_OVER)
    saved.write_bytes(original)
    try:
        path.write_text(changed, encoding="utf-8")
        forget_bytecode(path)
        yield
    finally:
        path.write_bytes(original)
        forget_bytecode(path)
        saved.unlink()


def run_tests(tests: list[str], timeout: float) -> tuple[str, str]:
    """Run pytest on `tests`, stopping at the first failure: (outcome, what)."""
    # One process (-n 0): under xdist, -x ends a failing run with exit code 2.
    command = [sys.executable, "-m", "pytest", "-x", "-q", "-rfE", "-n", "0",
               "-p", "no:cacheprovider", *tests]  # fmt: skip
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )  # fmt: skip
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        return "killed", f"timed out after {timeout:.0f} s"
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    lines = output.splitlines()
    failed = [
        line.removeprefix("FAILED ") for line in lines if line.startswith("FAILED ")
    ]
    errors = [
        line.removeprefix("ERROR ") for line in lines if line.startswith("ERROR ")
    ]
    if process.returncode == 1 and failed:
        return "killed", failed[0]
    if process.returncode == 1 and errors:
        # A fixture that failed (a server away, say) proves nothing.
        return "error", f"a test could not run: {errors[0]}"
    if process.returncode == 0:
        return "survived", output.strip().splitlines()[-1]
    return "error", f"pytest exit {process.returncode}: " + " | ".join(
        output.strip().splitlines()[-3:]
    )


def interrupted(signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.mutations")
    parser.add_argument("names", nargs="*", help="only the breaks named so")
    parser.add_argument("--list", action="store_true", help="list the breaks")
    parser.add_argument("--check", action="store_true", help="check the snippets")
    parser.add_argument("--full", action="store_true", help="then the whole suite")
    parser.add_argument("--timeout", type=float, default=600, help="per break")
    args = parser.parse_args()
    # One run at a time: another's files left over are its breaks in place.
    lock = open(__file__, "rb")  # noqa: SIM115 - held until the process ends
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        parser.error("another run is under way in this worktree; wait for it")
    for path in put_back_left_overs():
        print(f"put back {path.relative_to(ROOT)}, left broken by a killed run")
    chosen = [b for b in BREAKS if not args.names or b.name in args.names]
    if unknown := set(args.names) - {b.name for b in BREAKS}:
        parser.error(f"no break named {', '.join(sorted(unknown))}")
    if args.list:
        for each in chosen:
            print(f"{each.name}  ({each.file})")
        return 0
    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGHUP, interrupted)
    outcomes: dict[str, int] = {}
    for each in chosen:
        started = time.monotonic()
        try:
            if args.check:
                broken_text((ROOT / each.file).read_text(encoding="utf-8"), each)
                outcome, what = "found", ""
            else:
                with applied(each):
                    tests = [*each.tests, "tests"] if args.full else list(each.tests)
                    outcome, what = run_tests(tests, args.timeout)
                if outcome == "survived" and each.explained:
                    outcome, what = "explained", each.explained
        except Stale as stale:
            outcome, what = "stale", str(stale)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
        seconds = time.monotonic() - started
        print(f"{outcome:<8} {each.name} ({seconds:.0f} s): {what}", flush=True)
    print(", ".join(f"{n} {outcome}" for outcome, n in sorted(outcomes.items())))
    return 0 if set(outcomes) <= {"killed", "explained", "found"} else 1


if __name__ == "__main__":
    try:
        raise SystemExit(main())
    except KeyboardInterrupt:
        print("Interrupted; every file is as it was.", file=sys.stderr)
        raise SystemExit(130) from None
