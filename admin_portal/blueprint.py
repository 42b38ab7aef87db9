"""The tenant admin's blueprint (/admin); each section's views live in a module of their own."""

from __future__ import annotations

from dala.web.pages import page_blueprint

bp = page_blueprint("admin", __name__, url_prefix="/admin", template_folder="templates")
