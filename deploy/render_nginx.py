"""Render deploy/nginx.conf.template for a set of Streamlit replicas (one machine or several).

    python deploy/render_nginx.py --listen 8080 --upstream 127.0.0.1:8601 --upstream 127.0.0.1:8602 \
        --run-dir /tmp/explorer-nginx [--prefix /explorer] > nginx.conf
"""
from __future__ import annotations

import argparse
import os
import re
from pathlib import Path

TEMPLATE = Path(__file__).with_name("nginx.conf.template")


def render(upstreams: list[str], listen: str, run_dir: str, prefix: str = "", user: str | None = None) -> str:
    if not upstreams:
        raise ValueError("give at least one --upstream HOST:PORT")
    for u in upstreams:
        if not re.fullmatch(r"[A-Za-z0-9.\-\[\]:]+:\d+", u):
            raise ValueError(f"an upstream is HOST:PORT, got {u!r}")
    prefix = "/" + prefix.strip("/") if prefix.strip("/") else ""
    servers = "\n".join(f"        server {u} max_fails=1 fail_timeout=10s;" for u in upstreams)
    values = {"servers": servers, "listen": listen, "run_dir": run_dir, "prefix": prefix,
              "user": f"user {user};" if user else ""}
    return re.sub(r"\{\{(\w+)\}\}", lambda m: values[m.group(1)], TEMPLATE.read_text())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--upstream", action="append", default=[], help="HOST:PORT of a replica (repeat)")
    ap.add_argument("--listen", default="8080", help="what nginx listens on, e.g. 8080 or 127.0.0.1:8080")
    ap.add_argument("--run-dir", required=True, help="folder for nginx's pid, logs and temp files")
    ap.add_argument("--prefix", default="", help="serve under a path, e.g. /explorer (replicas need the same "
                                                 "--server.baseUrlPath)")
    args = ap.parse_args()
    user = "root" if os.geteuid() == 0 else None  # a root run keeps its workers able to use run-dir
    print(render(args.upstream, args.listen, args.run_dir, args.prefix, user))


if __name__ == "__main__":
    main()
