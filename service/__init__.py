"""The HTTP adapter: `plaint serve`, a second way into the same ledger."""
