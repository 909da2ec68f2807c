"""Explanations in good English (contract/explain.py): course titles, hours, records after
the day, deadlines from an event, regular updates and delivery. Every expected sentence is
written by hand."""

import datetime
import json

from hypothesis import given
from hypothesis import strategies as st

import policyrules
from conftest import FIXTURES
from policyrules.render import DecisionJson

FRAMEWORK = policyrules.load(FIXTURES / "framework.policy")
DURHAM = policyrules.load(FIXTURES.parent.parent / "policies" / "durham.policy")
D = datetime.date.fromisoformat

H1 = {"id": "H1", "started": "2025-01-06", "contact": "predominant",
      "roles": ["healthcare", "supervisor"],
      "training": [{"training": "induction", "completed": "2025-02-01"},
                   {"training": "level-3", "completed": "2025-06-01", "hours": 5},
                   {"training": "level-3", "completed": "2025-11-20"},
                   {"training": "joint-course", "completed": "2025-03-01"},
                   {"training": "level-3", "completed": "2027-01-10"}]}
H2 = {"id": "H2", "started": "2025-01-06", "contact": "predominant", "roles": ["healthcare"],
      "training": [{"training": "joint-course", "completed": "2025-03-01"},
                   {"training": "level-1", "completed": "2024-01-01"}]}


def text(policy: policyrules.Policy, worker: dict[str, object], day: str, req: str) -> str:
    found = policy.evaluate(worker, as_of=D(day)).finding(req)
    assert found is not None
    return found.explanation


def test_a_missing_course_is_named_by_its_title_never_lower_cased() -> None:
    worker = {"id": "W0001", "started": "2025-03-01", "contact": "regular",
              "roles": ["trainer", "board-member"]}
    assert text(DURHAM, worker, "2026-11-22", "trainer-knowledge") == (
        "Those who deliver the training must be knowledgeable about safeguarding, child "
        "protection included, and promoting the welfare of children (4.33); W0001 has no "
        "Safeguarding knowledge for trainers (child protection included) on record, and the "
        "document sets no deadline, so it is needed now.")
    assert text(DURHAM, worker, "2026-11-22", "lscb-induction") == (
        "Durham LSCB members, lay members and independent chairs included, and LSCB "
        "employees receive induction and training to fulfil their responsibilities (4.20); "
        "W0001 has no Durham LSCB induction and training for members and employees on "
        "record, and the document sets no deadline, so it is needed now.")


def test_a_met_requirement_names_the_record_by_title() -> None:
    assert text(FRAMEWORK, H1, "2026-01-01", "induction") == (
        "Induction within six months of starting, and before any joint course (1); H1 "
        "completed Trust induction on 2025-02-01.")


def test_a_record_dated_after_the_day_is_said_not_to_count() -> None:
    assert text(FRAMEWORK, H1, "2026-11-22", "supervision-new") == (
        "Supervisors hold Level 3, updated regularly (A.5, A.6); H1 completed Level 3 "
        "safeguarding on 2025-11-20; a record of Level 3 safeguarding dated 2027-01-10, "
        "after 2026-11-22, is not counted; the document asks for regular updates but gives "
        "no period, so the policy checks only that it was done.")


def test_hours_not_yet_reached_say_how_many_of_how_many() -> None:
    assert text(FRAMEWORK, H1, "2026-11-22", "level-3-rolling") == (
        "Level 3 staff keep up 12 hours within any three years (A.3, A.4); H1 took the role "
        "healthcare on 2025-01-06 and has 9 of 12 hours of Level 3 safeguarding within the "
        "last 3 years; it is due by 2028-01-06; a record of Level 3 safeguarding dated "
        "2027-01-10, after 2026-11-22, is not counted.")
    assert text(FRAMEWORK, H2, "2026-11-22", "level-3-first-year") == (
        "Level 3 staff complete 8 hours within a year of taking the role (A.3, A.4); H2 took "
        "the role healthcare on 2025-01-06 and has 0 of 8 hours of Level 3 safeguarding; it "
        "was due by 2026-01-06.")


