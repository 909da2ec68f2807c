"""The compiled evaluator: agrees with the reference interpreter; generated code is safe."""

import builtins
import datetime
import gc
import json
import linecache
import re
import traceback
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import policyrules
from policyrules.engines import compiled
from policyrules.engines.codegen import Source, int_literal, name_literal
from policyrules.engines.compiled import compile_policy, generate
from policyrules.errors import GeneratedCodeError
from policyrules.semantics import model as m
from strategies import DAYS, worker_dicts

FIXTURES = Path(__file__).parent / "fixtures"
POLICIES = [FIXTURES / "features.policy", FIXTURES / "features_local.policy",
            FIXTURES / "framework.policy",
            *sorted((Path(__file__).parent.parent / "policies").rglob("*.policy"))]


@st.composite
def case(draw: st.DrawFn) -> tuple[policyrules.Policy, dict[str, object], datetime.date]:
    policy = policyrules.load(draw(st.sampled_from(POLICIES)))
    roles = sorted(policy.model.role_names)
    trainings = [t.id for t in policy.model.trainings]
    return policy, draw(worker_dicts(roles, trainings)), draw(DAYS)


@settings(max_examples=400)
@given(case())
def test_compiled_equals_interpreted(c: tuple[policyrules.Policy, dict[str, object],
                                              datetime.date]) -> None:
    policy, worker, as_of = c
    compiled = policy.evaluate(worker, as_of=as_of)
    reference = policy.interpret(worker, as_of=as_of)
    assert compiled == reference
    assert compiled.to_dict() == reference.to_dict()


# Deadlines set by a course (`due before first`, alone or beside `due within`, and `due
# within … of completing`) are decided on the plain path, from the latest record of each
# course, without gathering the rule's records: held to the interpreter, the `due` of a
# first course not yet taken included.
BEFORE_FIRST = policyrules.loads(
    (FIXTURES / "framework.policy").read_text(encoding="utf-8") + """
requirement joint-first "Induction before any joint course"
  applies to contact at least occasional
  satisfied by induction
  due before first joint-course
  cites 1
  explain "Induction before any joint course"
""", name="before_first.policy")


@settings(max_examples=300)
@given(st.data(), DAYS)
def test_deadlines_from_a_course_on_the_plain_path(data: st.DataObject,
                                                   as_of: datetime.date) -> None:
    model = BEFORE_FIRST.model
    worker = data.draw(worker_dicts(sorted(model.role_names), [t.id for t in model.trainings]))
    compiled = BEFORE_FIRST.evaluate(worker, as_of=as_of)
    reference = BEFORE_FIRST.interpret(worker, as_of=as_of)
    assert compiled == reference
    assert compiled.to_dict() == reference.to_dict()


def test_only_filtered_and_hours_rules_gather_their_records() -> None:
    source = generate(BEFORE_FIRST.model).source
    gathered = {int(k) for k in re.findall(r"\bcnt(\d+) = \[\]", source)}
    expected = {k for k, r in enumerate(BEFORE_FIRST.model.requirements)
                if r.hours is not None or r.delivery is not None or r.provider is not None}
    assert gathered == expected
    assert any(r.before_first is not None and r.within is None and r.hours is None
               for r in BEFORE_FIRST.model.requirements)


def test_generated_code_maps_its_lines_to_policy_lines(features: policyrules.Policy) -> None:
    generated = generate(features.model)
    req = next(r for r in features.model.requirements if r.id == "supervision")
    lines = generated.source.splitlines()
    mapped = [lines[n - 1] for n, origin in generated.debug_info if origin.span == req.span]
    assert "        if ('supervisor' in held and not (volunteer)):" in mapped
    assert all(o.what == "requirement supervision" for n, o in generated.debug_info
               if o.span == req.span)
    # The map lives beside the code: no path reaches the source, not even in a comment.
    assert features.path not in generated.source
    assert "#" not in generated.source
    assert linecache.getline(generated.filename, 1) == "def evaluate(worker, as_of):\n"


def test_each_compiled_policy_has_its_own_linecache_entry(features: policyrules.Policy
                                                          ) -> None:
    first, second = generate(features.model), generate(features.model)
    assert first.filename != second.filename
    assert linecache.getline(first.filename, 1) == linecache.getline(second.filename, 1) != ""
    assert first.filename in linecache.cache and second.filename in linecache.cache
    filename = second.filename
    del second
    gc.collect()
    # The entry goes with the function; the other policy's entry stays.
    assert filename not in linecache.cache
    assert first.filename in linecache.cache


