"""The read side: views rebuilt from the event log."""
