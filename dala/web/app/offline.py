"""What the service worker keeps for offline starts, and the version that names its cache.

The list is every file the app needs to start with no network: the shell, the
manifest and icons, the app's own modules and styles, and the npm packages it
loads (Bootstrap, its icon font, idb, signature_pad). API addresses are never
on it: the app's data lives in IndexedDB.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from flask import Flask, url_for

from dala.web.app.icons import SIZES
from dala.web.assets import VENDOR_PACKAGES, vendor_root

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
TRANSLATIONS = HERE.parents[1] / "translations"

#: (npm package, file inside its served folder) the app loads.
VENDOR_FILES = (
    ("bootstrap", "css/bootstrap.min.css"),
    ("bootstrap", "js/bootstrap.bundle.min.js"),
    ("bootstrap-icons", "bootstrap-icons.min.css"),
    ("bootstrap-icons", "fonts/bootstrap-icons.woff2"),
    ("idb", "index.js"),
    ("signature_pad", "signature_pad.js"),
)


def _app_files() -> list[Path]:
    return sorted(p for p in STATIC.rglob("*") if p.is_file())


def precache_urls() -> list[str]:
    """Addresses the service worker caches on install (needs a request or app context)."""
    urls = [url_for("techapp.shell"), url_for("techapp.manifest")]
    urls += [url_for("techapp.icon", size=size) for size in SIZES]
    urls += [url_for("app_static", filename=p.relative_to(STATIC).as_posix()) for p in _app_files()]
    urls += [url_for("vendor", package=pkg, filename=name) for pkg, name in VENDOR_FILES]
    return urls


def _source_files(app: Flask) -> list[Path]:
    """Everything whose change changes what the app shows or runs."""
    root = vendor_root(app)
    vendor = [root / pkg / VENDOR_PACKAGES[pkg] / name for pkg, name in VENDOR_FILES]
    own = [*_app_files(), *sorted((HERE / "templates").rglob("*")), HERE / "strings.py"]
    catalogues = sorted(TRANSLATIONS.glob("*/LC_MESSAGES/*.mo"))
    return [p for p in (*own, *vendor, *catalogues) if p.is_file()]


def cache_version(app: Flask) -> str:
    """A digest of the app's files: a new one makes browsers install the new service worker,
    which replaces the old cache. Computed once per process (the files ship with a release)."""
    known: str | None = app.extensions.get("dala.app_version")
    if known is not None and not app.debug:
        return known
    digest = hashlib.sha256()
    for path in _source_files(app):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    version = digest.hexdigest()[:16]
    app.extensions["dala.app_version"] = version
    return version
