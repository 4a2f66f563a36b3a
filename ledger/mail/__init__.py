"""Mail the service sends and receives: the outbox, Message-IDs, threading."""
