"""Every core table, imported in one place for Alembic and the test suite."""

from dala.audit.models import AuditEvent
from dala.auth.models import ActionToken, ApiToken, Role, RoleAssignment, User
from dala.db import Base
from dala.modules.models import ModuleState
from dala.operators.models import Operator, OperatorAction
from dala.storage.models import TenantKey
from dala.sync.models import SyncBlob, SyncClient, SyncConflict, SyncMutation, SyncRevocation
from dala.tenancy.models import Branch, Tenant
from dala.work.field_models import JobNote, PartUsage, TimeEntry
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
    "JobNote",
    "JobTransition",
    "JobType",
    "ModuleState",
    "Operator",
    "OperatorAction",
    "PartUsage",
    "Role",
    "RoleAssignment",
    "Site",
    "Skill",
    "SyncBlob",
    "SyncClient",
    "SyncConflict",
    "SyncMutation",
    "SyncRevocation",
    "Technician",
    "TechnicianSkill",
    "Tenant",
    "TenantKey",
    "TimeEntry",
    "TimeOff",
    "User",
]
