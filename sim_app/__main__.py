"""Serve the workshop app: `python -m sim_app [--host HOST] [--port PORT]` (`make workshop`).

Loopback (127.0.0.1) unless told otherwise: pass `--host 0.0.0.0` only when the facilitator
wants people in the room to connect. Nothing leaves the machine: the browser bundle comes from
solara-assets, plots are matplotlib PNGs, and Solara's own calls home (a version check against
PyPI and usage telemetry) are switched off here.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path

APP = Path(__file__).resolve().parent / "app.py"
SERVER_ENV = {
    "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",  # Solara sends usage events by default
    "SOLARA_THEME_SHOW_BANNER": "False",  # its "runs on Solara" banner covers the plots
    "SOLARA_THEME_TITLE": "Why partnerships stall",
}
# A session whose browser vanished without closing its tab (a laptop lid shut) keeps its model
# until Solara culls it: 24 hours by default. Half an hour outlasts a workshop's coffee break
# and bounds the server's memory; set SOLARA_KERNEL_CULL_TIMEOUT to change it.
SERVER_DEFAULTS = {"SOLARA_KERNEL_CULL_TIMEOUT": "30m"}


def command(host: str, port: int) -> list[str]:
    """The `solara run` arguments that serve the app offline on host:port."""
    return [
        "run",
        str(APP),
        "--host",
        host,
        "--port",
        str(port),
        "--production",
        "--no-check-version",
        "--no-open",
    ]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m sim_app", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--host",
        default=os.environ.get("WORKSHOP_HOST", "127.0.0.1"),
        help="address to listen on (default 127.0.0.1: this machine only)",
    )
    parser.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("WORKSHOP_PORT", "8765")),
        help="port to listen on (default 8765)",
    )
    args = parser.parse_args(argv)
    os.environ.update(SERVER_ENV)
    for key, value in SERVER_DEFAULTS.items():
        os.environ.setdefault(key, value)
    # Solara warns on every page load served as http://127.0.0.1 (not "localhost") that it
    # cannot set a cross-site cookie; the app is not embedded anywhere, so it does not need one
    warnings.filterwarnings(
        "ignore", message="Cookies with samesite=none require https", category=UserWarning
    )
    from solara.__main__ import main as solara_main  # after the environment is set

    sys.argv = ["solara", *command(args.host, args.port)]
    print(f"Workshop app: http://{args.host}:{args.port}  (Ctrl-C to stop)", flush=True)
    solara_main()


if __name__ == "__main__":
    main()