def test_hours_met_name_the_records_that_counted() -> None:
    assert text(FRAMEWORK, H1, "2026-01-01", "level-3-first-year") == (
        "Level 3 staff complete 8 hours within a year of taking the role (A.3, A.4); H1 has "
        "9 hours of Level 3 safeguarding (8 needed), from Level 3 safeguarding on 2025-11-20 "
        "(4 hours) and on 2025-06-01 (5 hours); a record of Level 3 safeguarding dated "
        "2027-01-10, after 2026-01-01, is not counted.")
    # A higher level counts for a lower one; the record keeps its own course's title.
    assert text(FRAMEWORK, H1, "2026-01-01", "level-1-all") == (
        "All staff keep up 2 hours of Level 1 training within any three years (A.1); H1 has "
        "9 hours of Level 1 safeguarding within the last 3 years (2 needed); Level 3 "
        "safeguarding on 2025-11-20 (4 hours) reaches 2 and keeps it met until 2028-11-20; "
        "a record of Level 3 safeguarding dated 2027-01-10, after 2026-01-01, is not "
        "counted.")


def test_lapsed_hours_say_when_they_last_added_up() -> None:
    assert text(FRAMEWORK, H2, "2029-01-01", "level-1-all") == (
        "All staff keep up 2 hours of Level 1 training within any three years (A.1); H2 has "
        "0 of 2 hours of Level 1 safeguarding within the last 3 years; the hours last added "
        "up to 2 on 2027-01-01 (a record of Level 2 safeguarding or Level 3 safeguarding "
        "counts too).")


def test_a_deadline_brought_forward_by_the_first_course_says_so() -> None:
    assert text(FRAMEWORK, H2, "2026-01-01", "induction") == (
        "Induction within six months of starting, and before any joint course (1); H2 "
        "started on 2025-01-06 and has no Trust induction on record; it was due by "
        "2025-03-01, the day of H2's first Joint inter-agency course, before which it is "
        "needed.")


def test_a_deadline_counted_from_a_course_names_it() -> None:
    assert text(FRAMEWORK, H1, "2026-01-01", "refresher") == (
        "A refresher within a year of induction, then every two years (2); H1 completed "
        "Trust induction on 2025-02-01 and has no Induction refresher on record; it is due "
        "by 2026-02-01.")


def test_a_single_agency_record_of_an_inter_agency_requirement_does_not_count() -> None:
    assert text(FRAMEWORK, H2, "2026-01-01", "joint-training") == (
        "Staff working predominantly with children attend inter-agency training (3); H2 has "
        "no Level 3 safeguarding or Joint inter-agency course on record, and the document "
        "sets no deadline, so it is needed now; a single-agency record of Joint inter-agency "
        "course does not count, as only inter-agency records do.")
    inter = dict(H2, training=[{"training": "joint-course", "completed": "2025-03-01",
                                "delivery": "inter-agency"}])
    assert text(FRAMEWORK, inter, "2026-01-01", "joint-training") == (
        "Staff working predominantly with children attend inter-agency training (3); H2 "
        "completed Joint inter-agency course on 2025-03-01.")


def test_not_needed_before_the_first_course() -> None:
    policy = policyrules.loads(
        (FIXTURES / "framework.policy").read_text().replace(
            "  due within 6 months of start\n  due before first joint-course",
            "  due before first joint-course"), name="before.policy")
    worker = {"id": "N1", "started": "2025-01-06", "contact": "regular"}
    assert text(policy, worker, "2026-01-01", "induction") == (
        "Induction within six months of starting, and before any joint course (1); N1 has "
        "no Trust induction on record; it is needed before N1's first Joint inter-agency "
        "course.")


@given(st.permutations(H1["training"]), st.sampled_from(
    ["2025-06-01", "2026-01-01", "2026-11-22", "2029-01-01"]))
def test_explanations_ignore_the_order_of_the_records(order: list[object], day: str) -> None:
    shuffled = dict(H1, training=order)
    for worker in (H1, shuffled):
        decision = FRAMEWORK.evaluate(worker, as_of=D(day))
        assert [f.to_dict() for f in decision.findings] == \
            [f.to_dict() for f in FRAMEWORK.evaluate(H1, as_of=D(day)).findings]
        # The quick JSON path writes exactly the same explanations.
        assert json.loads(DecisionJson()(decision)) == decision.to_dict()


def explained(worker: dict[str, object], day: str, req: str) -> tuple[str, str]:
    (found,) = [f for f in FRAMEWORK.evaluate(worker, as_of=D(day)).explain().findings
                if f.requirement == req]
    return found.dates, found.to_satisfy


