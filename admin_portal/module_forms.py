"""Forms of the modules section: the on/off switch and a settings form made from a manifest.

A module declares its settings (``dala.modules.manifest.Setting``); the form
class is built from that declaration, one field per setting plus a "use the
inherited value" box for the values set at the scope shown. Saving sends only
what changed, so untouched values keep following the company or the default.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, Field, HiddenField, IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, NumberRange, StopValidation

from dala.modules.enablement import Resolved
from dala.modules.manifest import Manifest, Setting
from dala.web.forms import storable, strip

#: The service's limit for a text setting (dala.modules.enablement).
TEXT_MAX = 500


class SwitchForm(FlaskForm):
    """On or off: an unchecked box sends nothing, which reads as off."""

    enabled = BooleanField(_l("On"))
    # "follow" makes the scope go back to what the wider scope says.
    follow = HiddenField()


class SettingsForm(FlaskForm):
    """Base of the generated settings forms; ``version`` notices a change made meanwhile."""

    version = HiddenField()
    settings: tuple[Setting, ...] = ()

    def value_field(self, setting: Setting) -> Field:
        return self[value_name(setting)]

    def inherit_field(self, setting: Setting) -> Field:
        return self[inherit_name(setting)]


def value_name(setting: Setting) -> str:
    # Prefixed: a setting called "data" or "meta" must not shadow the form's own attributes.
    return f"value_{setting.key}"


def inherit_name(setting: Setting) -> str:
    return f"inherit_{setting.key}"


def _unless_inherited(setting: Setting) -> Any:
    """First validator of a value: nothing to check when the inherited value is wanted."""

    def check(form: SettingsForm, field: Field) -> None:
        if form[inherit_name(setting)].data:
            field.errors[:] = []
            raise StopValidation()

    return check


def _whole_number(_form: SettingsForm, field: Field) -> None:
    if field.data is None:
        field.errors[:] = []  # instead of WTForms' own parse message
        raise StopValidation(str(_l("Enter a whole number.")))


def _range(setting: Setting) -> NumberRange:
    low, high = setting.minimum, setting.maximum
    if low is not None and high is not None:
        message = _l("Enter a number from %(min)s to %(max)s.")
    elif low is not None:
        message = _l("Enter %(min)s or more.")
    else:
        message = _l("Enter %(max)s or less.")
    return NumberRange(min=low, max=high, message=message)


def _value_field(setting: Setting) -> Field:
    """The form field for one setting, as its kind says."""
    common: dict[str, Any] = {"label": setting.label, "description": setting.help or None}
    first = _unless_inherited(setting)
    if setting.kind == "boolean":
        return BooleanField(**common)
    if setting.kind == "integer":
        checks: list[Any] = [first, _whole_number]
        if setting.minimum is not None or setting.maximum is not None:
            checks.append(_range(setting))
        return IntegerField(validators=checks, **common)
    if setting.kind == "choice":
        choices = [SelectChoice(value, label) for value, label in setting.labelled_choices()]
        return SelectField(choices=choices, validators=[first], **common)
    return StringField(
        validators=[
            first,
            storable,
            Length(max=TEXT_MAX, message=_l("At most %(max)d characters.")),
        ],
        filters=[strip],
        **common,
    )


def settings_form_class(manifest: Manifest) -> type[SettingsForm]:
    """A form class with a field per setting of ``manifest``, in the declared order."""
    attrs: dict[str, Any] = {"settings": manifest.settings}
    for setting in manifest.settings:
        attrs[value_name(setting)] = _value_field(setting)
        attrs[inherit_name(setting)] = BooleanField(_l("Use the inherited value"))
    return type(f"{manifest.name}_settings_form", (SettingsForm,), attrs)


def initial_values(state: Resolved) -> dict[str, Any]:
    """The form's values before editing: each setting as it resolves at the scope."""
    return {value_name(s): state.settings[s.key] for s in state.manifest.settings}


def changed_settings(form: SettingsForm, state: Resolved, here: str) -> dict[str, Any]:
    """What to send to ``set_state``: changed values, and None for the values set ``here``
    (``branch`` or ``company``) that should follow the wider scope again."""
    changes: dict[str, Any] = {}
    for setting in form.settings:
        if form.inherit_field(setting).data:
            if state.setting_sources.get(setting.key) == here:
                changes[setting.key] = None
            continue
        value = form.value_field(setting).data
        if value != state.settings.get(setting.key):
            changes[setting.key] = value
    return changes


def place_setting_errors(form: SettingsForm, errors: dict[str, Any]) -> list[str]:
    """Put the service's per-setting messages next to their fields; the rest are returned."""
    unplaced: list[str] = []
    for key, messages in (errors.get("settings") or {}).items():
        texts = [str(m) for m in (messages if isinstance(messages, list) else [messages])]
        name = f"value_{key}"
        if name in form:
            form[name].errors = [*form[name].errors, *texts]
        else:
            unplaced += texts
    return unplaced


def display_value(setting: Setting, value: Any) -> str:
    """A setting's value as people read it: On/Off, a choice's label, "(empty)"."""
    if setting.kind == "boolean":
        return str(_l("On")) if value else str(_l("Off"))
    if setting.kind == "choice":
        return setting.choice_label(str(value))
    if value in ("", None):
        return str(_l("(empty)"))
    return str(value)
