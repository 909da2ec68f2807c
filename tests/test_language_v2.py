"""Language v2 (CONTRACT §5): hours in a window, levels, event-anchored deadlines,
conditions on history, delivery and provider, effective dates, paragraph ids.

Expected dates are worked out by hand from the rules in docs/language.md.
"""

from __future__ import annotations

import datetime

import pytest

import policyrules
from conftest import FIXTURES
from policyrules.policy import build

D = datetime.date
FRAMEWORK = policyrules.load(FIXTURES / "framework.policy")


def record(training: str, day: str, **more: object) -> dict[str, object]:
    return {"training": training, "completed": day} | more


def finding(worker: dict[str, object], day: datetime.date, req: str,
            policy: policyrules.Policy = FRAMEWORK) -> policyrules.Finding | None:
    compiled = policy.evaluate(worker, as_of=day).finding(req)
    reference = policy.interpret(worker, as_of=day).finding(req)
    assert compiled == reference  # both engines, every case
    return compiled


def status(worker: dict[str, object], day: datetime.date, req: str
           ) -> tuple[str, datetime.date | None]:
    f = finding(worker, day, req)
    assert f is not None, f"{req} does not apply"
    return f.status, f.due


def nurse(*records: dict[str, object], since: str = "2024-01-15") -> dict[str, object]:
    return {"id": "N1", "started": "2020-03-01", "contact": "regular",
            "roles": [{"role": "healthcare", "since": since}], "training": list(records)}


# Hours within a rolling window ---------------------------------------------------------


def test_hours_add_up_within_the_window_and_due_is_when_the_oldest_needed_leaves() -> None:
    w = nurse(record("level-3", "2024-03-01", hours=5), record("level-3", "2025-06-10", hours=4),
              record("level-3", "2026-09-30", hours=3))
    # 12 hours, newest first: 3 + 4 + 5 reach 12 only with the 2024-03-01 record.
    assert status(w, D(2026, 11, 22), "level-3-rolling") == ("met", D(2027, 3, 1))
    assert status(w, D(2027, 3, 1), "level-3-rolling") == ("met", D(2027, 3, 1))
    # The day after, 7 hours remain: the rolling deadline (role + 3 years) has passed, and
    # the day the hours lapsed is the deadline that was missed.
    assert status(w, D(2027, 3, 2), "level-3-rolling") == ("overdue", D(2027, 3, 1))


def test_evidence_lists_the_records_that_counted_with_their_hours() -> None:
    w = nurse(record("level-3", "2024-03-01", hours=5), record("level-3", "2025-06-10", hours=4),
              record("level-3", "2026-09-30", hours=3, provider="NHS"))
    f = finding(w, D(2026, 11, 22), "level-3-rolling")
    assert f is not None
    shown = f.to_dict()["evidence"]
    assert [(e["completed"], e.get("hours")) for e in shown] == [
        ("2026-09-30", 3), ("2025-06-10", 4), ("2024-03-01", 5)]
    assert shown[0]["provider"] == "NHS"


def test_a_record_without_hours_counts_its_course_hours() -> None:
    # level-3 declares 4 hours: three records make 12.
    w = nurse(record("level-3", "2025-01-10"), record("level-3", "2025-05-10"),
              record("level-3", "2025-09-10"))
    assert status(w, D(2026, 1, 1), "level-3-rolling") == ("met", D(2028, 1, 10))


def test_not_enough_hours_is_due_until_the_first_deadline_then_overdue() -> None:
    w = nurse(record("level-3", "2024-06-01", hours=2))
    # Rolling target: first deadline = role (2024-01-15) + 3 years.
    assert status(w, D(2026, 11, 22), "level-3-rolling") == ("due", D(2027, 1, 15))
    assert status(w, D(2027, 1, 15), "level-3-rolling") == ("due", D(2027, 1, 15))
    assert status(w, D(2027, 1, 16), "level-3-rolling") == ("overdue", D(2027, 1, 15))


