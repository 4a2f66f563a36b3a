"""Who a customer is, for repeat contacts: one normalised identity per person."""

from __future__ import annotations

import pytest

from ledger.domain.contact import normalised_contact


@pytest.mark.parametrize(
    ("contact", "customer", "identity"),
    [
        (" Jane@Example.COM ", "Jane Roe", "contact:jane@example.com"),
        ("+44 (20) 7946-0000", None, "phone:+442079460000"),
        ("020 7946 0000", None, "phone:02079460000"),
        (None, "  Jane   ROE ", "name:jane roe"),
        ("", "", None),
        (None, None, None),
    ],
)
def test_a_contact_is_normalised_so_one_customer_is_one_identity(
    contact: str | None, customer: str | None, identity: str | None
) -> None:
    assert normalised_contact(contact, customer) == identity
