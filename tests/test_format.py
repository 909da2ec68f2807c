"""`fmt`: canonical layout, comments kept, idempotent, meaning unchanged."""

import datetime
from pathlib import Path

import pytest
from hypothesis import given, settings

import policyrules
from policyrules.errors import PolicySyntaxError
from policyrules.language.format import format_text
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
