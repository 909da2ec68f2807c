"""`policyrules lsp`: the CLI command. pygls is an optional extra, imported only here, when
the command runs, so that every other command works without it."""

from __future__ import annotations

import click


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
def lsp() -> None:
    """Run the language server over stdio, for editors (VS Code, Neovim, Helix).

    It reports every error and warning of `check` as you type, and gives hover (a name's
    declaration; a cited paragraph's quoting comment), go to definition (also into the
    file a policy extends), completion, the outline and formatting with `fmt`. Needs the
    extra: python3 -m pip install 'policyrules[lsp]' (exit 2 without it).

    \b
    Examples (an editor starts it; docs/editors.md shows how to set one up):
      policyrules lsp
      python3 -m policyrules lsp
    """
    try:
        from .server import main
    except ModuleNotFoundError as exc:
        if (exc.name or "").partition(".")[0] not in ("pygls", "lsprotocol"):
            raise  # a fault of ours, not a missing extra: let it show
        raise click.UsageError(
            f"the language server needs pygls, which is not installed ({exc.msg}); "
            "install it with: python3 -m pip install 'policyrules[lsp]'") from None
    main()
