"""Blind-index terms of searchable encrypted fields, under the tenant's index key."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from dala.storage.blind_index import (
    blind_index,
    name_tokens,
    normalise_email,
    normalise_phone,
    token_terms,
)
from dala.storage.keys import keyring
from dala.storage.models import KeyPurpose


def _index_key(tenant_id: uuid.UUID) -> bytes:
    return keyring().active(tenant_id, KeyPurpose.INDEX)[1]


def terms_for(
    tenant_id: uuid.UUID,
    *,
    names: Sequence[str] = (),
    emails: Sequence[str] = (),
    phones: Sequence[str] = (),
    region: str,
) -> set[str]:
    """The digests a record is stored under: name tokens with prefixes, e-mails, phones."""
    key = _index_key(tenant_id)
    digests = {blind_index(key, "name", t) for n in names for t in token_terms(n)}
    digests |= {blind_index(key, "email", e) for e in filter(None, map(normalise_email, emails))}
    digests |= {
        blind_index(key, "phone", p)
        for p in filter(None, (normalise_phone(x, region) for x in phones))
    }
    return digests


def query_digests(tenant_id: uuid.UUID, query: str, region: str) -> list[set[str]]:
    """What a search box text must match: alternatives per word, every word required.

    An e-mail or a phone number is one exact term; otherwise each word (three
    letters or more) must match a name token or its prefix.
    """
    key = _index_key(tenant_id)
    email = normalise_email(query)
    if email:
        return [{blind_index(key, "email", email)}]
    phone = normalise_phone(query, region) if any(ch.isdigit() for ch in query) else None
    if phone:
        return [{blind_index(key, "phone", phone)}]
    return [{blind_index(key, "name", t)} for t in name_tokens(query) if len(t) >= 3]
