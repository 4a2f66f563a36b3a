"""Mail as it arrives: an LMTP listener (lmtp.py) and an IMAP poller
(imap.py), two adapters over one use case, `receive_mail` (ledger/cases/mail.py).

Each parses the wire, hands the message's bytes to `MailIntake.take`, and
answers by its verdict: recorded, refused for good, or to be tried again.
This package alone imports aiosmtpd (in lmtp.py, loaded only with --lmtp).
"""
