"""How an asset's status reads for people: message ids, translated where they are shown
(the planner map, the OGC service's HTML pages, the public maps), one per ``STATUSES``."""

from __future__ import annotations

from gisapp.messages import N_

STATUS_LABELS = {"planned": N_("planned"), "active": N_("active"),
                 "defective": N_("defective"), "out_of_service": N_("out of service"),
                 "decommissioned": N_("decommissioned")}
