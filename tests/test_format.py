"""`fmt`: canonical layout, comments kept, idempotent, meaning unchanged."""

import datetime
import re
import subprocess
import sys
from pathlib import Path

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import policyrules
from policyrules.diagnostics import Span
from policyrules.errors import PolicyCheckError, PolicyError, PolicySyntaxError
from policyrules.language import format as fmt_module
from policyrules.language import nodes as n
from policyrules.language.format import format_text
from policyrules.language.parser import parse
from policyrules.policy import build
from strategies import DAYS, worker_dicts

ROOT = Path(__file__).parent.parent
FILES = [Path(__file__).parent / "fixtures" / "features.policy",
         *sorted((ROOT / "policies").rglob("*.policy"))]

MESSY = '''# heading comment
policy   m title "M"   # trailing
  source "S" paragraphs 1.1 to 1.2 ,1.3
group g "G" members ( contact regular or role trainer )   and not volunteer cites 1.1,1.2
# about r
requirement r "R"
    applies to
       contact at least occasional   # inside a clause
    satisfied by a  no deadline cites 1.3 explain "E  with  spaces"
training a "A" delivery single-agency cites 1.1
# the end
'''

CANONICAL = '''# heading comment
policy m
  title "M"  # trailing
  source "S" paragraphs 1.1 to 1.2, 1.3

group g "G"
  members (contact regular or role trainer) and not volunteer
  cites 1.1, 1.2

# about r
requirement r "R"
  applies to contact at least occasional  # inside a clause
  satisfied by a
  no deadline
  cites 1.3
  explain "E  with  spaces"

training a "A"
  delivery single-agency
  cites 1.1

# the end
'''


def test_canonical_layout() -> None:
    assert format_text(MESSY) == CANONICAL


def test_idempotent_on_every_policy() -> None:
    for path in FILES:
        once = format_text(path.read_text(), str(path))
        assert format_text(once, str(path)) == once, path


def test_comments_are_all_kept() -> None:
    for path in FILES:
        text = path.read_text()
        before = [line.strip() for line in text.splitlines() if line.strip().startswith("#")]
        after = format_text(text, str(path))
        for comment in before:
            assert comment in after, (path, comment)


@settings(max_examples=60)
@given(worker=worker_dicts(sorted(policyrules.load(FILES[0]).model.role_names),
                           [t.id for t in policyrules.load(FILES[0]).model.trainings]),
       as_of=DAYS)
def test_formatted_policy_gives_the_same_decisions(worker: dict, as_of: datetime.date) -> None:
    path = FILES[0]
    original = policyrules.load(path)
    text = format_text(path.read_text(), str(path))
    formatted, _ = build(text, str(path))
    # The fingerprint follows the text; everything else is the same.
    new = formatted.evaluate(worker, as_of=as_of).to_dict()
    old = original.evaluate(worker, as_of=as_of).to_dict()
    same_text = text == path.read_text()
    assert (new.pop("fingerprint") == old.pop("fingerprint")) == same_text
    assert new == old


def test_long_clauses_break_after_commas() -> None:
    topics = ", ".join(f'"topic number {i} of the programme"' for i in range(4))
    text = f'policy w\ntraining t "T" delivery single-agency topics {topics} cites 1.1\n'
    assert format_text(text) == (
        'policy w\n\ntraining t "T"\n  delivery single-agency\n'
        '  topics "topic number 0 of the programme",\n'
        '      "topic number 1 of the programme",\n'
        '      "topic number 2 of the programme",\n'
        '      "topic number 3 of the programme"\n'
        "  cites 1.1\n")


def test_a_clause_written_twice_is_not_formatted() -> None:
    text = 'policy p\ntraining a "A"\n  delivery single-agency\n  delivery inter-agency\n'
    with pytest.raises(PolicySyntaxError, match="already has a `delivery` clause"):
        format_text(text, "p.policy")


def test_a_comment_line_inside_a_clause_stays_a_line_of_its_own() -> None:
    text = ('policy p\ntraining a "A"\n  topics "x",\n    # why y is here\n    "y"  # and z\n'
            '  cites 1.1\n')
    assert format_text(text, "p.policy") == (
        'policy p\n\ntraining a "A"\n  # why y is here\n  topics "x", "y"  # and z\n'
        '  cites 1.1\n')


def test_cr_lf_text_formats_as_lf_text() -> None:
    assert format_text(MESSY.replace("\n", "\r\n")) == CANONICAL
    assert format_text("\ufeff" + MESSY.replace("\n", "\r")) == CANONICAL


def _shape(value: object) -> object:
    """An AST node as plain data without positions, for comparing two parses."""
    if isinstance(value, Span):
        return None
    if attrs.has(type(value)):
        return (type(value).__name__,
                *(_shape(getattr(value, a.name)) for a in attrs.fields(type(value))))
    if isinstance(value, tuple):
        return tuple(_shape(v) for v in value)
    return value


def _same_ast(a: n.PolicyFile, b: n.PolicyFile) -> bool:
    return (_shape(a.header), _shape(a.declarations)) == (_shape(b.header), _shape(b.declarations))


def _insertion_points(text: str) -> list[int]:
    """Offsets inside the double-quoted texts and the comments of `text`."""
    points: list[int] = []
    for m in re.finditer(r'"(?:[^"\\\n]|\\.)*"|#[^\n]*', text):
        start = m.start() + 1
        end = m.end() - 1 if m.group().startswith('"') else m.end()
        points.extend(range(start, end + 1))
    return points


SAMPLES = [MESSY, (Path(__file__).parent / "fixtures" / "features.policy").read_text()]
AWKWARD = ["\r", "\r\n", "\n", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028",
           "\u2029", "\ufeff", "\t", "#", '"', "\\", "é", "\u00a0"]


@settings(max_examples=150)
@given(st.data())
def test_fmt_refuses_or_keeps_the_meaning_of_text_with_awkward_characters(
        data: st.DataObject) -> None:
    text = data.draw(st.sampled_from(SAMPLES))
    points = _insertion_points(text)
    edits = data.draw(st.lists(st.tuples(st.sampled_from(points), st.sampled_from(AWKWARD)),
                               min_size=1, max_size=4))
    for at, ch in sorted(edits, reverse=True):
        text = text[:at] + ch + text[at:]
    try:
        original = parse(text, "p.policy")
        parses = not original.problems
    except PolicyError:
        parses = False
    if not parses:
        with pytest.raises(PolicyError):
            format_text(text, "p.policy")
        return
    formatted = format_text(text, "p.policy")
    assert _same_ast(parse(formatted, "p.policy"), original)
    assert sorted(c.text for c in parse(formatted, "p.policy").comments) == sorted(
        c.text for c in original.comments)
    assert format_text(formatted, "p.policy") == formatted


def test_a_layout_that_would_change_the_meaning_is_refused(
        monkeypatch: pytest.MonkeyPatch) -> None:
    broken = CANONICAL.replace("  satisfied by a\n", "")
    monkeypatch.setattr(fmt_module, "_layout", lambda *args: broken)
    with pytest.raises(PolicyCheckError, match="fmt cannot lay out this file"):
        format_text(MESSY, "m.policy")


def test_fmt_leaves_a_file_it_cannot_read_alone(tmp_path: Path) -> None:
    original = MESSY.replace("# about r", "# about\x0br").encode()
    path = tmp_path / "v.policy"
    path.write_bytes(original)
    result = subprocess.run([sys.executable, "-m", "policyrules", "fmt", str(path)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert "U+000B (VERTICAL TAB) is not allowed" in result.stderr
    assert path.read_bytes() == original
