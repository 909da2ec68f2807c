"""Editor support: `policyrules lsp`, a language server over stdio.

The stages, as elsewhere, are in the file names: `analysis` runs the pipeline over a
document and finds its names and citations; `navigate` (hover, definition, outline),
`completion` and `quoting` (the comment that quotes a cited paragraph) answer an editor's
questions from that, knowing nothing of the protocol; `server` speaks the protocol (pygls,
the optional extra `policyrules[lsp]`) and converts positions; `command` is the CLI
command, which imports the server only when it runs.
"""