def test_a_window_counts_a_record_through_its_clipped_last_day() -> None:
    # 2024-02-29 + 3 years = 2027-02-28 (clipped): counts that day, not the next.
    w = {"id": "A", "started": "2024-02-01", "contact": "none",
         "training": [record("level-1", "2024-02-29", hours=2)]}
    assert status(w, D(2027, 2, 28), "level-1-all") == ("met", D(2027, 2, 28))
    assert status(w, D(2027, 3, 1), "level-1-all") == ("overdue", D(2027, 2, 28))


def test_first_year_target_beside_a_rolling_one() -> None:
    w = nurse(record("level-3", "2024-05-01", hours=5), since="2024-01-15")
    assert status(w, D(2024, 12, 1), "level-3-first-year") == ("due", D(2025, 1, 15))
    assert status(w, D(2025, 1, 16), "level-3-first-year") == ("overdue", D(2025, 1, 15))
    w = nurse(record("level-3", "2024-05-01", hours=5), record("level-3", "2024-11-01", hours=3))
    # Without a window the target, once met, stays met.
    assert status(w, D(2030, 1, 1), "level-3-first-year") == ("met", None)


# Levels ------------------------------------------------------------------------------------


def test_a_higher_level_meets_the_lower_ones_transitively() -> None:
    w = {"id": "A", "started": "2025-01-01", "contact": "none",
         "training": [record("level-3", "2025-03-01")]}  # 4 hours, counts as level-1
    f = finding(w, D(2025, 6, 1), "level-1-all")
    assert f is not None and f.status == "met"
    assert [e.training for e in f.evidence] == ["level-3"]
    assert f.satisfied_by == ("level-1", "level-2", "level-3")


def test_counts_as_cycle_is_an_error_with_the_path() -> None:
    text = POLICY_HEAD + """
training a "A" delivery single-agency counts as b cites 1
training b "B" delivery single-agency counts as a cites 1
"""
    with pytest.raises(policyrules.PolicyCheckError) as info:
        build(text, "cycle.policy")
    message = info.value.diagnostics[0].render()
    assert "`counts as` makes a cycle: a → b → a" in message
    assert "cycle.policy:5:" in message


# Event-anchored deadlines and conditions on history ---------------------------------------


def test_induction_is_due_before_the_first_joint_course() -> None:
    w = {"id": "A", "started": "2026-01-05", "contact": "regular",
         "training": [record("joint-course", "2026-02-10", delivery="inter-agency")]}
    # Six months from start would be 2026-07-05; the joint course came first.
    assert status(w, D(2026, 2, 10), "induction") == ("due", D(2026, 2, 10))
    assert status(w, D(2026, 3, 1), "induction") == ("overdue", D(2026, 2, 10))
    # A joint course booked after as_of does not count yet.
    assert status(w, D(2026, 2, 9), "induction") == ("due", D(2026, 7, 5))


def test_refresher_applies_once_induction_is_done_and_counts_from_it() -> None:
    w = {"id": "A", "started": "2026-01-05", "contact": "regular",
         "training": [record("induction", "2026-03-31")]}
    assert finding(w, D(2026, 3, 30), "refresher") is None
    assert status(w, D(2026, 4, 1), "refresher") == ("due", D(2027, 3, 31))
    assert status(w, D(2027, 4, 1), "refresher") == ("overdue", D(2027, 3, 31))


def test_completing_anchor_needs_the_completed_condition() -> None:
    text = POLICY_HEAD + """
training a "A" delivery single-agency cites 1
requirement r "R" applies to everyone satisfied by a due within 1 year of completing a
  cites 1 explain "x"
"""
    with pytest.raises(policyrules.PolicyCheckError) as info:
        build(text, "anchor.policy")
    assert "add `and completed a` to its `applies to` clause" in str(info.value)


# Delivery and provider ---------------------------------------------------------------------


