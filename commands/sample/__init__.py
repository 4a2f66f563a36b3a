"""A seeded generator of realistic sample data, for `plaint demo` and tests.

It drives the real use cases of `ComplaintLedger` under a clock it moves
forward, so every event carries a historical time and the ledger holds what
months of real use would leave behind: what it draws from is in data.py, who
complains about what and when in arrivals.py, the lives the complaints then
live in simulation.py, and the queue that runs their steps in time order in
timeline.py.
"""

from __future__ import annotations

from commands.sample.simulation import generate as generate
from commands.sample.simulation import setup_team as setup_team
