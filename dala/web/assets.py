"""Serve front-end packages installed from npm (``node_modules``), never committed copies."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, abort, send_from_directory
from flask.typing import ResponseReturnValue

PROJECT_ROOT = Path(__file__).resolve().parents[2]

#: npm packages the pages may load, and the folder inside each that is served.
VENDOR_PACKAGES = {
    "swagger-ui-dist": "",
    "bootstrap": "dist",
    "bootstrap-icons": "font",
    "htmx.org": "dist",
    "idb": "build",
    "signature_pad": "dist",
    # The dispatcher's pages (dala_scheduling): board, calendar and map.
    "vis-timeline": "",
    "event-calendar": "dist",
    "leaflet": "dist",
}

#: Scoped npm packages by the one-segment name their address uses.
SCOPED_PACKAGES = {"event-calendar": "@event-calendar/build"}


def vendor_root(app: Flask) -> Path:
    """Where the npm packages are installed (``node_modules`` unless configured)."""
    return Path(app.config.get("ASSETS_DIR") or PROJECT_ROOT / "node_modules")


def init_assets(app: Flask) -> None:
    root = vendor_root(app)

    def vendor(package: str, filename: str) -> ResponseReturnValue:
        if package not in VENDOR_PACKAGES:
            abort(404)
        folder = root / SCOPED_PACKAGES.get(package, package) / VENDOR_PACKAGES[package]
        return send_from_directory(folder, filename)

    app.add_url_rule("/static/vendor/<package>/<path:filename>", "vendor", vendor)
