"""Response schemas of core objects, shared by several endpoints."""

from __future__ import annotations

import marshmallow as ma


class TenantSchema(ma.Schema):
    id = ma.fields.UUID(dump_only=True)
    name = ma.fields.String(dump_only=True)
    slug = ma.fields.String(dump_only=True)
    status = ma.fields.String(dump_only=True)
    trial_ends_at = ma.fields.DateTime(dump_only=True, allow_none=True)
    version = ma.fields.Integer(dump_only=True)


class BranchSchema(ma.Schema):
    id = ma.fields.UUID(dump_only=True)
    name = ma.fields.String()
    timezone = ma.fields.String()
    currency = ma.fields.String()
    locale = ma.fields.String()
    address = ma.fields.String()
    version = ma.fields.Integer(dump_only=True)
    created_at = ma.fields.DateTime(dump_only=True)
    updated_at = ma.fields.DateTime(dump_only=True)


class UserSchema(ma.Schema):
    id = ma.fields.UUID(dump_only=True)
    email = ma.fields.String(dump_only=True)
    name = ma.fields.String()
    status = ma.fields.String(dump_only=True)
    locale = ma.fields.String(allow_none=True)
    last_login_at = ma.fields.DateTime(dump_only=True, allow_none=True)
    version = ma.fields.Integer(dump_only=True)
    created_at = ma.fields.DateTime(dump_only=True)
