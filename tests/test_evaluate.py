"""Evaluation semantics (docs/language.md, CONTRACT §2) on the features fixture policy."""

import datetime

import pytest

import policyrules
from policyrules import Worker, WorkerError

D = datetime.date


def worker(**fields: object) -> dict[str, object]:
    return {"id": "W1", "started": "2026-01-10", "contact": "regular"} | fields


def status(policy: policyrules.Policy, w: dict[str, object], day: datetime.date, req: str
           ) -> tuple[str, datetime.date | None]:
    f = policy.evaluate(w, as_of=day).finding(req)
    assert f is not None
    return f.status, f.due


def test_deadline_is_inclusive(features: policyrules.Policy) -> None:
    w = worker()
    assert status(features, w, D(2026, 7, 10), "induction") == ("due", D(2026, 7, 10))
    assert status(features, w, D(2026, 7, 11), "induction") == ("overdue", D(2026, 7, 10))


def test_month_end_start_clips_deadline(features: policyrules.Policy) -> None:
    w = worker(started="2025-08-31")
    assert status(features, w, D(2026, 2, 1), "induction") == ("due", D(2026, 2, 28))


def test_completion_meets_once_without_renewal(features: policyrules.Policy) -> None:
    w = worker(training=[{"training": "induction-course", "completed": "2026-09-01"}])
    f = features.evaluate(w, as_of=D(2040, 1, 1)).finding("induction")
    assert f is not None
    assert (f.status, f.due) == ("met", None)
    assert [r.completed for r in f.evidence] == [D(2026, 9, 1)]


def test_renewal_counts_from_latest_completion(features: policyrules.Policy) -> None:
    w = worker(training=[{"training": "induction-course", "completed": "2024-02-29"},
                         {"training": "refresher-course", "completed": "2021-01-01"}])
    assert status(features, w, D(2027, 2, 28), "refresher") == ("met", D(2027, 2, 28))
    assert status(features, w, D(2027, 3, 1), "refresher") == ("overdue", D(2027, 2, 28))
    overdue = features.evaluate(w, as_of=D(2027, 3, 1)).finding("refresher")
    assert overdue is not None and overdue.evidence == ()


def test_records_after_as_of_are_ignored(features: policyrules.Policy) -> None:
    w = worker(training=[{"training": "induction-course", "completed": "2026-03-02"},
                         {"training": "mystery", "completed": "2026-03-02"}])
    d = features.evaluate(w, as_of=D(2026, 3, 1))
    assert d.finding("induction").status == "due"  # type: ignore[union-attr]
    assert d.unrecognised_training == ()
    later = features.evaluate(w, as_of=D(2026, 3, 2))
    assert later.finding("induction").status == "met"  # type: ignore[union-attr]
    assert later.unrecognised_training == ("mystery",)


def test_no_deadline_means_overdue_until_met(features: policyrules.Policy) -> None:
    w = worker(contact="none", roles=["foster-carer"])
    assert status(features, w, D(2026, 1, 10), "foster-training") == ("overdue", None)
    assert not features.evaluate(w, as_of=D(2026, 1, 10)).compliant


def test_role_deadline_counts_from_since_and_role_not_held_before(
        features: policyrules.Policy) -> None:
    w = worker(contact="none", roles=[{"role": "supervisor", "since": "2026-05-31"}])
    assert features.evaluate(w, as_of=D(2026, 5, 30)).findings == ()
    # 2026-05-31 + 3 months = 2026-08-31, + 1 month grace = 2026-09-30
    assert status(features, w, D(2026, 9, 30), "supervision") == ("due", D(2026, 9, 30))
    assert status(features, w, D(2026, 10, 1), "supervision") == ("overdue", D(2026, 9, 30))


def test_conditions_with_groups_sector_and_volunteer(features: policyrules.Policy) -> None:
    leader = worker(contact="predominant", roles=["senior-manager"])
    assert features.evaluate(leader, as_of=D(2026, 2, 1)).groups == ("frontline", "leaders")
    vol = worker(contact="none", volunteer=True, sector="voluntary")
    assert features.evaluate(vol, as_of=D(2026, 2, 1)).groups == ("community-volunteers",)
    statutory = worker(contact="none", volunteer=True, sector="statutory")
    assert features.evaluate(statutory, as_of=D(2026, 2, 1)).groups == ()
    volunteer_supervisor = worker(contact="none", volunteer=True, roles=["supervisor"])
    assert features.evaluate(volunteer_supervisor, as_of=D(2026, 2, 1)).findings == ()


