"""Operator accounts: created from the CLI, signing in to the console, its sessions."""

from __future__ import annotations

import hmac
import uuid

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from dala.auth.secrets import hash_password, verify_password
from dala.auth.users import new_session_nonce
from dala.db import utcnow
from dala.errors import Conflict, NotFound, Unauthenticated
from dala.operators.models import Operator


def _taken() -> Conflict:
    message = _("An operator with this e-mail already exists.")
    return Conflict(message, errors={"email": [message]})


def create_operator(session: Session, *, email: str, name: str, password: str) -> Operator:
    """A new, active operator (``email`` checked for syntax by the caller); commits nothing."""
    email = email.strip().lower()
    if session.scalar(select(Operator.id).where(Operator.email == email)):
        raise _taken()
    operator = Operator(
        id=uuid.uuid4(),
        email=email,
        name=name.strip(),
        password_hash=hash_password(password),
        is_active=True,
        session_nonce=new_session_nonce(),
    )
    session.add(operator)
    session.flush()
    return operator


def ensure_operator(session: Session, *, email: str, name: str, password: str) -> Operator:
    """The operator with this e-mail, active with this password: created or reset (the demo)."""
    operator = session.scalar(select(Operator).where(Operator.email == email.lower()))
    if operator is None:
        return create_operator(session, email=email, name=name, password=password)
    if not operator.is_active or not verify_password(operator.password_hash, password):
        operator.password_hash = hash_password(password)
        operator.is_active = True
        operator.session_nonce = new_session_nonce()
    operator.name = name
    session.flush()
    return operator


def list_operators(session: Session) -> list[Operator]:
    return list(session.scalars(select(Operator).order_by(Operator.email)))


def get_operator_by_email(session: Session, email: str) -> Operator:
    operator = session.scalar(select(Operator).where(Operator.email == email.strip().lower()))
    if operator is None:
        raise NotFound(_("No operator has this e-mail."))
    return operator


def deactivate_operator(session: Session, operator: Operator) -> None:
    """The operator can no longer sign in; their open console sessions end now."""
    operator.is_active = False
    operator.session_nonce = new_session_nonce()
    session.flush()


def authenticate_operator(session: Session, email: str, password: str) -> Operator:
    """The active operator for these credentials; the same error whichever part is wrong."""
    operator = session.scalar(select(Operator).where(Operator.email == email.strip().lower()))
    ok = verify_password(operator.password_hash if operator else None, password)
    if not ok or operator is None or not operator.is_active:
        raise Unauthenticated(_("Invalid e-mail or password."))
    operator.last_login_at = utcnow()
    return operator


def session_id(operator: Operator) -> str:
    """What the console's session keeps: the operator and their current session nonce."""
    return f"{operator.id}:{operator.session_nonce}"


def session_operator(session: Session, value: object) -> Operator | None:
    """The active operator a console session names, or None (ended, deactivated, forged)."""
    if not isinstance(value, str):
        return None
    raw_id, _sep, nonce = value.partition(":")
    try:
        operator_id = uuid.UUID(raw_id)
    except ValueError:
        return None
    operator = session.get(Operator, operator_id)
    if operator is None or not operator.is_active:
        return None
    if not hmac.compare_digest(operator.session_nonce.encode(), nonce.encode()):
        return None
    return operator


def end_sessions(operator: Operator) -> None:
    """Sign the operator out everywhere (a copied session cookie stops working too)."""
    operator.session_nonce = new_session_nonce()