def test_explain_dates_and_what_to_do_for_hours() -> None:
    assert explained(H1, "2026-11-22", "level-3-rolling") == (
        "took the role healthcare on 2025-01-06; 9 of 12 hours within 3 years; last "
        "completed Level 3 safeguarding on 2025-11-20; deadline 3 years from the role: due "
        "by 2028-01-06; 1 record dated after 2026-11-22 not counted",
        "complete 3 more hours of Level 3 safeguarding by 2028-01-06")
    assert explained(H2, "2026-01-01", "level-1-all") == (
        "started 2025-01-06; 2 hours within 3 years (2 needed); last completed Level 1 "
        "safeguarding on 2024-01-01; hours count until 2027-01-01",
        "met until 2027-01-01; more hours of Level 1 safeguarding, Level 2 safeguarding or "
        "Level 3 safeguarding by then keep it met")
    assert explained(H2, "2029-01-01", "level-1-all") == (
        "started 2025-01-06; 0 of 2 hours within 3 years; last completed Level 1 "
        "safeguarding on 2024-01-01; the hours last added up on 2027-01-01",
        "complete 2 more hours of Level 1 safeguarding, Level 2 safeguarding or Level 3 "
        "safeguarding now")


def test_explain_dates_name_the_course_a_deadline_counts_from() -> None:
    assert explained(H1, "2026-11-22", "refresher") == (
        "completed Trust induction on 2025-02-01; deadline 1 year from completing Trust "
        "induction: was due by 2026-02-01", "complete Induction refresher now")
    assert explained(H2, "2026-01-01", "induction") == (
        "started 2025-01-06; deadline the day of the first Joint inter-agency course: was "
        "due by 2025-03-01", "complete Trust induction now")


def test_a_record_from_another_provider_does_not_count() -> None:
    policy = policyrules.loads(
        (FIXTURES / "framework.policy").read_text().replace(
            "  delivered inter-agency\n", '  provided by "County safeguarding partnership"\n'),
        name="provider.policy")
    worker = dict(H2, training=[{"training": "joint-course", "completed": "2025-03-01",
                                 "provider": "Acme Training"},
                                {"training": "level-3", "completed": "2025-04-01"}])
    assert text(policy, worker, "2026-01-01", "joint-training") == (
        "Staff working predominantly with children attend inter-agency training (3); H2 has "
        "no Level 3 safeguarding or Joint inter-agency course on record, and the document "
        "sets no deadline, so it is needed now; records of Joint inter-agency course and "
        "Level 3 safeguarding from another provider do not count, as only those provided by "
        "County safeguarding partnership do.")


# The usual met finding is written in one step (`explain._met`), and whether a worker has
# records after the day is remembered for the worker just explained (`any_later`). Both
# must give what the general path gives, for every policy's findings, whatever worker
# and day came before (the remembered answer must never leak to another worker or day).
def _general(f: policyrules.Finding) -> str:
    from policyrules.contract import explain

    words = explain._words(f.rule)
    if f.rule.hours is not None:
        body = explain._hours_body(f, words)
    else:
        body = explain._body(f, words, f.records.latest)
    return f"{words.head}; {'; '.join([body, *explain._notes(f)])}."


_SHIPPED = [DURHAM, FRAMEWORK,
            policyrules.load(FIXTURES.parent.parent / "policies" / "pan_lancashire.policy")]


@given(st.data())
def test_the_quick_explanation_is_the_general_one(data: st.DataObject) -> None:
    from policyrules.testing import as_of_dates, workers

    policy = data.draw(st.sampled_from(_SHIPPED))
    for _ in range(data.draw(st.integers(1, 3))):  # several workers and days in a row
        worker = data.draw(workers(policy, details=True))
        as_of = data.draw(as_of_dates())
        for finding in policy.evaluate(worker, as_of=as_of).findings:
            assert finding.explanation == _general(finding)


def test_a_worker_with_a_later_record_is_not_explained_as_the_one_before() -> None:
    # The same records, one of them dated after the day for the second worker only: the
    # remembered answer of the first must not be used for the second.
    early = {"id": "E1", "started": "2025-01-06", "contact": "regular",
             "training": [{"training": "induction", "completed": "2025-02-01"}]}
    late = {**early, "id": "E2",
            "training": [*early["training"],  # type: ignore[list-item]
                         {"training": "induction", "completed": "2027-01-10"}]}
    day = D("2026-01-05")
    first, second = (next(f for f in FRAMEWORK.evaluate(w, as_of=day).findings
                          if f.requirement == "induction") for w in (early, late))
    assert first.status == second.status == "met"
    assert first.explanation == ("Induction within six months of starting, and before any "
                                 "joint course (1); E1 completed Trust induction on "
                                 "2025-02-01.")
    assert second.explanation == ("Induction within six months of starting, and before any "
                                  "joint course (1); E2 completed Trust induction on "
                                  "2025-02-01; a record of Trust induction dated 2027-01-10, "
                                  "after 2026-01-05, is not counted.")
