"""The ledger's use cases, one module per area."""
