"""A light Streamlit client that speaks the real protocol: the browser's WebSocket messages, no browser.

It opens /_stcore/stream the way Streamlit's frontend does (the "streamlit" subprotocol, an Origin header,
the proxy's cookies), asks for a page run with a query string, reads every ForwardMsg until the script
finishes, and can change a widget by its key and time the rerun. Used by bench_class.py to put 60 sessions
on replicas behind nginx from one process; a few real Chromium pages run beside it for the stepping view,
which never talks to the server.
"""
from __future__ import annotations

import asyncio
import time
import urllib.request
from dataclasses import dataclass, field

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState


@dataclass
class Run:
    seconds: float
    status: str  # FINISHED_SUCCESSFULLY, ...
    raw: bytes  # every delta of the run, concatenated (for leakage checks)
    exceptions: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    code: list[str] = field(default_factory=list)  # the text of every st.code block (generated text)


class Session:
    def __init__(self, base: str):
        self.base = base.rstrip("/")
        self.cookies = ""
        self.ws = None
        self.page_hash = ""
        self.widgets: dict[str, str] = {}  # widget key -> element id
        self.queue: asyncio.Queue = asyncio.Queue()

    async def connect(self) -> None:
        # the first GET is where nginx sets the sticky route cookie: every request after it carries it
        def get_cookies() -> str:
            with urllib.request.urlopen(self.base + "/", timeout=30) as r:
                return "; ".join(c.split(";")[0] for c in r.headers.get_all("Set-Cookie") or [])
        self.cookies = await asyncio.to_thread(get_cookies)
        ws_url = self.base.replace("http://", "ws://") + "/_stcore/stream"
        self.ws = await websockets.connect(ws_url, subprotocols=["streamlit"], origin=self.base,
                                           additional_headers={"Cookie": self.cookies} if self.cookies else None,
                                           max_size=64 * 2**20, open_timeout=60, ping_interval=None)

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()

    async def _send(self, page: str, query: str, states: list[WidgetState]) -> None:
        msg = BackMsg()
        cs = msg.rerun_script
        cs.query_string = query
        if self.page_hash:  # a rerun of the page on screen, as the frontend sends it
            cs.page_script_hash = self.page_hash
        else:  # the first visit names the page by its URL path
            cs.page_name = page
        cs.widget_states.widgets.extend(states)
        await self.ws.send(msg.SerializeToString())

    async def _collect(self, t0: float, timeout: float) -> Run:
        raw, exceptions, errors, code = bytearray(), [], [], []
        while True:
            data = await asyncio.wait_for(self.ws.recv(), timeout=timeout)
            fm = ForwardMsg()
            fm.ParseFromString(data)
            kind = fm.WhichOneof("type")
            if kind == "new_session":
                self.page_hash = fm.new_session.page_script_hash
            elif kind == "navigation":
                self.page_hash = fm.navigation.page_script_hash  # the page that ran, not the router
            elif kind == "delta":
                raw += data
                if fm.delta.WhichOneof("type") == "new_element":
                    el = fm.delta.new_element
                    what = el.WhichOneof("type")
                    if what == "exception":
                        exceptions.append(f"{el.exception.type}: {el.exception.message[:200]}")
                    elif what == "alert" and el.alert.format == el.alert.ERROR:
                        errors.append(el.alert.body[:200])
                    elif what == "code":
                        code.append(el.code.code_text)
                    inner = getattr(el, what, None) if what else None
                    wid = getattr(inner, "id", "") if inner is not None else ""
                    if isinstance(wid, str) and wid.startswith("$$ID-"):
                        self.widgets[wid.split("-", 2)[2]] = wid
            elif kind == "script_finished":
                status = ForwardMsg.ScriptFinishedStatus.Name(fm.script_finished)
                if status == "FINISHED_EARLY_FOR_RERUN":
                    continue
                return Run(time.perf_counter() - t0, status, bytes(raw), exceptions, errors, code)

    async def open(self, page: str, query: str = "", timeout: float = 300) -> Run:
        """A first visit: the page's run from its link."""
        t0 = time.perf_counter()
        await self._send(page, query, [])
        return await self._collect(t0, timeout)

    async def rerun(self, page: str, timeout: float = 300) -> Run:
        """A plain rerun of the page (what a fragment's timer or a reconnect asks for)."""
        t0 = time.perf_counter()
        await self._send(page, "", [])
        return await self._collect(t0, timeout)

    async def change(self, page: str, key: str, *, timeout: float = 300, **value) -> Run:
        """Set the widget `key` (string_value=..., double_value=..., trigger_value=True, ...) and time the
        rerun until the script has finished."""
        state = WidgetState(id=self.widgets[key], **value)
        t0 = time.perf_counter()
        await self._send(page, "", [state])
        return await self._collect(t0, timeout)
