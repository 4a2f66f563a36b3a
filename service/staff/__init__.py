"""The staff pages of `plaint serve`: my queue (`/`), all complaints
(`/complaints`), filing one (`/complaints/new`) and one complaint with its
timeline and actions (`/complaints/{ref}`). Each runs the use cases and view
queries the JSON API runs, as the signed-in member, and renders their plain
data.
"""

from __future__ import annotations

from service.staff import complaint, filing, lists

# /complaints/new before /complaints/{ref}, which would take "new" as a ref.
ROUTERS = (lists.router, filing.router, complaint.router)
