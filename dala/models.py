"""Every core table, imported in one place for Alembic and the test suite."""

from dala.auth.models import ActionToken, ApiToken, Role, RoleAssignment, User
from dala.db import Base
from dala.storage.models import TenantKey
from dala.tenancy.models import Branch, Tenant
from dala.work.models import Contact, Customer, CustomerSearchTerm, Skill

__all__ = [
    "ActionToken",
    "ApiToken",
    "Base",
    "Branch",
    "Contact",
    "Customer",
    "CustomerSearchTerm",
    "Role",
    "RoleAssignment",
    "Skill",
    "Tenant",
    "TenantKey",
    "User",
]
