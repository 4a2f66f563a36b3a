"""`plaint serve`: the ledger over HTTP, a second adapter beside `commands/`.

Like the commands, each endpoint parses, calls one use case of the ledger
and presents its result; rules, roles and limits live in `ledger/`.
"""
