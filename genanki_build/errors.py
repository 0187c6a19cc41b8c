"""Domain errors. The library raises these; only the CLI turns them into messages and exit codes."""

from __future__ import annotations


class BuildError(Exception):
    """A problem the user can fix. The message says what happened, where, and what to try."""


class ConfigError(BuildError):
    """``deck.toml`` is malformed."""


class ParseError(BuildError):
    """A source file cannot be read or parsed."""

    def __init__(self, path: str, line: int, message: str) -> None:
        self.path = path
        self.line = line
        self.message = message
        where = f"{path}:{line}" if line else path
        super().__init__(f"{where}: {message}")
