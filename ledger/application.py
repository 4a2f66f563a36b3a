"""ComplaintLedger: the application, one method per use case.

Each use case loads what it needs, checks the actor's role, acts on the
aggregates (which check their own rules), and saves once. Callers get dicts.
The use cases are grouped by area, one module each in `ledger/cases/`; each
area adds use cases only, over `CaseBase` (loading, role checks, numbering)
and `LedgerBase` (opening, storage, keys, and `save`, the one way events are
written, which also signs checkpoints when due). Where each use case lives:

| area, module in ledger/cases/ | use cases |
|---|---|
| complaints.py | file, actions, acknowledge, triage, assign, escalate, note, respond, resolve, reopen, close_complaint, withdraw, wait, resume, survey, sweep |
| importing.py | import_records |
| mail.py | receive_mail, record_mail, check_mail_intake |
| reading.py | show, history, show_with_route, route, readable, record_report, customer_pseudonyms, make_confidential, grant, revoke, info |
| administration.py | add_member, change_role, remove_member, members, whoami, team_history, set_policy, set_calendar, calendars, ladder, calendar_versions, policy_rules |
| keys.py | rotate_master_key, erase, keys_status |
| integrity.py | checkpoint, sign_due_checkpoint, proof |
| transparency.py | log_checkpoint, log_tile, log_entries, log_files, log_coverage |
| witnesses.py | add_witness, remove_witness, witnesses, witness_latest, latest_checkpoint, checkpoint_signed |
| verification.py | verify |
| credentials.py | set_password, invite, accept_invite, link_oidc, member_for_oidc, create_token, tokens, revoke_token |
| sessions.py | sign_in, sign_in_oidc, oidc_refused, consume_nonce, login_state_key, session_identity, sign_out, token_identity |
| requests.py | idempotent, complaint_saved, throttle |
| customers.py | file_from_web, new_link, customer_status, survey_form, answer_survey |
| ../mail/outbox.py | claim_mail, mail_sent, mail_failed, mail_attempts |
"""  # noqa: E501 - the table reads better unbroken

from __future__ import annotations

from ledger.cases.administration import AdministrationCases
from ledger.cases.complaints import ComplaintCases
from ledger.cases.importing import ImportCases
from ledger.cases.integrity import IntegrityCases
from ledger.cases.keys import KeyCases
from ledger.cases.mail import MailCases
from ledger.cases.reading import ReadingCases
from ledger.cases.requests import RequestCases
from ledger.cases.sessions import SessionCases
from ledger.cases.verification import VerificationCases
from ledger.mail.outbox import OutboxCases


class ComplaintLedger(
    MailCases,  # before ImportCases: mail files complaints as an import does
    ImportCases,  # before ComplaintCases: an import files complaints too
    OutboxCases,  # over CustomerCases over ComplaintCases
    ComplaintCases,
    ReadingCases,
    AdministrationCases,
    KeyCases,
    IntegrityCases,
    VerificationCases,
    SessionCases,  # over CredentialCases: a sign-in finds single-sign-on links
    RequestCases,
):
    """The complaints ledger: every action appended as an encrypted event."""

    name = "plaint"
