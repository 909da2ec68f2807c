"""The source text beside the rules (`source … text "FILE"`): the clause, splitting a
document into paragraphs, reading the file as hostile input, and the tools that quote it."""

from __future__ import annotations

import datetime
import json
import os
import re
import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import policyrules
from conftest import FIXTURES, run
from policyrules.errors import PolicyFileError
from policyrules.language.parser import parse
from policyrules.source_text import (
    MAX_TEXT_BYTES,
    first_sentence,
    read_paragraphs,
    read_text_file,
    split_paragraphs,
)

HERE = FIXTURES / "sourcetext"
GUIDANCE = HERE / "guidance.policy"
IDS = ("1.1", "1.2", "1.3", "1.4", "1.5")
# What guidance.txt says, paragraph by paragraph, written out by hand.
PARAGRAPHS = {
    "1.1": "Staff in regular contact with children are frontline staff. They are the first "
           "to notice when something is wrong.",
    "1.2": "Every frontline worker completes an induction. It covers what to do when "
           "concerned. 1.1 is quoted here again, in the middle of 1.2: a line that starts "
           "with an earlier paragraph's id does not start a paragraph.",
    "1.3": "The induction is completed within six months of starting! Later training "
           "builds on it.",
    "1.4": "Agencies keep a record of who was trained, and when. The record is kept for six "
           "years.",
    "1.5": "Research shows that people learn best together. 1.50 is not paragraph 1.5, and "
           "neither is 1.5.1 below. 1.5.1 A note under 1.5.",
}
SECRET = "root:x:0:0:do-not-echo-me"


def policy_naming(tmp_path: Path, text_name: str) -> Path:
    """guidance.policy copied into tmp_path, naming `text_name` as its source text."""
    path = tmp_path / "guidance.policy"
    path.write_text(GUIDANCE.read_text(encoding="utf-8").replace(
        'text "guidance.txt"', f"text {json.dumps(text_name)}"), encoding="utf-8")
    return path


# The clause -----------------------------------------------------------------------------


def test_the_source_clause_names_a_text_file() -> None:
    text = GUIDANCE.read_text(encoding="utf-8")
    header = parse(text, str(GUIDANCE)).header
    assert header.source is not None
    assert header.source.text is not None
    assert header.source.text[0] == "guidance.txt"
    line = text.splitlines()[4]
    assert (header.source.text[1].line, header.source.text[1].column) == (
        5, line.index('"guidance.txt"') + 1)


def test_the_text_file_is_resolved_relative_to_the_policy_that_names_it(
        tmp_path: Path) -> None:
    assert policyrules.load(GUIDANCE).model.source_text == str(HERE / "guidance.txt")
    # A local policy elsewhere takes its source, and so its text, from the base.
    local = tmp_path / "local" / "mine.policy"
    local.parent.mkdir()
    local.write_text(f'policy mine\n  title "Mine"\n  extends {json.dumps(str(GUIDANCE))}\n',
                     encoding="utf-8")
    assert policyrules.load(local).model.source_text == str(HERE / "guidance.txt")


def test_without_a_text_clause_there_is_no_text_file() -> None:
    assert policyrules.load(FIXTURES / "features.policy").model.source_text is None
    assert read_paragraphs(None, IDS).paragraphs == {}
    assert read_paragraphs(None, IDS).warnings == ()


def test_text_is_still_a_name() -> None:
    policy = policyrules.loads(
        'policy p\n  title "P"\n  source "D" paragraphs 1.1\n'
        'training text "A course named text"\n  delivery single-agency\n  cites 1.1\n')
    assert [t.id for t in policy.model.trainings] == ["text"]
    assert policy.model.source_text is None


# Paragraphs -----------------------------------------------------------------------------


def test_the_fixture_splits_into_its_paragraphs() -> None:
    text = (HERE / "guidance.txt").read_text(encoding="utf-8")
    assert split_paragraphs(text, IDS) == PARAGRAPHS


def test_a_paragraph_not_headed_by_a_line_is_missing_and_warned_of(tmp_path: Path) -> None:
    path = tmp_path / "part.txt"
    path.write_text("1.1 One.\nThe text of 1.2 is in the middle of a line.\n1.3 Three.\n",
                    encoding="utf-8")
    quotes = read_paragraphs(str(path), IDS)
    assert quotes.paragraphs == {
        "1.1": "One. The text of 1.2 is in the middle of a line.", "1.3": "Three."}
    assert quotes.warnings == (f"{path}: no line starts with paragraph 1.2, 1.4, 1.5; start "
                               "each paragraph's first line with its id, as in "
                               "`4.7 Induction …`",)


def test_section_ids_with_letters_and_plain_numbers() -> None:
    text = "Annex\nA.3 Annex paragraph.\n  - 12: Twelve.\n¶L3.2 Level three.\n"
    assert split_paragraphs(text, ("A.3", "12", "L3.2")) == {
        "A.3": "Annex paragraph.", "12": "Twelve.", "L3.2": "Level three."}


