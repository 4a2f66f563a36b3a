"""A complaint's id derived from its number, as verify derives every one."""

from __future__ import annotations

from uuid import UUID, uuid4, uuid5

from ledger.domain.reference import complaint_id_bytes, complaint_ids, complaint_uuid


def test_the_ids_verify_derives_are_the_version_5_uuids_of_the_references() -> None:
    ledger_id = uuid4()
    derive = complaint_ids(ledger_id)
    for number in (1, 2, 9, 10, 99, 12345, 10**12):
        expected = uuid5(ledger_id, f"C-{number}")
        assert derive(number) == expected.bytes
        assert complaint_id_bytes(ledger_id, number) == expected.bytes
        assert complaint_uuid(ledger_id, number) == expected
        assert UUID(bytes=derive(number)).version == 5


def test_each_ledger_derives_its_own_ids() -> None:
    first, second = complaint_ids(uuid4()), complaint_ids(uuid4())
    assert first(1) != second(1)
    assert first(1) == first(1) != first(2)
