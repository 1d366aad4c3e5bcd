"""A link on one line with a Copy button: what st.code gave the sidebar, without its 1.5 MB highlighter.

Every page shows its scene's link, and st.code made every first visit fetch and parse Streamlit's syntax
highlighter for it (benchmarks/bench_pages.py). The link is set as an input's value and the button copies
it; nothing here is ever written as HTML.
"""
from __future__ import annotations

import streamlit.components.v2 as components_v2

_JS = """
export default function ({ data: sent, parentElement }) {
  const data = sent[0];  // sent as [data]: a dict would make Streamlit import pandas (explorer/ui/cell_view.py)
  let box = parentElement.querySelector(".cl-box");
  if (!box) {
    box = document.createElement("div");
    box.className = "cl-box";
    const input = document.createElement("input");
    input.className = "cl-url";
    input.readOnly = true;
    input.setAttribute("aria-label", data.label);
    const button = document.createElement("button");
    button.type = "button";
    button.className = "cl-copy";
    button.textContent = "Copy";
    button.onclick = async () => {
      input.select();
      let ok = false;
      try { await navigator.clipboard.writeText(input.value); ok = true; }
      catch (e) { try { ok = document.execCommand("copy"); } catch (e2) { ok = false; } }  // plain http
      button.textContent = ok ? "Copied ✓" : "Select, then Ctrl+C";
      setTimeout(() => { button.textContent = "Copy"; }, 1600);
    };
    input.onfocus = () => input.select();
    box.append(input, button);
    parentElement.appendChild(box);
  }
  box.querySelector(".cl-url").value = data.url;
}
"""

_CSS = """
.cl-box { display: flex; gap: 6px; align-items: center; }
.cl-url { flex: 1; min-width: 0; font: 0.85rem ui-monospace, "DejaVu Sans Mono", monospace; padding: 8px 10px;
  border: 1px solid rgba(128,128,128,0.35); border-radius: 8px; background: var(--st-secondary-background-color, #f0f2f6);
  color: inherit; text-overflow: ellipsis; }
.cl-copy { font: inherit; font-size: 0.9rem; padding: 7px 12px; border-radius: 8px; cursor: pointer;
  border: 1px solid rgba(128,128,128,0.45); background: var(--st-background-color, #fff); color: inherit; white-space: nowrap; }
.cl-copy:hover { border-color: var(--st-primary-color, #e8590c); color: var(--st-primary-color, #e8590c); }
"""

_copy_link = components_v2.component("explorer.copy_link", html="", css=_CSS, js=_JS, isolate_styles=False)


def copy_link(url: str, *, key: str | None = None, label: str = "Link to this scene") -> None:
    """Show `url` on one line (scrollable, never wrapped) with a button that copies it."""
    _copy_link(data=[{"url": url, "label": label}], key=key)  # a list: see cell_view.cell_view