def test_traceback_from_generated_code_names_the_policy_line(
        features: policyrules.Policy, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken_shift(day: datetime.date, durations: object) -> datetime.date:
        raise RuntimeError("date arithmetic failed")

    monkeypatch.setattr(compiled, "shift", broken_shift)  # the helper deadlines come from
    policy = policyrules.Policy(features.model)  # fresh memo tables: the helper is reached
    req = next(r for r in features.model.requirements if r.id == "supervision")
    # Contact none: of the requirements with a deadline only supervision applies.
    worker = {"id": "S1", "started": "2026-01-05", "contact": "none", "roles": ["supervisor"]}
    with pytest.raises(RuntimeError, match="date arithmetic failed") as info:
        policy.evaluate(worker, as_of=datetime.date(2026, 2, 1))
    text = "".join(traceback.format_exception(info.value))
    assert (f'in the policy: File "{req.span.file}", line {req.span.line}, '
            "requirement supervision") in text
    assert '    requirement supervision "Supervision skills"' in text
    assert "due2 = _table" in text  # the generated line, from linecache, is shown too
    notes = info.value.__notes__
    assert len(notes) == 1  # one generated frame, one note


def test_a_failure_in_fixed_code_shows_the_generated_line(features: policyrules.Policy
                                                         ) -> None:
    class Broken:
        id = "B1"
        started = datetime.date(2026, 1, 1)
        contact = "regular"
        sector = None
        volunteer = False
        roles = ()
        training = (object(),)  # not a record: fails inside the generated loop

    with pytest.raises(AttributeError) as info:
        features.evaluate_checked(Broken(), datetime.date(2026, 2, 1))  # type: ignore[arg-type]
    text = "".join(traceback.format_exception(info.value))
    assert "<policyrules compiled features #" in text
    assert "c = rec.completed" in text
    # The record loop belongs to no policy line, so no note claims one.
    assert not getattr(info.value, "__notes__", [])


HOSTILE = ("x\r    pass\rimport builtins;builtins.PWNED_BY_FILE_NAME=1\r"
           "def evaluate(worker, as_of):#.policy")


def test_a_policy_file_name_never_runs_code(tmp_path: Path) -> None:
    text = (FIXTURES / "features.policy").read_text(encoding="utf-8")
    path = tmp_path / HOSTILE
    path.write_text(text, encoding="utf-8")
    plain = policyrules.load(FIXTURES / "features.policy")
    hostile = policyrules.load(path)
    assert hostile.path == str(path)
    assert str(path) not in hostile.generated_source and "\r" not in hostile.generated_source
    worker = {"id": "W1", "started": "2025-01-06", "contact": "regular",
              "roles": ["supervisor"],
              "training": [{"training": "induction-course", "completed": "2025-03-01"}]}
    for day in (datetime.date(2025, 2, 1), datetime.date(2025, 6, 1), datetime.date(2029, 1, 1)):
        decision = hostile.evaluate(worker, as_of=day)
        # Spans name each file, so the decisions are compared as the contract shows them.
        assert decision.to_dict() == plain.evaluate(worker, as_of=day).to_dict()
        assert decision == hostile.interpret(worker, as_of=day)
    assert not hasattr(builtins, "PWNED_BY_FILE_NAME")


FILE_NAMES = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="/\0"),
                     min_size=1, max_size=60).filter(lambda s: len(s.encode()) <= 240)


@settings(max_examples=25)
@given(FILE_NAMES)
def test_the_generated_source_does_not_depend_on_the_file_name(name: str) -> None:
    import tempfile

    text = (FIXTURES / "features.policy").read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / (name + ".policy")
        path.write_text(text, encoding="utf-8")
        loaded = policyrules.load(path)
    assert loaded.generated_source == policyrules.load(FIXTURES / "features.policy"
                                                       ).generated_source


@given(st.text(max_size=40))
def test_only_printable_ascii_passes_the_one_door(text: str) -> None:
    source = Source()
    if all(" " <= ch <= "~" for ch in text):
        source.line(1, text)
        assert source.lines == ["    " + text]
    else:
        with pytest.raises(GeneratedCodeError, match="only printable ASCII"):
            source.line(1, text)
        assert source.lines == []