def test_single_agency_record_of_an_inter_agency_course_does_not_count() -> None:
    single = {"id": "A", "started": "2020-01-01", "contact": "predominant",
              "training": [record("joint-course", "2025-01-01", delivery="single-agency")]}
    assert status(single, D(2026, 1, 1), "joint-training") == ("overdue", None)
    joint = dict(single, training=[record("joint-course", "2025-01-01",
                                          delivery="inter-agency")])
    assert status(joint, D(2026, 1, 1), "joint-training") == ("met", None)


def test_provided_by_counts_only_that_providers_records() -> None:
    text = POLICY_HEAD + """
training a "A" delivery single-agency cites 1
requirement r "R" applies to everyone satisfied by a provided by "NHS" no deadline
  cites 1 explain "x"
"""
    policy, _ = build(text, "provider.policy")
    w = {"id": "A", "started": "2020-01-01", "contact": "none",
         "training": [record("a", "2025-01-01", provider="council")]}
    assert finding(w, D(2026, 1, 1), "r", policy).status == "overdue"  # type: ignore[union-attr]
    w["training"] = [record("a", "2025-01-01", provider="NHS")]
    assert finding(w, D(2026, 1, 1), "r", policy).status == "met"  # type: ignore[union-attr]


# Effective dates ---------------------------------------------------------------------------


def test_in_force_ranges_are_inclusive_and_switch_on_the_day() -> None:
    w = {"id": "S", "started": "2020-01-01", "contact": "none", "roles": ["supervisor"]}
    on_31 = FRAMEWORK.evaluate(w, as_of=D(2026, 3, 31))
    on_1 = FRAMEWORK.evaluate(w, as_of=D(2026, 4, 1))
    assert on_31.finding("supervision-old") is not None
    assert on_31.finding("supervision-new") is None
    assert on_1.finding("supervision-old") is None
    assert on_1.finding("supervision-new") is not None


def test_in_force_until_before_from_is_an_error() -> None:
    text = POLICY_HEAD + """
training a "A" delivery single-agency cites 1
requirement r "R" applies to everyone satisfied by a no deadline
  in force from 2026-05-01 in force until 2026-04-30 cites 1 explain "x"
"""
    with pytest.raises(policyrules.PolicyCheckError, match="is before `in force from"):
        build(text, "range.policy")


# Paragraph ids and other checks ------------------------------------------------------------


POLICY_HEAD = """policy t
  title "T"
  source "S" paragraphs 1 to 3, A.1, L3.2
"""


def test_plain_and_section_paragraph_ids_are_citable() -> None:
    text = POLICY_HEAD + """
training a "A" delivery single-agency cites 2, A.1, L3.2
requirement r "R" applies to everyone satisfied by a no deadline cites 3 explain "x"
"""
    policy, _ = build(text, "ids.policy")
    assert policy.model.paragraphs == ("1", "2", "3", "A.1", "L3.2")
    d = policy.evaluate({"id": "x", "started": "2026-01-01", "contact": "none"},
                        as_of=D(2026, 1, 1))
    assert d.findings[0].cites == ("3",)


def test_hours_target_no_course_declares_hours_for_is_a_warning() -> None:
    text = POLICY_HEAD + """
training a "A" delivery single-agency cites 1
requirement r "R" applies to everyone satisfied by a at least 3 hours within 1 year
  no deadline cites 1 explain "x"
"""
    _, warnings = build(text, "warn.policy")
    assert [w.code for w in warnings if w.code != "uncovered"] == ["no-course-hours"]


@pytest.mark.parametrize(("clauses", "code"), [
    ("at least 3 hours within 0 years", "bad-duration"),
    ("at least 0 hours within 1 year", "bad-hours"),
    ("at least 3 hours within 1 year renew every 1 year", "renew-with-window"),
    ("at least 1000000.5 hours within 1 year", "bad-hours"),
])
def test_hours_targets_that_make_no_sense_are_errors(clauses: str, code: str) -> None:
    text = POLICY_HEAD + f"""
training a "A" delivery single-agency hours 1 cites 1
requirement r "R" applies to everyone satisfied by a {clauses}
  no deadline cites 1 explain "x"
"""
    with pytest.raises(policyrules.PolicyCheckError) as info:
        build(text, "zero.policy")
    assert [d.code for d in info.value.diagnostics] == [code]


