"""Decision.explain() (the structure `policyrules explain` prints) and Eligibility.to_dict()."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

from click.testing import CliRunner

import policyrules
from conftest import write
from policyrules.cli import cli

SMALL = str(Path(__file__).parent / "fixtures" / "cli" / "small.policy")
NEW_STARTER = {"id": "new-starter", "started": "2026-01-10", "contact": "regular",
               "training": [{"training": "old-course", "completed": "2026-01-12"}]}
ON = datetime.date(2026, 3, 1)


def test_explain_gives_paragraphs_dates_and_what_would_satisfy() -> None:
    policy = policyrules.load(SMALL)
    e = policy.evaluate(NEW_STARTER, as_of=ON).explain()
    assert (e.worker, e.policy, e.as_of, e.compliant) == ("new-starter", "small", "2026-03-01",
                                                          False)
    assert e.summary == "Not compliant: 1 of 2 requirements overdue."
    assert e.facts == "started 2026-01-10; contact regular"
    assert e.groups == (("regular-contact", ("1.1",)),)
    induction, inter_agency = e.findings
    assert (induction.requirement, induction.status, induction.cites) == (
        "induction", "due", ("1.2",))
    assert induction.dates == "started 2026-01-10; deadline 6 months from the start: due by " \
        "2026-07-10"
    assert induction.to_satisfy == "complete Safeguarding induction by 2026-07-10"
    assert induction.policy_line.endswith("small.policy:23")
    assert inter_agency.dates == "started 2026-01-10; the document sets no deadline: needed now"
    assert inter_agency.to_satisfy == "complete Inter-agency course now"
    assert e.unrecognised_training == ("old-course",)
    data = e.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["findings"][0]["to_satisfy"] == induction.to_satisfy


def test_explain_is_what_the_command_prints(tmp_path: Path) -> None:
    workers = write(tmp_path, "w.jsonl", json.dumps(NEW_STARTER) + "\n")
    result = CliRunner().invoke(cli, ["explain", SMALL, workers, "--worker", "new-starter",
                                      "--as-of", "2026-03-01", "--color", "never"])
    assert result.exit_code == 0
    policy = policyrules.load(SMALL)
    assert result.output == str(policy.evaluate(NEW_STARTER, as_of=ON).explain())


def test_eligibility_names_the_worker() -> None:
    policy = policyrules.load(SMALL)
    result = policy.eligible(NEW_STARTER, "inter-agency-course", on=ON)
    data = result.to_dict()
    assert data["worker"] == "new-starter" and data["ok"] is False
    assert list(data) == ["worker", "training", "on", "ok", "reasons", "cites"]
