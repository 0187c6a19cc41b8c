"""``python -m genanki_build``."""

from genanki_build.cli import main

main()
