"""Tables as Markdown: small tables a page shows without a data grid (Streamlit's grid bundle is 1.2 MB).

Every cell is escaped so that text (a user's characters included) is shown as typed: Markdown's
punctuation, a '$' (which Streamlit would read as math) and '|' (which would split the cell) are
backslash-escaped, and Streamlit's Markdown never renders raw HTML from it.
"""
from __future__ import annotations

import csv
import io
import re

__all__ = ["markdown_table", "md_escape", "table_csv"]

# what Markdown reads inside a table cell: emphasis, code, links and images ([ ]), autolinks (:), entities (&),
# HTML-looking text (< >), strikethrough (~), Streamlit's math ($) and the cell separator (|)
_SPECIAL = re.compile(r"([\\`*_{}\[\]<>~$|:&])")


def md_escape(text: str) -> str:
    """Text shown literally in Markdown: every punctuation character Markdown (or Streamlit's math) reads is
    escaped, and line breaks become spaces (a table row is one line)."""
    return _SPECIAL.sub(r"\\\1", str(text).replace("\r", " ").replace("\n", " "))


def markdown_table(rows: list[dict], align: dict[str, str] | None = None) -> str:
    """Rows of dicts (one key per column, as for st.dataframe) as a Markdown table; ints with thousands
    separators. align: column -> 'left' or 'right' (numbers default to right)."""
    if not rows:
        return ""
    head = list(rows[0])
    align = align or {}

    def cell(v) -> str:
        if isinstance(v, bool):
            return "yes" if v else "no"
        if isinstance(v, int):
            return f"{v:,}"
        return md_escape(v)

    def rule(k: str) -> str:
        side = align.get(k) or ("right" if isinstance(rows[0][k], (int, float)) and not isinstance(rows[0][k], bool)
                                else "left")
        return "---:" if side == "right" else ":---"

    lines = ["| " + " | ".join(md_escape(k) for k in head) + " |", "|" + "|".join(rule(k) for k in head) + "|"]
    lines += ["| " + " | ".join(cell(r[k]) for k in head) + " |" for r in rows]
    return "\n".join(lines)


def table_csv(rows: list[dict] | tuple[dict, ...]) -> str:
    """Rows of dicts (one key per column, as for markdown_table) as CSV text, every value as it is."""
    if not rows:
        return ""
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue()