_WORD = st.text(alphabet="abcdefghij", min_size=1, max_size=8)
_LINE = st.lists(_WORD, min_size=1, max_size=6).map(" ".join)


@given(st.lists(st.lists(_LINE, min_size=1, max_size=4), min_size=1, max_size=12),
       st.sampled_from(["", "  ", "- ", "• ", "¶ ", "\t-\t"]),
       st.sampled_from([" ", ". ", ") ", ": "]))
def test_a_document_of_headed_paragraphs_splits_back_into_them(
        paragraphs: list[list[str]], bullet: str, after: str) -> None:
    ids = [f"3.{i}" for i in range(1, len(paragraphs) + 1)]
    pairs = list(zip(ids, paragraphs, strict=True))
    document = "Title\n\n" + "\n\n".join(
        f"{bullet}{pid}{after}" + "\n".join(lines) for pid, lines in pairs)
    assert split_paragraphs(document, ids) == {
        pid: " ".join(" ".join(lines).split()) for pid, lines in pairs}


def test_first_sentence() -> None:
    assert first_sentence(PARAGRAPHS["1.1"]) == (
        "Staff in regular contact with children are frontline staff.")
    assert first_sentence("Paragraph 4.7 applies. Then more.") == "Paragraph 4.7 applies."
    assert first_sentence("No full stop at all") == "No full stop at all"
    long = "word " * 100
    cut = first_sentence(long, limit=20)
    assert len(cut) <= 20 and cut.endswith("…")


# Hostile files (CONTRACT §9) ---------------------------------------------------------------


def _refused(path: Path | str) -> str:
    with pytest.raises(PolicyFileError) as info:
        read_text_file(str(path))
    message = str(info.value)
    assert SECRET not in message and "root:" not in message
    return message


def test_a_file_that_is_not_text_is_refused() -> None:
    assert "not a .txt or .md file" in _refused("/etc/passwd")


def test_a_text_named_link_to_another_file_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "secret.cfg"
    target.write_text(SECRET, encoding="utf-8")
    (tmp_path / "guidance.txt").symlink_to(target)
    (tmp_path / "passwd.txt").symlink_to("/etc/passwd")
    assert "links to a file that is not" in _refused(tmp_path / "guidance.txt")
    assert "links to a file that is not" in _refused(tmp_path / "passwd.txt")
    # a link to another text file is a text file
    (tmp_path / "copy.md").symlink_to(HERE / "guidance.txt")
    assert read_text_file(str(tmp_path / "copy.md")).startswith("Example Guidance")


