"""One pipeline from policy text to a checked model: parse → assemble → check → lower.

Every consumer (loading, `check`, `fmt`, `describe`, the editor, `diff`, reports) runs
these stages through `run` or `run_file` and reads one `PipelineResult`: the syntax tree,
the assembled program, the decision model and every diagnostic, in source order. As in
Jinja's `_parse → _generate → _compile`, each stage is one call and the order is here only.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable

import attrs

from .check import check_model, check_program
from .diagnostics import Diagnostic, Span
from .errors import PolicyCheckError, PolicyFileError, UsageError
from .language.assemble import assemble
from .language.nodes import PolicyFile
from .language.parser import parse
from .language.program import Program
from .semantics.lower import lower
from .semantics.model import PolicyModel


@attrs.frozen
class PipelineResult:
    """What the pipeline made of one policy, as far as it got."""

    path: str
    syntax: PolicyFile | None  # the file as parsed (None when it did not parse)
    program: Program | None  # with what it extends folded in
    model: PolicyModel | None  # the decision form, only when there are no errors
    diagnostics: tuple[Diagnostic, ...]  # errors and warnings, in source order

    @property
    def errors(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.diagnostics if d.is_error)

    @property
    def warnings(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.diagnostics if not d.is_error)

    @property
    def ok(self) -> bool:
        return self.model is not None

    def checked_model(self) -> PolicyModel:
        """The model, or PolicyCheckError with every error."""
        if self.model is None:
            raise PolicyCheckError(list(self.errors))
        return self.model


# The most a policy file may hold. Far above any real procedure (Durham's is 20 KB); it
# keeps a mistaken or hostile file from filling memory.
MAX_POLICY_BYTES = 10 * 1024 * 1024
POLICY_SUFFIX = ".policy"


def policy_path(path: object) -> str:
    """The normalised path of a policy file named by a caller, or UsageError."""
    if isinstance(path, (str, os.PathLike)):
        named = os.fspath(path)
        if isinstance(named, str):
            return os.path.normpath(named)
    shown = repr(path)
    shown = shown if len(shown) <= 60 else shown[:57] + "..."
    raise UsageError(f"a policy file is named by a path (str or os.PathLike of str), not "
                     f"{type(path).__name__} {shown}")


def read_policy(path: str, cited_from: Span | None = None) -> str:
    """The text of a policy file; `cited_from` is the `extends` that names it, if any.

    Only a regular file is read, at most MAX_POLICY_BYTES of it, and an extended file
    must be named `*.policy` (after following links, too): `extends` may not read
    /etc/passwd, a device or a FIFO. Errors name the file, never quote what is in it.
    """
    where = f" (extended at {cited_from})" if cited_from else ""
    if cited_from is not None and not _named_policy(path):
        raise PolicyFileError(f"{_shown(path)}: only {POLICY_SUFFIX} files may be extended"
                              f"{where}")
    data = read_bytes(path, where)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PolicyFileError(f"{_shown(path)}: not UTF-8 text (byte {exc.start}); save the "
                              "policy as UTF-8") from None


def read_bytes(path: str, where: str = "", *, limit: int | None = None,
               noun: str = "policy file",
               allowed: str = f"a policy is a {POLICY_SUFFIX} file") -> bytes:
    """The bytes of the regular file `path`, or PolicyFileError; never blocks on a FIFO
    or device, never reads more than `limit` (default MAX_POLICY_BYTES) + 1 bytes. `noun`
    and `allowed` word the errors for the kind of file read (a policy, or a source
    document's text)."""
    limit = MAX_POLICY_BYTES if limit is None else limit
    shown = _shown(path)
    if "\x00" in path:
        raise PolicyFileError(f"{shown}: a file name cannot hold a NUL character{where}")
    try:
        # Looked at before it is opened: opening a FIFO would wait for a writer.
        info = os.stat(path)
        _check_kind(info, shown, where, limit, noun, allowed)
        # O_NONBLOCK: if it became a FIFO since, opening still returns at once, and fstat
        # below refuses it. A regular file reads the same with or without the flag.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise PolicyFileError(f"{shown}: no such {noun}{where}") from None
    except ValueError:  # a character the file system cannot take, such as a lone surrogate
        raise PolicyFileError(f"{shown}: not a usable file name{where}") from None
    except OSError as exc:
        raise PolicyFileError(f"{shown}: cannot read: {exc.strerror}{where}") from None
    try:
        _check_kind(os.fstat(fd), shown, where, limit, noun, allowed)
        chunks: list[bytes] = []
        left = limit + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
    except OSError as exc:
        raise PolicyFileError(f"{shown}: cannot read: {exc.strerror}{where}") from None
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > limit:
        raise PolicyFileError(_too_large(shown, where, limit, noun))
    return data


def _check_kind(info: os.stat_result, shown: str, where: str, limit: int, noun: str,
                allowed: str) -> None:
    if not stat.S_ISREG(info.st_mode):
        raise PolicyFileError(f"{shown}: not a regular file; {allowed}{where}")
    if info.st_size > limit:
        raise PolicyFileError(_too_large(shown, where, limit, noun))


def _too_large(shown: str, where: str, limit: int, noun: str) -> str:
    return (f"{shown}: larger than a {noun} may be ({limit:,} bytes, "
            f"{limit / (1 << 20):g} MiB){where}")


def _named_policy(path: str) -> bool:
    try:
        real = os.path.realpath(path)
    except ValueError:
        return False
    return path.endswith(POLICY_SUFFIX) and real.endswith(POLICY_SUFFIX)


def _shown(path: str) -> str:
    """A path as it may be printed: control characters escaped, as they could not be read."""
    return path if path.isprintable() else ascii(path)


def resolve(from_path: str, rel: str) -> str:
    """The path an `extends` names, relative to the file that names it."""
    return os.path.normpath(os.path.join(os.path.dirname(from_path), rel))


def run(text: str, path: str = "<policy>",
        resolve_extends: Callable[[str, str], str] = resolve,
        parse_text: Callable[[str, str], PolicyFile] = parse) -> PipelineResult:
    """Every stage over policy text. A syntax error that stops parsing raises
    PolicyCheckError; every other problem is a diagnostic in the result.

    `resolve_extends(from_path, name)` gives the file an `extends` names (by default,
    relative to the file that names it); `policyrules.loads` passes its own.
    `parse_text(text, path)` parses this text and each file extended: `parse`, or the
    editor's, which parses again only what an edit changed.
    """
    top = parse_text(text, path)
    problems = list(top.problems)  # clauses written twice, here and in files extended

    def parse_file(p: str, span: Span | None) -> PolicyFile:
        parsed = parse_text(read_policy(p, span), p)
        problems.extend(parsed.problems)
        return parsed

    program, found = assemble(top, parse_file, resolve_extends)
    diagnostics = problems + found
    if any(d.is_error for d in found):
        return PipelineResult(path, top, None, None, _ordered(diagnostics))
    diagnostics += check_program(program)
    if any(d.is_error for d in diagnostics):
        return PipelineResult(path, top, program, None, _ordered(diagnostics))
    model = lower(program)
    diagnostics += check_model(program, model)
    failed = any(d.is_error for d in diagnostics)
    return PipelineResult(path, top, program, None if failed else model, _ordered(diagnostics))


def run_file(path: str | os.PathLike[str]) -> PipelineResult:
    key = policy_path(path)
    return run(read_policy(key), key)


def diagnostics_of(path: str | os.PathLike[str]) -> list[Diagnostic]:
    """Every diagnostic for a policy file, a syntax error included; raises only
    PolicyFileError (the file cannot be read) or UsageError (`path` is not a path)."""
    try:
        return list(run_file(path).diagnostics)
    except PolicyCheckError as exc:  # a syntax error stops parsing: one diagnostic
        return list(exc.diagnostics)


def _ordered(diagnostics: list[Diagnostic]) -> tuple[Diagnostic, ...]:
    return tuple(sorted(diagnostics, key=lambda d: (d.span.file, d.span.line, d.span.column)))
