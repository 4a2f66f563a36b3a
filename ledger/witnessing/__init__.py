"""Witnesses (C2SP tlog-witness): the witness plaint runs for an auditor
(`plaint witness serve`), and the ledger's side that asks witnesses to
cosign its checkpoints."""
