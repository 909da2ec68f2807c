"""Properties of evaluation that hold for every worker and date (issue 3)."""

import datetime

from hypothesis import given
from hypothesis import strategies as st

import policyrules
from conftest import FIXTURES
from policyrules.language.nodes import Duration
from policyrules.semantics.dates import add
from strategies import DAYS, worker_dicts

POLICY = policyrules.load(FIXTURES / "features.policy")
ROLES = sorted(POLICY.model.role_names)
TRAININGS = [t.id for t in POLICY.model.trainings]
WORKERS = worker_dicts(ROLES, TRAININGS)


@given(WORKERS, DAYS, st.randoms(use_true_random=False))
def test_record_order_does_not_matter(worker: dict, as_of: datetime.date, rnd) -> None:
    shuffled = dict(worker, training=rnd.sample(worker["training"], len(worker["training"])),
                    roles=rnd.sample(worker["roles"], len(worker["roles"])))
    assert POLICY.evaluate(worker, as_of=as_of).to_dict() == \
        POLICY.evaluate(shuffled, as_of=as_of).to_dict()


@given(WORKERS, DAYS, st.sampled_from(TRAININGS), DAYS)
def test_adding_a_completed_training_never_unmeets(worker: dict, as_of: datetime.date,
                                                   training: str, completed: datetime.date
                                                   ) -> None:
    before = POLICY.evaluate(worker, as_of=as_of)
    more = dict(worker, training=[*worker["training"],
                                  {"training": training, "completed": str(completed)}])
    after = POLICY.evaluate(more, as_of=as_of)
    for f in before.findings:
        if f.status == "met":
            g = after.finding(f.requirement)
            assert g is not None and g.status == "met"


@given(WORKERS, DAYS)
def test_compliant_exactly_when_nothing_is_overdue(worker: dict, as_of: datetime.date) -> None:
    d = POLICY.evaluate(worker, as_of=as_of)
    assert d.compliant == all(f.status != "overdue" for f in d.findings)
    assert d.to_dict()["compliant"] == d.compliant


@given(DAYS, st.sampled_from(["none", "occasional", "regular", "predominant"]))
def test_start_deadlines_match_relativedelta(started: datetime.date, contact: str) -> None:
    from dateutil.relativedelta import relativedelta

    worker = {"id": "W", "started": str(started), "contact": contact}
    d = POLICY.evaluate(worker, as_of=started)
    # induction applies from occasional contact up, refresher to regular and predominant
    # (group frontline): with contact none neither applies, and nothing else does either.
    applies = {"none": set(), "occasional": {"induction"},
               "regular": {"induction", "refresher"},
               "predominant": {"induction", "refresher"}}[contact]
    assert {f.requirement for f in d.findings} == applies
    for f in d.findings:
        assert f.due == started + relativedelta(months=6)
        assert f.status == "due"


@given(DAYS, DAYS)
def test_renewal_deadline_matches_relativedelta(started: datetime.date, done: datetime.date
                                                ) -> None:
    worker = {"id": "W", "started": str(started), "contact": "regular",
              "training": [{"training": "refresher-course", "completed": str(done)}]}
    f = POLICY.evaluate(worker, as_of=done).finding("refresher")
    assert f is not None
    assert f.due == add(done, Duration(3, "years"))
    assert f.status == "met"


@given(WORKERS, DAYS, st.integers(1, 3000))
def test_overdue_stays_overdue_without_new_records(worker: dict, as_of: datetime.date,
                                                   days: int) -> None:
    later = as_of + datetime.timedelta(days=days)
    # Only records already on file by as_of: nothing new arrives.
    worker = dict(worker, training=[r for r in worker["training"]
                                    if r["completed"] <= str(as_of)],
                  roles=[r for r in worker["roles"] if isinstance(r, str) or
                         r["since"] <= str(as_of)])
    now = POLICY.evaluate(worker, as_of=as_of)
    then = POLICY.evaluate(worker, as_of=later)
    for f in now.findings:
        g = then.finding(f.requirement)
        if f.status == "overdue" and g is not None:
            assert g.status == "overdue"
