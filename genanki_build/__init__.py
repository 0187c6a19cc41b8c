"""genanki-build: turn students' flashcard exports into clean, safe-to-reimport Anki packages."""

__version__ = "0.1.0"
