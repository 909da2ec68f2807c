"""Hover on a cited paragraph, given the policy's source text file (`source … text`), over
a real stdio connection to `policyrules lsp` (the Editor of test_lsp)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import FIXTURES
from test_lsp import DURHAM, PAN, Editor, _citations, hover_text, position

GUIDANCE = FIXTURES / "sourcetext" / "guidance.policy"


@pytest.fixture(scope="module")
def editor() -> Iterator[Editor]:
    e = Editor()
    yield e
    e.close()


def test_hover_on_a_citation_shows_the_paragraphs_text(editor: Editor) -> None:
    text = GUIDANCE.read_text(encoding="utf-8")
    uri, _ = editor.open(GUIDANCE)
    line, column = position(text, "cites 1.2, 1.3")
    shown = hover_text(editor.hover(uri, line, column + len("cites 1.2, ")))
    assert shown == ("**1.3**, Example Guidance\n\n> The induction is completed within six "
                     "months of starting! Later training builds on it.\n\n"
                     "cited by requirement `induction`")


@pytest.mark.parametrize("path", [DURHAM, PAN], ids=["durham", "pan-lancashire"])
def test_hover_on_every_citation_shows_its_paragraph(editor: Editor, tmp_path: Path,
                                                     path: Path) -> None:
    """A shipped policy pointed at an author's copy (an invented one: the project does not
    ship the documents' text) quotes that copy on every citation."""
    text = path.read_text(encoding="utf-8")
    header = re.search(r"^  source .* paragraphs (.*)$", text, re.M)
    assert header is not None
    copy = tmp_path / path.name
    copy.write_text(text.replace(header.group(0), header.group(0) + ' text "copy.txt"', 1),
                    encoding="utf-8")
    first, last = header.group(1).split(" to ")
    prefix, a = first.rsplit(".", 1)
    ids = [f"{prefix}.{i}" for i in range(int(a), int(last.rsplit(".", 1)[1]) + 1)]
    (tmp_path / "copy.txt").write_text(
        "An author's copy\n\n" + "".join(f"{p} Invented words of paragraph {p}.\nMore.\n\n"
                                         for p in ids), encoding="utf-8")
    uri, _ = editor.open(copy)
    citations = [c for c in _citations(copy) if not c[2].startswith("local:")]
    assert len(citations) > 20
    for line, column, cite, _ in citations:
        shown = hover_text(editor.hover(uri, line, column))
        assert shown.startswith(f"**{cite}**"), (line, cite)
        assert f"\n\n> Invented words of paragraph {cite}. More.\n\n" in shown, (cite, shown)


def test_without_its_text_file_hover_falls_back_to_the_comment(editor: Editor,
                                                               tmp_path: Path) -> None:
    text = GUIDANCE.read_text(encoding="utf-8").replace(
        "requirement induction", "# 1.3: the induction within six months\n"
        "requirement induction")
    copy = tmp_path / "guidance.policy"
    copy.write_text(text, encoding="utf-8")  # no guidance.txt beside it
    uri, _ = editor.open(copy)
    line, column = position(text, "cites 1.2, 1.3")
    shown = hover_text(editor.hover(uri, line, column + len("cites 1.2, ")))
    assert shown.startswith("**1.3**, Example Guidance\n\n> 1.3: the induction within six "
                            "months  \n\ncited by requirement `induction`\n\n"
                            "(source text not shown: ")
    assert shown.endswith("guidance.txt: no such source text file)")
