"""Every core table, imported in one place for Alembic and the test suite."""

from dala.audit.models import AuditEvent
from dala.auth.models import ActionToken, ApiToken, Role, RoleAssignment, User
from dala.db import Base
from dala.modules.models import ModuleState
from dala.operators.models import Operator, OperatorAction
from dala.storage.models import TenantKey
from dala.tenancy.models import Branch, Tenant
from dala.work.job_models import (
    Attachment,
    ChecklistItem,
    Job,
    JobAssignment,
    JobTransition,
    JobType,
)
from dala.work.models import (
    Contact,
    Customer,
    CustomerSearchTerm,
    Site,
    Skill,
    Technician,
    TechnicianSkill,
    TimeOff,
)

__all__ = [
    "ActionToken",
    "ApiToken",
    "Attachment",
    "AuditEvent",
    "Base",
    "Branch",
    "ChecklistItem",
    "Contact",
    "Customer",
    "CustomerSearchTerm",
    "Job",
    "JobAssignment",
    "JobTransition",
    "JobType",
    "ModuleState",
    "Operator",
    "OperatorAction",
    "Role",
    "RoleAssignment",
    "Site",
    "Skill",
    "Technician",
    "TechnicianSkill",
    "Tenant",
    "TenantKey",
    "TimeOff",
    "User",
]