@pytest.mark.parametrize("body, problem", [
    ("import os", "uses IMPORT_NAME"),
    ("return worker.__class__", "unknown name '__class__'"),
    ("return open('/etc/passwd')", "unknown name 'open'"),
    ("worker.id = 'x'", "uses STORE_ATTR"),
    ("return b'bytes'", "constant b'bytes'"),
    ("return lambda: 1", "nested code '<lambda>'"),
    ("return [r for r in worker.roles]", "nested code '<listcomp>'"),
])
def test_the_code_check_refuses_code_the_compiler_never_writes(body: str, problem: str
                                                                ) -> None:
    source = Source()
    source.line(0, "def evaluate(worker, as_of):")
    source.line(1, body)
    with pytest.raises(GeneratedCodeError, match=re.escape(problem)):
        source.compile("evaluate", "p")


def test_the_code_check_wants_one_plain_function() -> None:
    source = Source()
    source.line(0, "def evaluate(worker, as_of):")
    source.line(1, "return None")
    source.line(0, "x = 1")
    with pytest.raises(GeneratedCodeError, match="one plain function evaluate"):
        source.compile("evaluate", "p")


def test_generated_code_cannot_reach_other_builtins(features: policyrules.Policy) -> None:
    function = generate(features.model).function
    allowed = {"Exception", "len", "set", "sorted", "tuple"}
    assert set(function.__globals__["__builtins__"]) == allowed


def test_literals_are_type_checked() -> None:
    assert int_literal(3) == "3"
    assert name_literal("induction-course") == "'induction-course'"
    for bad in (True, 3.0, "3"):
        with pytest.raises(GeneratedCodeError, match="not an int"):
            int_literal(bad)  # type: ignore[arg-type]
    with pytest.raises(GeneratedCodeError, match="refusing to inline"):
        name_literal("a\rb")


def test_nesting_too_deep_for_python_is_a_policy_error(features: policyrules.Policy) -> None:
    rule = features.model.requirements[0]
    cond: m.Condition = m.IsVolunteer()
    for _ in range(250):  # past the parser's limit of nested brackets
        cond = m.Negation(cond)
    deep = m.Requirement(**{**_fields(rule), "condition": cond})
    bad = m.PolicyModel(**{**_fields(features.model), "requirements": (deep,)})
    with pytest.raises(GeneratedCodeError, match="nest conditions too deeply"):
        compile_policy(bad)


def test_names_that_are_not_names_are_refused(features: policyrules.Policy) -> None:
    rule = features.model.requirements[0]
    group = m.Group("x') or __import__('os') or ('", "G", m.RoleHeld("trainer"), ("1.1",),
                    rule.span)
    bad = m.PolicyModel(**{**_fields(features.model), "groups": (group,)})
    with pytest.raises(GeneratedCodeError, match="refusing to inline"):
        compile_policy(bad)


def test_role_names_are_checked_before_inlining(features: policyrules.Policy) -> None:
    rule = features.model.requirements[0]
    sneaky = m.Requirement(**{**_fields(rule), "condition": m.RoleHeld("a' + b + '")})
    bad = m.PolicyModel(**{**_fields(features.model), "requirements": (sneaky,)})
    with pytest.raises(GeneratedCodeError, match="refusing to inline"):
        compile_policy(bad)


def _fields(obj: object) -> dict[str, object]:
    import attrs

    return attrs.asdict(obj, recurse=False)  # type: ignore[arg-type]


# Words of the policy (ids, titles, cites, explanations, course titles) reach the text form
# (`generate(model, text=True)`, which writes decisions' JSON) only through its kit, never
# its source: with quotes, backslashes, braces, line breaks, controls and the writer's own
# markers in them, the source is the plain policy's, and the text is still json's.
WORDS = st.lists(st.sampled_from(['"', "'", "\\", "{", "}", "{0}", "\n", "\r", "\x00",
                                  "\x01i", "#", "')", "é", "\u2028", "a"]), min_size=1,
                 max_size=8).map("".join)


