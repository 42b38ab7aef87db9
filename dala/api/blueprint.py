"""The API's Blueprint: flask-smorest's, with an argument parser that refuses unstorable text."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import flask_smorest
import marshmallow as ma
from webargs.flaskparser import FlaskParser
from webargs.multidictproxy import MultiDictProxy

from dala.text import is_storable, unstorable_message


def unstorable_text(value: Any) -> Any:
    """Error messages shaped like ``value``, for each string in it no database can store."""
    if isinstance(value, str):
        return None if is_storable(value) else [unstorable_message()]
    if isinstance(value, MultiDictProxy):
        value = value.data
    if hasattr(value, "lists"):  # query string or form: every value of every key
        bad = [key for key, values in value.lists() if any(map(unstorable_text, values))]
        return {key: [unstorable_message()] for key in bad} or None
    if isinstance(value, Mapping):
        items: Any = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return None
    errors = {key: found for key, item in items if (found := unstorable_text(item))}
    return errors or None


class ArgumentsParser(FlaskParser):
    """Rejects with 422, naming the field, strings that would fail in the database."""

    def pre_load(
        self, location_data: Mapping[str, Any], *, schema: ma.Schema, req: Any, location: str
    ) -> Mapping[str, Any]:
        errors = unstorable_text(location_data)
        if errors:
            raise ma.ValidationError(errors)
        return location_data


class Blueprint(flask_smorest.Blueprint):
    ARGUMENTS_PARSER = ArgumentsParser()