def test_a_course_longer_than_the_hours_limit_is_an_error() -> None:
    text = POLICY_HEAD + """
training a "A" delivery single-agency hours 2000000 cites 1
requirement r "R" applies to everyone satisfied by a at least 3 hours within 1 year
  no deadline cites 1 explain "x"
"""
    with pytest.raises(policyrules.PolicyCheckError) as info:
        build(text, "long.policy")
    assert [(d.code, d.message) for d in info.value.diagnostics] == [
        ("bad-hours", "`hours 2000000` is more than 1000000 hours")]


def test_an_amendment_that_changes_the_period_warns_about_the_old_explanation(tmp_path) -> None:
    base = tmp_path / "base.policy"
    base.write_text(POLICY_HEAD + """
training a "A" delivery single-agency cites 1
requirement r "R" applies to everyone satisfied by a no deadline renew every 3 years
  cites 1 explain "Renew every three years"
""")
    local = tmp_path / "local.policy"
    local.write_text('policy l\n  title "L"\n  extends "base.policy"\n\namend requirement r\n'
                     '  renew every 2 years\n  cites 1\n')
    policy = policyrules.load(local)
    stale = [w for w in policy.warnings if w.code != "uncovered"]
    assert [w.code for w in stale] == ["stale-explanation"]
    assert "three years" in stale[0].message


# Messages a newcomer met -------------------------------------------------------------------


def _error(text: str) -> str:
    with pytest.raises(policyrules.PolicyCheckError) as info:
        build(POLICY_HEAD + text, "new.policy")
    return info.value.diagnostics[0].render()


def test_satisfied_by_with_and_says_only_or_and_how_to_require_both() -> None:
    shown = _error("""
training a "A" delivery single-agency cites 1
training b "B" delivery single-agency cites 1
requirement r "R" applies to everyone satisfied by a and b no deadline cites 1 explain "x"
""")
    assert "unexpected `and`" in shown
    assert "only `or` joins trainings" in shown and "write two requirements" in shown


def test_unknown_role_says_how_to_declare_one() -> None:
    shown = _error("""
training a "A" delivery single-agency cites 1
requirement r "R" applies to role nurse satisfied by a no deadline cites 1 explain "x"
""")
    assert "unknown role `nurse`" in shown
    assert '`role nurse "Title"`' in shown


def test_a_syntax_error_in_a_requirement_lists_no_keyword_of_examples_or_training() -> None:
    shown = _error("""
training a "A" delivery single-agency cites 1
requirement r "R" applies to everyone satisfied by a 7 no deadline cites 1 explain "x"
""")
    first = shown.splitlines()[0]
    assert "unexpected `7`" in first
    for foreign in ("`expect`", "`worker`", "`counts`", "`topics`", "`members`"):
        assert foreign not in first


def test_describe_shows_the_new_clauses() -> None:
    info = FRAMEWORK.describe()
    training = {t["id"]: t for t in info["training"]}
    assert training["level-3"]["hours"] == 4 and training["level-3"]["counts_as"] == ["level-2"]
    rules = {r["id"]: r for r in info["requirements"]}
    assert rules["level-3-rolling"]["hours"] == {"at_least": 12, "within": "3 years"}
    assert rules["induction"]["due_before_first"] == "joint-course"
    assert rules["refresher"]["from"] == "completing induction"
    assert rules["joint-training"]["delivered"] == "inter-agency"
    assert rules["supervision-old"]["in_force_until"] == "2026-03-31"
    assert rules["supervision-new"]["renew_regularly"] is True
    assert rules["level-1-all"]["satisfied_by"] == ["level-1", "level-2", "level-3"]
