#!/usr/bin/env python3
"""Generate a synthetic workforce for a fictional county safeguarding partnership.

Wearfield is not a real county and nobody in the output is a real person. The numbers
are made up but shaped like a partnership's workforce: a dozen agencies from every
sector, every contact level and role of CONTRACT §1, volunteers, and training histories
over ten years (inductions on time and late, refreshers that lapse, role-specific
courses, inter-agency courses, courses the policy does not know, a few booked for after
the evaluation date). A handful of rows are deliberately wrong, to show how `evaluate`
reports them.

Deterministic: the same seed and count always give the same files.

    python examples/generate.py                       # examples/workers.csv, training.csv,
                                                      # workers.jsonl (2,000 workers)
    python examples/generate.py --count 1000000 --clean --jsonl benchmarks/out/w.jsonl

Training ids are those of policies/durham.policy's catalogue.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import json
import os
import random
import sys
from collections.abc import Iterator
from typing import Any, TextIO

AS_OF = datetime.date(2026, 11, 22)  # the date the README evaluates on
HISTORY_FROM = AS_OF.replace(year=AS_OF.year - 10)  # ten years of training records
EARLIEST_START = datetime.date(1992, 1, 1)
CONTACT = ("none", "occasional", "regular", "predominant")

# name, sector, share of the workforce, share who are volunteers,
# weights for contact none/occasional/regular/predominant,
# role -> probability, job titles
Agency = tuple[str, str, float, float, tuple[int, int, int, int], dict[str, float], list[str]]
AGENCIES: list[Agency] = [
    ("Wearfield County Council Children's Services", "statutory", 0.14, 0.0, (2, 10, 38, 50),
     {"specialist-role": 0.22, "duty-intake-manager": 0.04, "supervisor": 0.16,
      "operational-manager": 0.08, "senior-manager": 0.02, "designated-lead": 0.02,
      "specialist-child-protection": 0.10, "administrative": 0.12, "trainer": 0.02},
     ["Social worker", "Senior practitioner", "Family support worker", "Team manager",
      "Business support officer", "Independent reviewing officer"]),
    ("Wearfield County Council Education and Schools", "statutory", 0.20, 0.02,
     (3, 12, 45, 40),
     {"designated-lead": 0.06, "supervisor": 0.04, "operational-manager": 0.03,
      "senior-manager": 0.01, "administrative": 0.10, "trainer": 0.01},
     ["Class teacher", "Teaching assistant", "Head teacher", "School business manager",
      "Designated safeguarding lead", "Lunchtime supervisor"]),
    ("Wearfield and District NHS Foundation Trust", "statutory", 0.16, 0.03,
     (10, 40, 35, 15),
     {"healthcare": 0.85, "designated-lead": 0.01, "specialist-child-protection": 0.03,
      "supervisor": 0.05, "operational-manager": 0.03, "senior-manager": 0.01,
      "administrative": 0.08, "trainer": 0.01},
     ["Staff nurse", "Midwife", "Health visitor", "Paediatric registrar",
      "Emergency department consultant", "Ward clerk", "Named nurse for safeguarding"]),
    ("Wearfield GP Practices", "independent", 0.06, 0.0, (5, 55, 35, 5),
     {"gp-practice": 1.0, "healthcare": 0.6, "administrative": 0.3, "designated-lead": 0.03},
     ["General practitioner", "Practice nurse", "Receptionist", "Practice manager"]),
    ("Wearfield Constabulary", "statutory", 0.10, 0.05, (15, 50, 25, 10),
     {"specialist-child-protection": 0.08, "supervisor": 0.06, "operational-manager": 0.03,
      "senior-manager": 0.01, "administrative": 0.06},
     ["Police constable", "Detective constable", "Police community support officer",
      "Sergeant", "Special constable"]),
    ("North Wearfield Probation Service", "statutory", 0.04, 0.0, (10, 45, 35, 10),
     {"supervisor": 0.08, "operational-manager": 0.05, "administrative": 0.10},
     ["Probation officer", "Probation services officer", "Senior probation officer"]),
    ("Wearfield Safeguarding Partnership", "statutory", 0.01, 0.0, (30, 40, 20, 10),
     {"board-member": 0.55, "board-staff": 0.45, "trainer": 0.25, "senior-manager": 0.10},
     ["Partnership manager", "Training coordinator", "Lay member", "Independent chair",
      "Business support officer"]),
    ("Riverside Children's Charity", "voluntary", 0.07, 0.45, (5, 25, 45, 25),
     {"supervisor": 0.06, "operational-manager": 0.04, "trainer": 0.03,
      "designated-lead": 0.03, "administrative": 0.06},
     ["Project worker", "Volunteer mentor", "Family link worker", "Fundraiser"]),
    ("Wearfield Youth and Sports Clubs", "community", 0.08, 0.85, (5, 30, 55, 10),
     {"supervisor": 0.03, "designated-lead": 0.04, "trainer": 0.02},
     ["Volunteer coach", "Youth leader", "Club welfare officer", "Session helper"]),
    ("St Aidan's Community Hub", "community", 0.04, 0.75, (20, 55, 20, 5),
     {"administrative": 0.10, "designated-lead": 0.03},
     ["Volunteer", "Cafe volunteer", "Community development worker", "Hub coordinator"]),
    ("Brightstart Nurseries Ltd", "independent", 0.06, 0.02, (2, 6, 22, 70),
     {"designated-lead": 0.05, "supervisor": 0.08, "operational-manager": 0.04,
      "administrative": 0.05},
     ["Nursery practitioner", "Room leader", "Nursery manager", "Apprentice"]),
    ("Hillside Children's Homes Ltd", "independent", 0.04, 0.0, (2, 5, 18, 75),
     {"supervisor": 0.12, "operational-manager": 0.06, "senior-manager": 0.02,
      "designated-lead": 0.03, "specialist-role": 0.05},
     ["Residential care worker", "Senior residential worker", "Registered manager"]),
]

# Durham's catalogue, with what a record of each typically looks like.
COURSES = {
    "safeguarding-induction": ("single-agency", "in-house", 3, "level 1"),
    "safeguarding-refresher": ("single-agency", "e-learning", 2, "level 1"),
    "inter-agency-foundation": ("inter-agency", "Wearfield Safeguarding Partnership", 6,
                                "level 2"),
    "child-development-and-abuse": ("single-agency", "in-house", 3, "level 2"),
    "specialist-role-training": ("single-agency", "external", 12, "level 3"),
    "referral-management-training": ("single-agency", "in-house", 6, "level 3"),
    "lscb-induction-and-training": ("single-agency", "Wearfield Safeguarding Partnership", 3,
                                    "level 3"),
    "healthcare-safeguarding": ("single-agency", "in-house", 4, "level 2"),
    "trainer-safeguarding-knowledge": ("single-agency", "external", 12, "level 3"),
    "supervision-skills-training": ("single-agency", "external", 12, "level 3"),
    "safeguarding-knowledge-update": ("single-agency", "e-learning", 2, "level 3"),
}
ROLE_COURSES = {
    "specialist-role": "specialist-role-training",
    "duty-intake-manager": "referral-management-training",
    "board-member": "lscb-induction-and-training",
    "board-staff": "lscb-induction-and-training",
    "healthcare": "healthcare-safeguarding",
    "trainer": "trainer-safeguarding-knowledge",
    "supervisor": "supervision-skills-training",
}
OTHER_COURSES = ["first-aid-at-work", "prevent-awareness", "fire-safety",
                 "data-protection-essentials", "manual-handling"]
MANAGERIAL = {"supervisor", "operational-manager", "senior-manager", "designated-lead",
              "duty-intake-manager", "trainer"}

WORKER_COLUMNS = ["id", "started", "contact", "roles", "agency", "sector", "volunteer",
                  "job_title"]
TRAINING_COLUMNS = ["worker", "training", "completed", "delivery", "provider", "hours",
                    "level"]


def _days(rng: random.Random, lo: int, hi: int) -> datetime.timedelta:
    return datetime.timedelta(days=rng.randint(lo, hi))


def _record(name: str, day: datetime.date, rng: random.Random) -> dict[str, Any]:
    delivery, provider, hours, level = COURSES.get(
        name, ("single-agency", "external", 2, None))
    if name == "safeguarding-refresher" and rng.random() < 0.3:
        provider, hours = "in-house", 3
    rec: dict[str, Any] = {"training": name, "completed": day.isoformat(),
                           "delivery": delivery, "provider": provider, "hours": hours}
    if level:
        rec["level"] = level
    return rec


def make_worker(rng: random.Random, number: int) -> dict[str, Any]:
    """One worker in the CONTRACT §1 JSON shape, with its training inline."""
    agency = rng.choices(AGENCIES, weights=[a[2] for a in AGENCIES])[0]
    name, sector, _, volunteer_share, contact_w, role_p, titles = agency
    # Tenure: many recent starters, a long tail of long-serving staff.
    started = AS_OF - datetime.timedelta(days=int(rng.expovariate(1 / (6 * 365))))
    started = max(started, EARLIEST_START + _days(rng, 0, 400))
    contact = rng.choices(CONTACT, weights=contact_w)[0]
    volunteer = rng.random() < volunteer_share
    roles: list[Any] = []
    for role, p in role_p.items():
        if rng.random() < p:
            if role in MANAGERIAL and rng.random() < 0.6:
                since = started + _days(rng, 180, 365 * 8)
                roles.append({"role": role, "since": since.isoformat()}
                             if since <= AS_OF else role)
            else:
                roles.append(role)
    worker: dict[str, Any] = {
        "id": f"CP{number:05d}" if number < 100000 else f"CP{number}",
        "started": started.isoformat(), "contact": contact, "roles": roles,
        "agency": name, "sector": sector, "volunteer": volunteer,
        "job_title": rng.choice(titles),
    }
    worker["training"] = _history(rng, started, contact, volunteer, roles)
    return worker


def _history(rng: random.Random, started: datetime.date, contact: str, volunteer: bool,
             roles: list[Any]) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []

    def add(course: str, day: datetime.date) -> None:
        if day <= AS_OF + datetime.timedelta(days=60):  # a few are booked ahead
            records.append(_record(course, day, rng))

    in_contact = contact != "none"
    # Induction: mostly within six months, some late, some never.
    induction = None
    if rng.random() < (0.92 if in_contact else 0.6):
        late = rng.random() < 0.12
        induction = started + (_days(rng, 190, 500) if late else _days(rng, 3, 170))
        add("safeguarding-induction", induction)
    # Refreshers roughly every three years; some people stop keeping up.
    if induction and in_contact:
        keeps_up = rng.random() < 0.75
        day = induction
        while True:
            day = day + _days(rng, 900, 1150 if keeps_up else 1400)
            if day > AS_OF + datetime.timedelta(days=60):
                break
            if day >= HISTORY_FROM:
                add("safeguarding-refresher", day)
            if not keeps_up and rng.random() < 0.4:
                break
    if in_contact and not volunteer and rng.random() < 0.78:
        add("child-development-and-abuse", started + _days(rng, 10, 420))
    if contact in ("regular", "predominant") and induction and rng.random() < 0.7:
        add("inter-agency-foundation", max(induction, started) + _days(rng, 30, 900))
    for entry in roles:
        role = entry if isinstance(entry, str) else entry["role"]
        since = (started if isinstance(entry, str)
                 else datetime.date.fromisoformat(entry["since"]))
        course = ROLE_COURSES.get(role)
        if course and rng.random() < 0.8:
            add(course, since + _days(rng, 0, 540))
        if role == "supervisor" and rng.random() < 0.6:
            add("safeguarding-knowledge-update", since + _days(rng, 30, 900))
    for course in OTHER_COURSES:
        if rng.random() < 0.12:
            add(course, max(started, HISTORY_FROM) + _days(rng, 0, 3000))
    # Older records fall outside the ten-year window the records system keeps, except
    # each person's induction.
    records = [rec for rec in records if rec["training"] == "safeguarding-induction"
               or rec["completed"] >= HISTORY_FROM.isoformat()]
    records.sort(key=lambda rec: rec["completed"])
    return records


# Deliberate mistakes, each at a fixed place so the README can point at them: (worker
# number, what to do to the record, what it shows).
def _bad_rows(count: int) -> dict[int, tuple[str, Any]]:
    spots = [137, 452, 888, 1203, 1530, 1777, 1901, 1990]
    if count < 2000:
        spots = [max(1, count * s // 2000) for s in spots]
    kinds: list[tuple[str, Any]] = [
        ("contact", "regualr"),  # a typo: "did you mean 'regular'?"
        ("started", "2026-02-30"),  # an impossible date
        ("id", None),  # no id
        ("role", "supervisr"),  # an unknown role
        ("started", "2024-03-01T09:00:00"),  # a date-time, not a date
        ("volunteer", "maybe"),  # not true or false
        ("sector", "charity"),  # not a sector
        ("training-date", "2023-13-01"),  # a training record with an impossible date
    ]
    return dict(zip(spots, kinds, strict=True))


def _spoil(worker: dict[str, Any], kind: str, value: Any) -> None:
    if kind == "id":
        del worker["id"]
    elif kind == "role":
        worker["roles"] = [*worker["roles"], value]
    elif kind == "training-date":
        worker["training"].append({"training": "safeguarding-refresher", "completed": value,
                                   "delivery": "single-agency", "provider": "e-learning",
                                   "hours": 2, "level": "level 1"})
    else:
        worker[kind] = value


def workers(count: int, seed: int, bad_rows: bool = True) -> Iterator[dict[str, Any]]:
    rng = random.Random(seed)
    bad = _bad_rows(count) if bad_rows else {}
    for number in range(1, count + 1):
        worker = make_worker(rng, number)
        if number in bad:
            _spoil(worker, *bad[number])
        yield worker


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def write_csv(people: Iterator[dict[str, Any]], workers_out: TextIO,
              training_out: TextIO) -> None:
    w = csv.writer(workers_out, lineterminator="\n")
    t = csv.writer(training_out, lineterminator="\n")
    w.writerow(WORKER_COLUMNS)
    t.writerow(TRAINING_COLUMNS)
    for person in people:
        roles = ";".join(r if isinstance(r, str) else f"{r['role']}@{r['since']}"
                         for r in person["roles"])
        w.writerow([_cell(person.get(c)) if c != "roles" else roles for c in WORKER_COLUMNS])
        for rec in person["training"]:
            t.writerow([_cell(person.get("id"))] + [_cell(rec.get(c))
                                                    for c in TRAINING_COLUMNS[1:]])


def write_jsonl(people: Iterator[dict[str, Any]], out: TextIO) -> None:
    for person in people:
        out.write(json.dumps(person, ensure_ascii=False) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=2000, help="workers (default 2000)")
    parser.add_argument("--seed", type=int, default=2026, help="random seed (default 2026)")
    parser.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)),
                        help="directory for workers.csv, training.csv, workers.jsonl")
    parser.add_argument("--jsonl", metavar="FILE",
                        help="write only JSON Lines, to FILE (- for stdout)")
    parser.add_argument("--clean", action="store_true", help="no deliberately bad rows")
    args = parser.parse_args(argv)
    people = workers(args.count, args.seed, bad_rows=not args.clean)
    if args.jsonl:
        if args.jsonl == "-":
            write_jsonl(people, sys.stdout)
        else:
            with open(args.jsonl, "w", encoding="utf-8", newline="\n") as f:
                write_jsonl(people, f)
        return 0
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "workers.csv"), "w", encoding="utf-8", newline="") as w, \
            open(os.path.join(args.out, "training.csv"), "w", encoding="utf-8",
                 newline="") as t:
        write_csv(people, w, t)
    with open(os.path.join(args.out, "workers.jsonl"), "w", encoding="utf-8",
              newline="\n") as f:
        write_jsonl(workers(args.count, args.seed, bad_rows=not args.clean), f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