def test_to_dict_has_the_contract_shape(features: policyrules.Policy) -> None:
    d = features.evaluate(worker(started="2025-03-01", contact="occasional"),
                          as_of=D(2026, 11, 22)).to_dict()
    assert d["worker"] == "W1" and d["policy"] == "features" and d["as_of"] == "2026-11-22"
    assert d["compliant"] is False and d["unrecognised_training"] == []
    assert d["groups"] == ["occasional-contact"]
    (f,) = d["findings"]
    assert f == {
        "requirement": "induction",
        "title": "Safeguarding induction",
        "status": "overdue",
        "compliant": False,
        "due": "2025-09-01",
        "satisfied_by": ["induction-course"],
        "evidence": [],
        "cites": ["1.4"],
        "explanation": f["explanation"],
    }
    # The course's catalogue title, as written (not lower-cased), and no training ids.
    assert f["explanation"] == (
        "Induction must be completed within six months of starting (1.4); W1 started on "
        "2025-03-01 and has no Safeguarding induction on record; it was due by 2025-09-01.")


def test_typed_worker_is_accepted(features: policyrules.Policy) -> None:
    w = Worker("T1", D(2026, 1, 10), "regular")
    assert features.evaluate(w, as_of=D(2026, 2, 1)).finding("induction") is not None


def test_typed_worker_with_unknown_role_is_refused(features: policyrules.Policy) -> None:
    from policyrules import RoleAssignment

    w = Worker("T1", D(2026, 1, 10), "regular", roles=(RoleAssignment("astronaut"),))
    with pytest.raises(WorkerError, match="unknown role 'astronaut'"):
        features.evaluate(w, as_of=D(2026, 2, 1))


def test_as_of_must_be_a_date(features: policyrules.Policy) -> None:
    with pytest.raises(policyrules.UsageError, match=r"as_of must be a datetime\.date"):
        features.evaluate(worker(), as_of=datetime.datetime(2026, 1, 1))  # type: ignore[arg-type]


def test_eligibility_needs_every_requires_clause(features: policyrules.Policy) -> None:
    w = worker(training=[{"training": "refresher-course", "completed": "2026-02-01"},
                         {"training": "supervision-course", "completed": "2026-03-01"}])
    no = features.eligible(w, "joint-course", on=D(2026, 2, 28))
    assert not no.ok and no.cites == ("1.5",)
    assert any("supervision-course" in r for r in no.reasons)
    yes = features.eligible(w, "joint-course", on=D(2026, 3, 1))
    assert yes.ok and len(yes.reasons) == 2


def test_eligibility_of_unknown_training_suggests(features: policyrules.Policy) -> None:
    with pytest.raises(policyrules.UnknownTrainingError, match="did you mean `joint-course`"):
        features.eligible(worker(), "joint-cours", on=D(2026, 1, 1))


def test_evidence_order_ignores_input_order_even_for_missing_details(
        features: policyrules.Policy) -> None:
    from policyrules import TrainingRecord

    a = TrainingRecord("induction-course", D(2026, 1, 5))
    b = TrainingRecord("induction-course", D(2026, 1, 5), hours=0.0)
    c = TrainingRecord("induction-course", D(2026, 1, 5), provider="")
    one = Worker("W1", D(2026, 1, 1), "regular", training=(a, b, c))
    other = Worker("W1", D(2026, 1, 1), "regular", training=(c, b, a))
    assert features.evaluate(one, as_of=D(2026, 2, 1)) == \
        features.evaluate(other, as_of=D(2026, 2, 1))


def test_an_expired_renewal_names_the_same_record_whatever_the_order(
        features: policyrules.Policy) -> None:
    # Two records on the latest day, neither current: the explanation names one of them,
    # and which one must not depend on the order they were given in.
    records = [{"training": "refresher-course", "completed": "2015-01-01"},
               {"training": "induction-course", "completed": "2015-01-01"}]
    texts = {features.evaluate(worker(started="2015-01-01", training=order),
                               as_of=D(2018, 1, 2)).finding("refresher").explanation
             for order in (records, records[::-1])}  # type: ignore[union-attr]
    assert len(texts) == 1
    assert texts.pop() == (
        "Safeguarding training must be refreshed at least every three years (1.4); W1 "
        "completed Safeguarding induction on 2015-01-01, and its renewal was due by "
        "2018-01-01.")
