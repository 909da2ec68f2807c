"""The worker vocabulary of CONTRACT §1 that every policy starts from."""

from __future__ import annotations

CONTACT_LEVELS: tuple[str, ...] = ("none", "occasional", "regular", "predominant")
CONTACT_RANK: dict[str, int] = {level: i for i, level in enumerate(CONTACT_LEVELS)}

ROLES: tuple[str, ...] = (
    "specialist-child-protection",
    "designated-lead",
    "operational-manager",
    "senior-manager",
    "board-member",
    "board-staff",
    "supervisor",
    "specialist-role",
    "duty-intake-manager",
    "healthcare",
    "trainer",
    "administrative",
    "gp-practice",
)

SECTORS: tuple[str, ...] = ("statutory", "voluntary", "community", "independent")
DELIVERIES: tuple[str, ...] = ("single-agency", "inter-agency")
# The most hours one record (or a policy's target or course) may give: about 114 years.
# Hours are added in millionths (`semantics.units`); this keeps every total in 64 bits.
MAX_HOURS = 1_000_000
STATUSES: tuple[str, ...] = ("met", "due", "overdue")
