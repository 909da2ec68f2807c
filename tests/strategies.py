"""Small hypothesis strategies for the language's own tests (the public ones are in
policyrules.testing)."""

from __future__ import annotations

import datetime

from hypothesis import strategies as st

from policyrules.contract.vocabulary import CONTACT_LEVELS, SECTORS

DAYS = st.dates(datetime.date(2015, 1, 1), datetime.date(2030, 12, 31))


@st.composite
def worker_dicts(draw: st.DrawFn, roles: list[str], trainings: list[str]) -> dict[str, object]:
    started = draw(DAYS)
    record = st.fixed_dictionaries(
        {"training": st.sampled_from([*trainings, "not-in-catalogue"]),
         "completed": DAYS.map(str)},
        optional={"delivery": st.sampled_from(["single-agency", "inter-agency"]),
                  "hours": st.sampled_from([0, 1, 2.5, 4, 8]),
                  "provider": st.sampled_from(["NHS", "council"])},
    )
    role = st.one_of(
        st.sampled_from(roles),
        st.fixed_dictionaries({"role": st.sampled_from(roles), "since": DAYS.map(str)}),
    )
    worker: dict[str, object] = {
        "id": draw(st.from_regex(r"W[0-9]{1,4}", fullmatch=True)),
        "started": str(started),
        "contact": draw(st.sampled_from(CONTACT_LEVELS)),
        "roles": draw(st.lists(role, max_size=3)),
        "training": draw(st.lists(record, max_size=6)),
        "volunteer": draw(st.booleans()),
    }
    sector = draw(st.none() | st.sampled_from(SECTORS))
    if sector is not None:
        worker["sector"] = sector
    return worker
