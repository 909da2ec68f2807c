"""A Pygments lexer for policy files, so that docs (and anything built on Pygments) can
highlight them: registered as the entry point `pygments.lexers` `policyrules`, so that
```policy blocks in Markdown and `.. code-block:: policy` in Sphinx pick it up.

The keyword list mirrors the grammar's (a test holds the two equal); the lexer accepts
anything the grammar's tokens accept, so a valid policy never lexes to an error token.
"""

from __future__ import annotations

from typing import ClassVar

from pygments.lexer import RegexLexer, default, words
from pygments.token import (
    Comment,
    Keyword,
    Literal,
    Name,
    Number,
    Punctuation,
    String,
    Whitespace,
)

KEYWORDS = (
    "amend", "and", "applies", "as", "at", "background", "before", "by", "cites", "completed",
    "completing", "compliant", "contact", "counts", "deadline", "definition", "delivered",
    "delivery", "due", "duty", "eligible", "every", "everyone", "example", "expect", "explain",
    "extends", "finding", "findings", "first", "force", "from", "grace", "group", "groups",
    "hours", "in", "least", "local", "members", "met", "no", "none", "not", "of", "on", "or",
    "overdue", "paragraphs", "policy", "provided", "regularly", "renew", "requirement",
    "requires", "role", "roles", "satisfied", "sector", "since", "source", "start", "started",
    "text", "title", "to", "topics", "training", "until", "volunteer", "within", "worker",
)
DECLARATIONS = ("policy", "role", "group", "training", "requirement", "duty", "definition",
                "background")
_NAME = r"[A-Za-z_][A-Za-z0-9_]*(?:-[A-Za-z0-9_]+)*"
_END = r"(?![A-Za-z0-9_-])"


class PolicyLexer(RegexLexer):
    """Policy files of policyrules (`.policy`)."""

    name = "policyrules"
    aliases: ClassVar[list[str]] = ["policyrules", "policy"]
    filenames: ClassVar[list[str]] = ["*.policy"]
    mimetypes: ClassVar[list[str]] = ["text/x-policyrules"]
    url = "https://github.com/policyrules/policyrules"

    tokens = {  # noqa: RUF012  (Pygments reads the class attribute)
        "root": [
            (r"[ \t]+", Whitespace),
            (r"\r?\n", Whitespace),
            (r"#.*?$", Comment.Single),
            (r'"(?:[^"\\\n]|\\.)*"', String.Double),
            # A declaration's head: the keyword, then the name it declares.
            (r"^amend[ \t]+requirement" + _END, Keyword.Declaration, "declared"),
            (words(DECLARATIONS, prefix="^", suffix=_END), Keyword.Declaration, "declared"),
            (r"^example" + _END, Keyword.Declaration),
            (r"\d{4}-\d{2}-\d{2}" + _END, Literal.Date),
            (r"\d+(?:\.\d+)+", Name.Label),  # a paragraph id
            (r"local:[a-z0-9]+(?:-[a-z0-9]+)*", Name.Label),
            (r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)" + _END,
             Number),
            (r"(?:day|week|month|year)s?" + _END, Keyword.Type),
            (r"\d+", Number.Integer),
            (words(KEYWORDS, suffix=_END), Keyword),
            (_NAME, Name),
            (r"[,()]", Punctuation),
            # Anything else is an Error token: the grammar refuses it too.
        ],
        "declared": [
            (r"[ \t]+", Whitespace),
            (_NAME, Name.Function, "#pop"),
            default("#pop"),
        ],
    }
