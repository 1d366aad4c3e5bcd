"""Every page as a scene: state -> URL -> cold open gives the same numbers; hostile text in every text box."""
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from conftest import open_app_page

APP = str(Path(__file__).resolve().parents[1] / "app.py")

# one non-default scene per page (each value differs from the page's default)
SCENES = [
    ("pages/home.py", {}),
    ("pages/cell-explorer.py", {"text": "hi there", "cells": "lstm,gru", "src": "untrained", "hidden": "8",
                                "seed": "3", "whatif": "freeze", "cfrom": "2", "t": "4", "unit": "5"}),
    ("pages/gradient-lab.py", {"cells": "untrained", "fbias": "3.0", "H": "16", "src": "random", "T": "120", "seed": "2"}),
    ("pages/train.py", {"text": "abcabd", "cells": "gru", "steps": "20", "hidden": "8"}),
    ("pages/memory-race.py", {"task": "adding", "T": "20", "budget": "5", "hidden": "8"}),
    ("pages/unit-finder.py", {"feature": "indentation", "signal": "h"}),
]
HOSTILE = ["", "   \n\t ", "<script>alert(1)</script><img src=x onerror=alert(1)>", "😀 é\u0301 \u202egnp.exe",
           "\x00\x07\x1b[31m", "x" * 200_000]


def open_scene(page: str, query: dict) -> AppTest:
    return open_app_page(page, query)


def fingerprint(at: AppTest) -> list[str]:
    """Every element's protobuf, in page order: text, widget values, figure specs, component data."""
    out = []

    def walk(node):
        proto = getattr(node, "proto", None)
        if proto is not None:  # a download's file token is minted per session: everything else must match
            out.append(re.sub(r'deferred_file_id: "[0-9a-f]+"', "deferred_file_id", repr(proto)))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at.main)
    return out


@pytest.mark.parametrize("page,query", SCENES, ids=[p.split("/")[1] for p, _ in SCENES])
def test_a_scene_reopens_cold_from_its_link_with_the_same_numbers(page, query):
    first = open_scene(page, query)
    link = {k: first.query_params[k] for k in first.query_params}
    link = {k: v[0] if isinstance(v, list) else v for k, v in link.items()}
    assert set(query) <= set(link), f"the link lost {set(query) - set(link)}"
    again = open_scene(page, link)  # a new session: a student opening the shared link
    assert fingerprint(again) == fingerprint(first)


def _text_boxes(at: AppTest):
    return [(w.key, "text_area") for w in at.text_area] + [(w.key, "text_input") for w in at.text_input]


@pytest.mark.parametrize("page", [p for p, _ in SCENES if p != "pages/home.py"])
def test_hostile_text_in_every_text_box(page):
    at = open_scene(page, {})
    boxes = _text_boxes(at)
    for key, kind in boxes:
        for value in HOSTILE:
            getattr(at, kind)(key=key).set_value(value).run()
            assert not at.exception, (page, key, value[:20], at.exception)
    if page != "pages/memory-race.py":
        assert boxes, f"{page} has no text box to try"
