"""The ids stage's own GUID derivation, against genanki's."""

from __future__ import annotations

import genanki
from hypothesis import given, settings
from hypothesis import strategies as st

from genanki_build.ids import derive_guid


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=20), st.text(max_size=60), st.integers(0, 3))
def test_derive_guid__is_genankis_guid_for(namespace: str, identity: str, salt: int) -> None:
    """GUIDs already published were made by genanki.guid_for: the shortcut must give the same text."""
    expected = genanki.guid_for(namespace, identity, salt) if salt else genanki.guid_for(namespace, identity)
    assert derive_guid(namespace, identity, salt) == expected


def test_derive_guid__many_identities_are_genankis() -> None:
    """Digits are worked out two at a time; a GUID whose first digit is zero (about one in forty)
    must lose it, as genanki writes none."""
    for n in range(3000):
        identity = f"card {n}"
        assert derive_guid("ns", identity) == genanki.guid_for("ns", identity)
