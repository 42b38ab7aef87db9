"""The technician app's addresses: the shell, the manifest, the service worker, icons, modules.

Each answers the same bytes to everyone (no user data is ever in them), so the
service worker may keep them; the user's data comes from the API into IndexedDB.
"""

from __future__ import annotations

import json

from flask import Response, current_app, render_template, send_from_directory, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _

from dala.tenancy.regions import SUPPORTED_LOCALES
from dala.web.app.icons import SIZES, icon_png
from dala.web.app.offline import STATIC, cache_version, precache_urls
from dala.web.app.strings import catalogues
from dala.web.pages import page_blueprint
from dala.web.shell import LANGUAGE_NAMES

bp = page_blueprint("techapp", __name__, public=True, template_folder="templates")

#: The app's brand colour: the manifest's theme and the phone's status bar.
THEME_COLOUR = "#0d6efd"
#: The service worker controls every address under this path.
SCOPE = "/app"


def _revalidate(response: Response) -> Response:
    """Browsers must ask again each time; the service worker is what makes it work offline."""
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get(SCOPE)
def shell() -> ResponseReturnValue:
    """The app shell: an empty frame the modules fill, and the strings in every language."""
    locale = str(get_locale() or "en")
    html = render_template(
        "app/shell.html",
        locale=locale,
        strings=catalogues(),
        languages=[(code, LANGUAGE_NAMES.get(code, code)) for code in SUPPORTED_LOCALES],
        version=cache_version(current_app),
        theme_colour=THEME_COLOUR,
    )
    return _revalidate(Response(html, mimetype="text/html"))


@bp.get(f"{SCOPE}/manifest.webmanifest")
def manifest() -> ResponseReturnValue:
    """The web app manifest: what a phone needs to install the app on its home screen."""
    icons = [
        {
            "src": url_for("techapp.icon", size=size),
            "sizes": f"{size}x{size}",
            "type": "image/png",
            "purpose": purpose,
        }
        for size in SIZES
        for purpose in ("any", "maskable")
    ]
    body = {
        "id": SCOPE,
        "name": _("Dala for technicians"),
        "short_name": "Dala",
        "description": _("Your jobs for the day, with or without a network."),
        "lang": str(get_locale() or "en"),
        "start_url": SCOPE,
        "scope": SCOPE,
        "display": "standalone",
        "orientation": "portrait",
        "theme_color": THEME_COLOUR,
        "background_color": "#f8f9fa",  # the page's bg-body-tertiary, for the splash screen
        "icons": icons,
    }
    return _revalidate(Response(json.dumps(body), mimetype="application/manifest+json"))


@bp.get(f"{SCOPE}/sw.js")
def service_worker() -> ResponseReturnValue:
    """The service worker: caches the shell and its files, serves them when offline."""
    script = render_template(
        "app/sw.js", version=cache_version(current_app), precache=precache_urls(), scope=SCOPE
    )
    response = Response(script, mimetype="text/javascript")
    # The worker's file sits at /app/sw.js, whose default reach is /app/ only;
    # this header lets it control /app itself, the start address.
    response.headers["Service-Worker-Allowed"] = SCOPE
    return _revalidate(response)


def icon(size: int) -> ResponseReturnValue:
    """The home-screen icon in one of the manifest's sizes."""
    response = Response(icon_png(size), mimetype="image/png")
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


# One fixed address per size (no id-like placeholder in the address).
for _size in SIZES:
    bp.add_url_rule(f"{SCOPE}/icon-{_size}.png", "icon", icon, defaults={"size": _size})


def serve_static(filename: str) -> ResponseReturnValue:
    """The app's own modules, styles and images."""
    return _revalidate(send_from_directory(STATIC, filename))
