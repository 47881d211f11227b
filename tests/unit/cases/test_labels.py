"""A case label is one short line of the user's own words."""

from __future__ import annotations

import pytest

from server.cases.labels import LABEL_MAX, LabelError, clean_label


def test_a_label_is_one_line_with_spaces_collapsed():
    assert clean_label("  red scarf,\n\tBălți  ") == "red scarf, Bălți"
    assert clean_label("") == "" and clean_label("   ") == ""


def test_a_label_has_at_most_forty_characters():
    assert LABEL_MAX == 40
    assert clean_label("x" * 40) == "x" * 40
    with pytest.raises(LabelError):
        clean_label("x" * 41)
