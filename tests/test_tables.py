"""Tables that show what matters (issue 17): an evidence sentence is read in full in its table, not only on
hover. The browser walk (tests/test_browser_chrome.py) checks that no key column lies past a table's edge."""
from __future__ import annotations

import pytest

from ui.widgets import wrap_height


# ---------------------------------------------------------------- tables: sentences wrap to their full length
@pytest.mark.parametrize("length, expected", [(0, None), (11, None), (12, 68), (50, 107), (99, 183), (400, 183)])
def test_rows_are_as_tall_as_the_longest_sentence_needs(length, expected):
    """180 px hold 11 characters a line (8.5 px padding each side, 14 px a character); Streamlit wraps a
    cell's text only in rows taller than 4rem, so two lines already get 68 px; at most nine lines."""
    assert wrap_height(["短句", "字" * length], 180) == expected
