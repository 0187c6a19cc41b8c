"""Fast paths must give exactly what the general path gives."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from genanki_build.render import text_to_html

_LINE = st.lists(st.sampled_from([*"ab <>&-•·*1.) \t", "12", "3."]), max_size=12).map("".join)


@settings(max_examples=200, deadline=None)
@given(_LINE)
def test_text_to_html__one_line_fast_path_matches_general_path(line: str) -> None:
    # A trailing newline adds only a blank line, which renders to nothing, and takes the general path.
    assert text_to_html(line) == text_to_html(line + "\n")


def test_text_to_html__one_line_fast_path_escapes_and_keeps_lists() -> None:
    assert text_to_html("  a < b & c  ") == "a &lt; b &amp; c"
    assert text_to_html("- only item") == "<ul><li>only item</li></ul>"
    assert text_to_html("3. third") == '<ol start="3"><li>third</li></ol>'
