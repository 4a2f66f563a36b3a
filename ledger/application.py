"""ComplaintLedger: the application, one method per use case.

Each use case loads what it needs, checks the actor's role, acts on the
aggregates (which check their own rules), and saves once. Callers get dicts.
The use cases are grouped by area in `ledger/cases/`.
"""

from __future__ import annotations

from ledger.cases.administration import TeamCases
from ledger.cases.importing import ImportCases
from ledger.cases.keys import KeyCases
from ledger.cases.reading import ReadingCases
from ledger.cases.verification import VerificationCases


class ComplaintLedger(
    TeamCases, ImportCases, ReadingCases, VerificationCases, KeyCases
):
    """The complaints ledger: every action appended as an encrypted event."""

    name = "plaint"
