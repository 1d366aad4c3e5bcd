"""Markdown tables shown instead of data grids: every character of a user's text is shown as typed."""
import re

from explorer.figures.tables import markdown_table, md_escape


def test_markdown_cannot_read_anything_in_user_text():
    hostile = "**b** $x$ [a](http://x) ![i](y) <b>hi</b> a|b ~s~ &lt; `c` _u_ line\nbreak"
    escaped = md_escape(hostile)
    # every character Markdown (or Streamlit's math) would read is preceded by a backslash, and the row stays one line
    assert "\n" not in escaped
    for ch in "*$[]<>|~&`_":
        assert all(escaped[i - 1] == "\\" for i, c in enumerate(escaped) if c == ch)
    assert re.sub(r"\\(.)", r"\1", escaped) == hostile.replace("\n", " ")  # unescaped, it is the text as typed


def test_a_table_has_one_row_per_dict_numbers_right_aligned():
    table = markdown_table([{"unit": 3, "r": "+0.512", "text": "a|b"}, {"unit": 1234, "r": "-0.100", "text": "$"}],
                           align={"r": "right"})
    lines = table.splitlines()
    assert lines[1] == "|---:|---:|:---|"
    assert lines[2] == "| 3 | +0.512 | a\\|b |" and lines[3] == "| 1,234 | -0.100 | \\$ |"
    assert markdown_table([]) == ""