def test_a_fifo_a_directory_and_a_missing_file_are_refused_without_waiting(
        tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.txt")
    assert "not a regular file" in _refused(tmp_path / "pipe.txt")
    (tmp_path / "folder.md").mkdir()
    assert "not a regular file" in _refused(tmp_path / "folder.md")
    assert "no such source text file" in _refused(tmp_path / "absent.txt")


def test_a_big_file_and_a_file_not_utf8_are_refused(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    with big.open("wb") as f:
        f.truncate(MAX_TEXT_BYTES + 1)
    assert "larger than a source text file may be" in _refused(big)
    latin = tmp_path / "latin.txt"
    latin.write_bytes(SECRET.encode() + b"\n1.1 caf\xe9\n")
    assert "not UTF-8 text (byte 33)" in _refused(latin)


def test_a_refused_file_is_a_warning_of_the_tool() -> None:
    quotes = read_paragraphs("/etc/passwd", IDS)
    assert quotes.paragraphs == {}
    assert quotes.warnings == ("source text not shown: /etc/passwd: not a .txt or .md file; "
                               "a source text is a .txt or .md file beside the policy",)


def test_load_and_evaluate_never_read_the_text_file(tmp_path: Path) -> None:
    # A FIFO would hang whoever opens it; a missing file would fail whoever reads it.
    os.mkfifo(tmp_path / "pipe.txt")
    for name in ("pipe.txt", "absent.txt", "/etc/passwd"):
        policy = policyrules.load(policy_naming(tmp_path, name))
        decision = policy.evaluate({"id": "W1", "started": "2026-01-10", "contact": "regular"},
                                   as_of=datetime.date(2026, 11, 22))
        assert [f.status for f in decision.findings] == ["overdue"]
        assert [w.code for w in policy.warnings] == ["uncovered"]


# The tools ------------------------------------------------------------------------------

WORKERS = str(HERE / "workers.json")


def test_explain_shows_each_cited_paragraphs_first_sentence() -> None:
    result = run("explain", str(GUIDANCE), WORKERS, "-w", "W1", "--as-of", "2026-11-22",
                 "--color", "never")
    assert result.exit_code == 0, result.stderr
    assert ("   Paragraphs: 1.2, 1.3   (policy line "
            f"{GUIDANCE}:15)\n"
            "     1.2: Every frontline worker completes an induction.\n"
            "     1.3: The induction is completed within six months of starting!\n"
            ) in result.stdout
    assert result.stderr == ""


def test_describe_shows_the_paragraphs_per_requirement() -> None:
    result = run("describe", str(GUIDANCE), "--color", "never")
    assert result.exit_code == 0
    assert ("    due within 6 months of start; cites 1.2, 1.3\n"
            "      1.2: Every frontline worker completes an induction.\n"
            "      1.3: The induction is completed within six months of starting!\n"
            ) in result.stdout


def test_coverage_shows_the_text_of_what_nothing_encodes() -> None:
    result = run("coverage", str(GUIDANCE), "--color", "never")
    assert result.exit_code == 0
    assert ("1.4   not accounted for: nothing in the policy cites it\n"
            f"      {PARAGRAPHS['1.4']}\n"
            "1.5   background") in result.stdout
    # covered paragraphs are not quoted
    assert PARAGRAPHS["1.2"] not in result.stdout
    data = json.loads(run("coverage", str(GUIDANCE), "-f", "json").stdout)
    texts = {p["paragraph"]: p.get("text") for p in data["paragraphs"]}
    assert texts == {"1.1": None, "1.2": None, "1.3": None, "1.4": PARAGRAPHS["1.4"],
                     "1.5": None}


@pytest.mark.parametrize("command", ["describe", "coverage", "explain"])
def test_a_missing_or_refused_text_file_is_a_warning(tmp_path: Path, command: str) -> None:
    for name, why in [("absent.txt", "no such source text file"),
                      ("/etc/passwd", "not a .txt or .md file")]:
        policy = str(policy_naming(tmp_path, name))
        extra = [WORKERS, "-w", "W1", "--as-of", "2026-11-22"] if command == "explain" else []
        result = run(command, policy, *extra, "--color", "never")
        assert result.exit_code == 0, result.stderr
        assert result.stderr.startswith("warning: source text not shown: ")
        assert why in result.stderr
        assert "root:" not in result.stdout + result.stderr
        assert "Every frontline worker" not in result.stdout


def test_control_characters_in_the_text_are_shown_escaped(tmp_path: Path) -> None:
    shutil.copy(GUIDANCE, tmp_path / "guidance.policy")
    (tmp_path / "guidance.txt").write_text("1.2 Clear \x1b[2J the screen.\n",
                                           encoding="utf-8")
    result = run("describe", str(tmp_path / "guidance.policy"), "--color", "never")
    assert "1.2: Clear \\x1b[2J the screen." in result.stdout
    assert "\x1b" not in result.stdout


# The docs' examples -----------------------------------------------------------------------

DOCS = FIXTURES.parent.parent / "docs"


def _fenced(doc: str, lang: str) -> list[str]:
    text = (DOCS / doc).read_text(encoding="utf-8")
    return re.findall(rf"```{lang}\n(.*?)```", text, re.S)


def test_the_language_references_copy_splits_as_it_says() -> None:
    copy = next(b for b in _fenced("language.md", "text") if "4.7 All those" in b)
    assert split_paragraphs(copy, [f"4.{i}" for i in range(1, 43)]) == {
        "4.1": "Inter-agency training ...",
        "4.7": "All those in contact or working with children and young people ... continues "
               "on the next line, up to the line that starts 4.8.",
        "4.8": "...",
    }


def test_the_editors_header_names_its_text_file() -> None:
    header = next(b for b in _fenced("editors.md", "policy") if " text " in b)
    source = parse(header, "durham.policy").header.source
    assert source is not None and source.text is not None
    assert source.text[0] == "sources/durham.txt"


def test_the_editors_hover_with_a_source_text_is_the_real_one(tmp_path: Path) -> None:
    from policyrules.lsp.analysis import analyse
    from policyrules.lsp.navigate import hover

    header = next(b for b in _fenced("editors.md", "policy") if " text " in b)
    shown = [b for b in _fenced("editors.md", "text") if b.startswith("4.7,")][1]
    paragraph = shown.split("\n\n")[1]
    durham = (FIXTURES.parent.parent / "policies" / "durham.policy").read_text(encoding="utf-8")
    source_line = next(x for x in header.splitlines() if x.startswith("  source "))
    text = re.sub(r"^  source .*$", source_line, durham, count=1, flags=re.M)
    (tmp_path / "sources").mkdir()
    (tmp_path / "sources" / "durham.txt").write_text(
        f"Section 4\n\n4.6 Before.\n4.7 {paragraph}\n4.8 After.\n", encoding="utf-8")
    path = str(tmp_path / "durham.policy")
    line = text[:text.index("  cites 4.7\n  explain \"Induction must")].count("\n")
    found = hover(analyse(text, path), line, len("  cites "))
    assert found is not None
    plain = [re.sub(r"^> |\*\*|  $", "", x) for x in found.markdown.splitlines()]
    assert "\n".join(plain) + "\n" == shown