@settings(max_examples=60)
@given(WORDS, st.data())
def test_policy_words_never_reach_the_text_form_s_source(words: str,
                                                         data: st.DataObject) -> None:
    import json

    import attrs

    from policyrules.render.formats import JsonLines
    from policyrules.render.safe import one_line

    base = policyrules.load(FIXTURES / "features.policy")  # hours, `counts as`, events
    hostile = attrs.evolve(base.model, requirements=tuple(
        attrs.evolve(r, id=r.id + words, title=words + r.title, explain=r.explain + words,
                     cites=(*r.cites, words),
                     course_titles=tuple((c, t + words) for c, t in r.course_titles))
        for r in base.model.requirements))
    source = generate(hostile, text=True).source
    assert source == generate(base.model, text=True).source
    policy = policyrules.Policy(hostile)
    worker = policy.worker(data.draw(worker_dicts(sorted(hostile.role_names),
                                                  [t.id for t in hostile.trainings])))
    as_of = data.draw(DAYS)
    try:
        decision = policy.evaluate_checked(worker, as_of)
    except policyrules.WorkerError:
        return
    text, compliant = policy.evaluate_text(worker, as_of, JsonLines(as_of).kit(hostile))
    assert text == one_line(json.dumps(decision.to_dict(), ensure_ascii=False)) + "\n"
    assert json.loads(text) == decision.to_dict() and compliant == decision.compliant


def test_the_text_form_reads_only_what_it_may(features: policyrules.Policy) -> None:
    # Its kit's and pieces' names, beyond what the Decision form reads; the Decision form
    # may not read them.
    text = generate(features.model, text=True)
    assert "def evaluate(worker, as_of, kit):" in text.source
    source = Source()
    source.line(0, "def evaluate(worker, as_of):")
    source.line(1, "return worker.met_null")
    with pytest.raises(GeneratedCodeError, match="unknown name 'met_null'"):
        source.compile("evaluate", "p")


# Generated conditions over roles, contact, volunteering and `completed` courses, in
# groups and requirements one after another: the compiled code skips a run of rules that
# only a worker holding some role can meet behind one `if held:` (`_role_runs`), and
# reads `completed` of a course a rule counts from its latest record rather than the set
# of courses done (`_Writer.cond`); held to the interpreter, and the text form to the
# general path, on generated workers and days.
_ATOMS = ["role trainer", "role supervisor", "role designated-lead",
          "contact at least regular", "contact occasional", "volunteer", "everyone",
          "completed counted-a", "completed counted-b", "completed not-counted"]


def _conditions(depth: int = 2, atoms: tuple[str, ...] = ("group g0",)
                ) -> st.SearchStrategy[str]:
    atom = st.sampled_from([*_ATOMS, *atoms])
    if depth == 0:
        return atom
    inner = _conditions(depth - 1, atoms)
    return st.one_of(
        atom, inner.map(lambda c: f"not ({c})"),
        st.tuples(inner, inner).map(lambda p: f"({p[0]}) and ({p[1]})"),
        st.tuples(inner, inner).map(lambda p: f"({p[0]}) or ({p[1]})"))


@st.composite
def _role_policy(draw: st.DrawFn) -> policyrules.Policy:
    head = 'policy gen\n  title "Generated"\n  source "Example Guidance" paragraphs 1\n\n'
    courses = "".join(f'training {t} "{t}"\n  delivery single-agency\n  cites 1\n'
                      for t in ("counted-a", "counted-b", "not-counted"))
    groups = "".join(
        f'group g{i} "Group {i}"\n  members {draw(_conditions(1, ()))}\n  cites 1\n'
        for i in range(draw(st.integers(1, 4))))
    rules = "".join(
        f'requirement r{i} "Rule {i}"\n  applies to {draw(_conditions())}\n'
        f'  satisfied by {draw(st.sampled_from(["counted-a", "counted-b"]))}\n'
        f'  {draw(st.sampled_from(["no deadline", "due within 6 months of start"]))}\n'
        f'  cites 1\n  explain "Rule {i}"\n'
        for i in range(draw(st.integers(1, 6))))
    return policyrules.loads(head + courses + groups + rules, "gen.policy")


@settings(max_examples=150, deadline=None)
@given(_role_policy(), st.data())
def test_runs_of_role_rules_and_courses_done_decide_as_the_interpreter(
        policy: policyrules.Policy, data: st.DataObject) -> None:
    from policyrules.render.formats import JsonLines

    roles = sorted(policy.model.role_names)
    trainings = [t.id for t in policy.model.trainings]
    for _ in range(3):
        worker = policy.worker(data.draw(worker_dicts(roles, trainings)))
        as_of = data.draw(DAYS)
        compiled = policy.evaluate(worker, as_of=as_of)
        assert compiled == policy.interpret(worker, as_of=as_of)
        kit = JsonLines(as_of).kit(policy.model)
        assert json.loads(policy.evaluate_text(worker, as_of, kit)[0]) == compiled.to_dict()
