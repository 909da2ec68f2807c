"""Generated Python, written safely: one door for every line, a map back to the policy.

Every line of generated source goes through `Source.line`, which accepts printable ASCII
only; policy names are inlined by `name_literal` (checked against the grammar's NAME, then
`repr`), numbers by `int_literal`, and every other value reaches the code through the
namespace under a generated identifier. Paths never reach the source: the generated-line →
policy-span map (`debug_info`, as Jinja keeps one) is held beside the code, and an exception
raised inside generated code gets a note naming the policy file and line from it. Before
the compiled code runs, `_check_code` checks that it is only what the compiler writes.
"""

from __future__ import annotations

import builtins
import contextlib
import dis
import itertools
import linecache
import re
import textwrap
import weakref
from collections.abc import Callable, Iterator
from types import CodeType
from typing import Any

import attrs

from ..diagnostics import Span
from ..errors import GeneratedCodeError

_PRINTABLE_ASCII = re.compile(r"[ -~]*\Z")
_POLICY_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(-[A-Za-z0-9_]+)*\Z")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")

# What generated code may call by name beyond its namespace; nothing else of builtins is
# reachable from it at run time either.
_BUILTINS = ("Exception", "len", "set", "sorted", "tuple")

# The attributes generated code reads or calls: of a worker, a role, a record, and the
# methods of its own lists, sets and dicts.
_ATTRIBUTES = frozenset({"id", "started", "contact", "sector", "volunteer", "roles", "role",
                         "since", "training", "completed", "append", "add", "get",
                         "delivery", "provider", "isdisjoint"})

# Nothing the compiler writes imports, writes a global or an attribute, deletes anything
# but a local (`except ... as exc` does), builds a class, yields or awaits. By name, so that
# it holds whatever opcodes a Python version has.
_FORBIDDEN_OPS = frozenset(dis.opmap[name] for name in (
    "IMPORT_NAME", "IMPORT_FROM", "IMPORT_STAR", "STORE_GLOBAL", "DELETE_GLOBAL",
    "STORE_NAME", "DELETE_NAME", "STORE_ATTR", "DELETE_ATTR",
    "DELETE_SUBSCR", "LOAD_BUILD_CLASS", "YIELD_VALUE", "GET_AWAITABLE", "SETUP_ANNOTATIONS",
    "LOAD_CLASSDEREF", "DELETE_DEREF",
) if name in dis.opmap)

# The compiler writes no comprehension (the roles held are a loop: before Python 3.12,
# PEP 709, a comprehension is a code object and a call of its own), so no nested code.
_COMPREHENSIONS: frozenset[str] = frozenset()

_SERIAL = itertools.count(1)


def name_literal(value: str) -> str:
    """A policy name as a Python literal, after checking it is only a name."""
    if type(value) is not str or not _POLICY_NAME.match(value):
        raise GeneratedCodeError(f"refusing to inline {value!r} into generated code: "
                                 "only a policy name (letters, digits, _ and -) may be")
    return repr(value)


def int_literal(value: int) -> str:
    """A whole number as a Python literal (bool and other int-likes refused)."""
    if type(value) is not int:
        raise GeneratedCodeError(f"refusing to inline {value!r} into generated code: "
                                 "not an int")
    return repr(value)


@attrs.frozen
class Origin:
    """Where a generated line comes from: a policy span and what is declared there."""

    span: Span
    what: str  # e.g. "requirement supervision"


@attrs.frozen
class Generated:
    """Compiled generated code: the function, its source, linecache key and line map."""

    function: Callable[..., Any]
    source: str
    filename: str  # the unique linecache key the code is compiled under
    debug_info: tuple[tuple[int, Origin], ...]  # (generated line, where it comes from)


