"""What the sample draws from: its team and policy, its projects, and the words
of its complaints, replies and surveys."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

HOUR, DAY = 3600, 86400
TEAM = {"max": "manager", "lee": "lead", "ida": "auditor", "nia": "compliance"}
AGENTS = ("bob", "cara", "dev", "eli", "fay")
CHANNEL_OWNERS = {"email": "bob", "phone": "cara", "chat": "cara", "web": "dev",
                  "social": "eli", "survey": "eli", "meeting": "fay",
                  "internal": "fay", "other": "bob"}  # fmt: skip
# Business hours: the office's, and the longer ones severe complaints get.
CALENDARS = {
    "office": ("Europe/Berlin", "mon-fri 08:00-12:30,13:30-18:00", "DE-BE"),
    "extended": ("Europe/Berlin", "mon-fri 07:00-21:00; sat 09:00-14:00", "DE-BE"),
}
# Durations count working time on the rule's calendar: 9 working hours a
# day in the office, so `9 * HOUR` is a working day.
WORKDAY = 9 * HOUR
POLICY: list[tuple[str, str, dict[str, Any]]] = [
    ("*", "*", {"owner": "bob", "route": "lee,max", "calendar": "office",
                "ack": WORKDAY, "respond": 3 * WORKDAY, "resolve": 10 * WORKDAY}),
    ("*", "moderate", {"respond": 2 * WORKDAY, "resolve": 7 * WORKDAY}),
    ("*", "severe", {"route": "lee,max,role:admin", "calendar": "extended",
                     "ack": 4 * HOUR, "respond": 14 * HOUR, "resolve": 70 * HOUR}),
    ("*", "positive", {"ack": 3 * WORKDAY, "respond": 5 * WORKDAY,
                       "resolve": 10 * WORKDAY}),
    *[(c, "*", {"owner": o}) for c, o in CHANNEL_OWNERS.items() if o != "bob"],
    ("phone", "*", {"ack": 4 * HOUR}),
    ("chat", "*", {"ack": 2 * HOUR}),
]  # fmt: skip
CHANNELS = {"email": 30, "phone": 15, "web": 15, "chat": 12, "survey": 8,
            "meeting": 6, "social": 6, "internal": 5, "other": 3}  # fmt: skip
SEVERITIES = {"positive": 15, "mild": 35, "moderate": 32, "severe": 18}
SURGE_SEVERITIES = {"positive": 3, "mild": 17, "moderate": 40, "severe": 40}
SURGE_DAYS = 18
SOURCES = {"email": "support@example.com", "phone": "service desk line",
           "web": "contact form", "chat": "web chat", "survey": "quarterly survey",
           "meeting": "steering committee", "social": "social media mention",
           "internal": "account manager", "other": "letter"}  # fmt: skip
SUMMARIES = {
    "positive": ["Thanks for the quick fix to the {system}",
                 "The {system} upgrade weekend went smoothly",
                 "Great help from the team setting up the {system}",
                 "The new {system} reports save us hours every week"],
    "mild": ["The {system} is slow to load in the morning",
             "Dates in the {system} export are in the wrong format",
             "Password reset mail for the {system} arrives late",
             "A typo on the {system} login page",
             "The {system} logs users out too often"],
    "moderate": ["The {system} times out at month end",
                 "Updates from the {system} are no longer emailed",
                 "The {system} shows yesterday's figures until noon",
                 "A change to the {system} was made without notice",
                 "Support for the {system} did not call back as promised"],
    "severe": ["The {system} was down for four hours during business",
               "Data in the {system} was lost after the release",
               "The {system} sent customers another customer's details",
               "Month-end close blocked by the {system} failing",
               "The same {system} outage happened for the third time"],
}  # fmt: skip
DETAILS = ["It started after last week's release.",
           "Several colleagues in the finance team see the same.",
           "We raised this on the phone before and heard nothing back.",
           "Our own customers noticed and called us about it.",
           "It happens every day between nine and ten."]  # fmt: skip
RESPONSES = ["We found the cause and are working on a fix.",
             "We are sorry; an engineer is on it and will call you today.",
             "A workaround is in place while we fix the root cause.",
             "We have rolled back the change and are monitoring."]  # fmt: skip
THANKS = "Thank you; we have passed this on to the whole team."
RESOLUTIONS = ["Fixed the configuration and added monitoring.",
               "Restored the data from backup and re-ran the batch.",
               "Scaled the service up and added an alert on its queue.",
               "Corrected the release and added a test for it.",
               "Explained the change and updated the documentation."]  # fmt: skip
# What the team waits on the customer for.
WAITS = ["asked for the invoice number", "asked for a screenshot of the error",
         "asked which users are affected", "asked for a time to call back"]  # fmt: skip
REASONS = ["customer threatens to cancel the contract",
           "needs a change approved by the change board",
           "second occurrence this month",
           "the agent cannot reach the supplier"]  # fmt: skip
COMMENTS = {1: "Nobody told us what was going on.", 2: "Took far too long.",
            3: "Fixed in the end, but slowly.", 4: "Good recovery, thank you.",
            5: "Excellent, kept us informed throughout."}  # fmt: skip
FIRST = ["Jane", "Omar", "Priya", "Tom", "Ana", "Kenji", "Lena", "Sam", "Zoe", "Ravi"]
LAST = ["Roe", "Haddad", "Shah", "Berg", "Silva", "Ito", "Novak", "Okafor", "Moss"]


@dataclass(frozen=True)
class Project:
    """A sample project: what it runs, its share of complaints, and its pace."""

    name: str
    system: str
    share: float
    weeks: tuple[float, float]  # active, as fractions of the whole period
    pace: float  # how long handling takes; 1 keeps most deadlines


PROJECTS = (
    Project("Apollo", "customer portal", 0.32, (0.0, 1.0), 0.9),
    Project("Borealis", "data warehouse", 0.22, (0.0, 0.7), 1.4),
    Project("Cygnus", "service desk", 0.2, (0.15, 1.0), 1.0),
    # Hermes goes red: a surge of severe complaints, handled late, in its last weeks.
    Project("Hermes", "payments gateway", 0.26, (0.3, 1.0), 1.1),
)
