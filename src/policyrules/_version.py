"""The library's version, in a module of its own so that every stage can read it (the
fingerprint of a policy includes it) without importing the package's public surface."""

__version__ = "0.1.0"