class Source:
    """Generated source being written: lines, their origins, and the values it refers to."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.origins: list[Origin | None] = []
        self.namespace: dict[str, Any] = {}
        self._constants: dict[int, str] = {}
        # Levels added to every line's indentation, while the lines go inside a block
        # their writer does not know of (`nested`).
        self._nesting = 0

    def line(self, indent: int, code: str, origin: Origin | None = None) -> None:
        """The one door into the source: printable ASCII only, or GeneratedCodeError."""
        text = "    " * (indent + self._nesting) + code
        if not _PRINTABLE_ASCII.match(text):
            raise GeneratedCodeError(f"refusing to write {text!r} into generated code: "
                                     "only printable ASCII may be")
        self.lines.append(text)
        self.origins.append(origin)

    @contextlib.contextmanager
    def nested(self, indent: int, head: str) -> Iterator[None]:
        """The lines written inside `with` go under `head` (an `if` or the like), at
        `indent`, one level deeper than they are written."""
        self.line(indent, head)
        self._nesting += 1
        try:
            yield
        finally:
            self._nesting -= 1

    def block(self, indent: int, code: str, origin: Origin | None = None) -> None:
        """Several lines of fixed code (dedented), at one indentation."""
        for text in textwrap.dedent(code).strip("\n").splitlines():
            self.line(indent, text, origin)

    def const(self, value: object, prefix: str) -> str:
        """A generated identifier bound to `value` in the namespace (one per object)."""
        key = id(value)
        if key not in self._constants:
            name = f"_{prefix}{len(self._constants)}"
            self.bind(name, value)
            self._constants[key] = name
        return self._constants[key]

    def bind(self, name: str, value: object) -> None:
        if not _IDENTIFIER.match(name):
            raise GeneratedCodeError(f"refusing {name!r} as a generated identifier")
        self.namespace[name] = value

    def compile(self, entry: str, label: str,
                attributes: frozenset[str] = frozenset()) -> Generated:
        """Check the source's structure, compile it under a unique name, return `entry`.

        `label` (a policy name, checked) only makes the linecache key readable; a serial
        number makes it unique, so reloading never overwrites another policy's entry.
        `attributes`: what the code may read beyond `_ATTRIBUTES`.
        """
        source = "\n".join(self.lines) + "\n"
        label = label if _POLICY_NAME.match(label) else "policy"
        filename = f"<policyrules compiled {label} #{next(_SERIAL)}>"
        try:
            code = compile(source, filename, "exec")  # compiling runs nothing; exec does
        except (SyntaxError, RecursionError, MemoryError) as exc:
            raise GeneratedCodeError(f"the generated code does not compile ({exc}); the "
                                     "policy may nest conditions too deeply") from None
        _check_code(code, entry, set(self.namespace), attributes)
        debug_info = tuple((i, o) for i, o in enumerate(self.origins, 1) if o is not None)
        namespace = dict(self.namespace)
        namespace["__builtins__"] = {name: getattr(builtins, name) for name in _BUILTINS}
        namespace["_note"] = _annotator(filename, dict(debug_info))
        exec(code, namespace)  # checked above: built from the model, never from its text
        function = namespace[entry]
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        # The entry lives as long as the function that can raise through it.
        weakref.finalize(function, linecache.cache.pop, filename, None)
        return Generated(function, source, filename, debug_info)


def _annotator(filename: str, origins: dict[int, Origin]) -> Callable[[BaseException], None]:
    def note(exc: BaseException) -> None:
        """Name the policy line of each generated frame the exception passed through."""
        tb = exc.__traceback__
        while tb is not None:
            if tb.tb_frame.f_code.co_filename == filename:
                origin = origins.get(tb.tb_lineno)
                if origin is not None:
                    exc.add_note(_where(origin))
            tb = tb.tb_next
    return note


def _where(origin: Origin) -> str:
    span = origin.span
    text = linecache.getline(span.file, span.line).strip()
    where = (f'in the policy: File "{_printable(span.file)}", line {span.line}, '
             f"{origin.what}")
    return f"{where}\n    {_printable(text)}" if text else where


def _printable(text: str) -> str:
    """Text for a traceback note with control characters shown as escapes."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii")
                   for c in text)


def _check_code(module: CodeType, entry: str, namespace: set[str],
                attributes: frozenset[str] = frozenset()) -> None:
    """Refuse compiled code that is anything but the one function the compiler writes.

    Checked on the code object, before it runs: the module only defines `entry`; no code
    imports, writes a global or an attribute, or builds a class; every name it reads is one
    of the namespace, the allowed builtins or the attributes the compiler uses; constants
    are plain; nested code is only a comprehension. (A walk of the source's AST would say
    the same at several times the cost, on policies of thousands of requirements.)
    """
    nested = [c for c in module.co_consts if isinstance(c, CodeType)]
    if module.co_names != (entry,) or len(nested) != 1 or nested[0].co_name != entry:
        raise GeneratedCodeError(f"refusing generated code: it must be one plain function "
                                 f"{entry}(), not {module.co_names}")
    allowed = namespace | set(_BUILTINS) | _ATTRIBUTES | attributes | {"_note"}
    stack = nested
    while stack:
        code = stack.pop()
        ops = set(code.co_code[::2]) & _FORBIDDEN_OPS
        if ops:
            raise GeneratedCodeError(f"refusing generated code: {code.co_name} uses "
                                     f"{', '.join(sorted(dis.opname[o] for o in ops))}")
        unknown = [name for name in code.co_names if name not in allowed]
        if unknown:
            raise GeneratedCodeError(f"refusing generated code: unknown name {unknown[0]!r} "
                                     f"in {code.co_name}")
        for const in code.co_consts:
            if isinstance(const, CodeType):
                if const.co_name not in _COMPREHENSIONS:
                    raise GeneratedCodeError(f"refusing generated code: nested code "
                                             f"{const.co_name!r}")
                stack.append(const)
            elif not _plain(const):
                raise GeneratedCodeError(f"refusing generated code: constant {const!r}")


def _plain(value: object) -> bool:
    if value is None or type(value) in (bool, int, str):
        return True
    return isinstance(value, (tuple, frozenset)) and all(_plain(v) for v in value)
