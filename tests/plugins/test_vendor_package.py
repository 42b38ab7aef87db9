"""The vendor example (examples/vendor_plugin) as an installed package: what it ships.

How it behaves inside a running Dala (enablement per branch, 404 where it is
off, its hook and isolation) is tested with the plug-in host.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import date
from importlib.metadata import distribution
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import ForeignKeyConstraint, inspect, text

from acme_warranty import plugin, services
from acme_warranty.api import blp
from acme_warranty.models import Registration
from acme_warranty.views import bp
from dala.api.blueprint import Blueprint as ApiBlueprint
from dala.db import make_engine
from dala.migrate import MIGRATIONS
from dala.modules.manifest import Layer, Level
from dala.tenancy.scoping import TenantScoped
from tests.conftest import (
    TEST_DB,
    TestDatabase,
    create_postgres_database,
    drop_postgres_database,
)
from tests.plugins.checks import manifest_of, manifest_problems, plugin_entry_points

ROOT = Path(__file__).resolve().parents[2]
PACKAGE_ROOT = ROOT / "examples" / "vendor_plugin"
VERSIONS = PACKAGE_ROOT / "acme_warranty" / "migrations" / "versions"
CORE_VERSIONS = MIGRATIONS / "versions"
TABLE = "acme_warranty_registrations"


def migrations_config(url: str = "", app_role: str = "") -> Config:
    """Core's revisions plus the vendor's branch, as the deploy step runs them."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("path_separator", "os")
    cfg.set_main_option("version_locations", os.pathsep.join(map(str, (CORE_VERSIONS, VERSIONS))))
    cfg.attributes.update(database_url=url, app_role=app_role)
    return cfg


def test_installed_as_its_own_distribution() -> None:
    dist = distribution("acme-warranty")
    assert dist.version == "0.1.0"
    assert any(req.replace(" ", "").startswith("dala>=") for req in dist.requires or ())
    point = plugin_entry_points()["acme_warranty"]
    assert point.value == "acme_warranty.plugin"
    assert point.dist is not None and point.dist.name == "acme-warranty"
    assert (PACKAGE_ROOT / "README.md").is_file()


def test_its_manifest_is_valid() -> None:
    manifest = manifest_of(plugin_entry_points()["acme_warranty"].load())
    assert manifest_problems(manifest) == []
    assert manifest.name == "acme_warranty" and manifest.vendor == "Acme"
    assert (manifest.level, manifest.layer, manifest.depends) == (
        Level.BRANCH,
        Layer.OPTIONAL,
        (),
    )
    assert {f"{p.resource}:{p.action}" for p in manifest.permissions} == {
        "warranty:read",
        "warranty:manage",
    }
    [months] = manifest.settings
    assert (months.key, months.kind, months.default) == ("warranty_months", "integer", 12)
    assert [m.key for m in manifest.meters] == ["registrations"]
    assert manifest.migrations == VERSIONS


def test_its_migrations_are_a_branch_of_their_own_that_needs_cores_jobs() -> None:
    script = ScriptDirectory.from_config(migrations_config())
    own = [r for r in script.walk_revisions() if Path(r.path).parent == VERSIONS]
    assert own, "no revision in the plug-in's migrations folder"
    assert all("acme_warranty" in r.branch_labels for r in own)
    [first] = [r for r in own if r.down_revision is None]
    assert first.revision.startswith("acme_warranty_")
    assert first.dependencies == "0005"
    core = script.get_revision("0005")
    assert core is not None and Path(core.path).parent == CORE_VERSIONS
    assert re.search(r'create_table\(\s*"jobs"', Path(core.path).read_text())
    # The plug-in's line has a head of its own, beside core's: "heads" upgrades both.
    heads = [script.get_revision(h) for h in script.get_heads()]
    assert [h.revision for h in heads if h in own] == [own[0].revision]
    assert any(Path(h.path).parent == CORE_VERSIONS for h in heads)


@pytest.fixture
def empty_database(tmp_path: Path) -> Iterator[TestDatabase]:
    if TEST_DB == "postgresql":
        db = create_postgres_database("dala_vendor")
        yield db
        drop_postgres_database(db)
    else:
        url = f"sqlite:///{tmp_path / 'vendor.db'}"
        yield TestDatabase(url, url)


def test_its_migration_creates_the_table_its_model_declares(
    empty_database: TestDatabase,
) -> None:
    url = empty_database.owner_url
    cfg = migrations_config(url, empty_database.app_role)
    command.upgrade(cfg, "heads")
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diffs = compare_metadata(context, Registration.metadata)
            ours = [d for d in diffs if TABLE in repr(d)]
            assert ours == []
            if empty_database.is_postgresql:
                rls = conn.execute(
                    text(
                        "SELECT relrowsecurity, relforcerowsecurity FROM pg_class "
                        "WHERE relname = :table"
                    ),
                    {"table": TABLE},
                ).one()
                assert tuple(rls) == (True, True)
        command.downgrade(cfg, "acme_warranty@base")
        tables = set(inspect(engine).get_table_names())
        assert TABLE not in tables and "jobs" in tables
    finally:
        engine.dispose()


def test_its_table_belongs_to_a_company_and_points_at_its_jobs() -> None:
    assert issubclass(Registration, TenantScoped)
    table = Registration.__table__
    assert table.name == TABLE
    assert [c.name for c in table.primary_key.columns] == ["tenant_id", "id"]
    to_jobs = [
        fk
        for fk in table.constraints
        if isinstance(fk, ForeignKeyConstraint) and fk.referred_table.name == "jobs"
    ]
    assert [(fk.column_keys, [e.target_fullname for e in fk.elements]) for fk in to_jobs] == [
        (["tenant_id", "job_id"], ["jobs.tenant_id", "jobs.id"])
    ]


def test_it_brings_an_api_a_page_and_a_menu_entry() -> None:
    [api_blueprint] = plugin.dala_api_blueprints()
    assert api_blueprint is blp and isinstance(blp, ApiBlueprint)
    assert blp.url_prefix == "/acme-warranty"  # mounted under /api/v1
    [page_blueprint] = plugin.dala_blueprints()
    assert page_blueprint is bp and bp.url_prefix == "/acme-warranty"
    [item] = plugin.dala_nav_items()
    assert (item.endpoint, item.icon) == ("acme_warranty.index", "bi-shield-check")
    assert bp.template_folder is not None
    page = Path(bp.root_path, bp.template_folder, "acme_warranty", "index.html").read_text()
    assert '{% extends "web/app_layout.html" %}' in page


@pytest.mark.parametrize(
    ("completed", "months", "until"),
    [
        (date(2026, 3, 14), 12, date(2027, 3, 14)),
        (date(2026, 11, 30), 3, date(2027, 2, 28)),
        (date(2027, 8, 31), 6, date(2028, 2, 29)),
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
    ],
)
def test_a_warranty_runs_whole_months_from_completion(
    completed: date, months: int, until: date
) -> None:
    assert services.add_months(completed, months) == until
