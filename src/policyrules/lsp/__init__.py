"""Editor support: `policyrules lsp`, a language server over stdio.

`analysis` answers an editor's questions (diagnostics, hover, definition, completion,
outline) from the pipeline's one result and knows nothing of the protocol; `server` speaks
the protocol (pygls, the optional extra `policyrules[lsp]`) and converts positions;
`command` is the CLI command, importing the server only when it runs.
"""
