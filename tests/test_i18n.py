"""The Russian and Kazakh catalogues are complete, current with the code, and used.

When one of these fails after you added or changed a user-facing string: run
``make i18n-extract``, translate the new entries in
``dala/translations/{ru,kk}/LC_MESSAGES/messages.po``, then ``make translations``.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import uuid
from gettext import GNUTranslations
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask.testing import FlaskClient

from tests.support.mailbox import Mailbox
from tests.support.world import PASSWORD, World, call

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "dala"
TRANSLATIONS = PACKAGE / "translations"
POT = TRANSLATIONS / "messages.pot"
API = "/api/v1"

LANGUAGES = ("ru", "kk")
PLURAL_FORMS = {
    "ru": "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 "
    "&& (n%100<10 || n%100>=20) ? 1 : 2);",
    "kk": "nplurals=2; plural=(n != 1);",
}
FIX = (
    "run `make i18n-extract`, then translate the new or changed entries in "
    "dala/translations/{ru,kk}/LC_MESSAGES/messages.po (no fuzzy entries) and run "
    "`make translations`"
)

#: Marker functions; the extractor only sees their string arguments when they are literals.
GETTEXT_FUNCTIONS = {"_", "gettext", "ngettext", "pgettext", "npgettext", "N_"} | {
    "_l",
    "lazy_gettext",
    "lazy_ngettext",
    "lazy_pgettext",
}

#: printf-style conversions: ``%(name)s``, ``%s``, ``%d``, ``%.2f``; ``%%`` is a literal percent.
PLACEHOLDER = re.compile(
    r"%(?:\((?P<name>[^)]*)\))?[#0\- +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?(?P<conv>[diouxXeEfFgGcrsa%])"
)


def placeholders(text: str) -> tuple[frozenset[str], tuple[str, ...]]:
    """Named placeholders (as a set) and positional ones (in order) in ``text``."""
    named: set[str] = set()
    positional: list[str] = []
    for match in PLACEHOLDER.finditer(text):
        if match["conv"] == "%" and match["name"] is None:
            continue
        if match["name"] is not None:
            named.add(f"%({match['name']}){match['conv']}")
        else:
            positional.append(f"%{match['conv']}")
    return frozenset(named), tuple(positional)


def load(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as f:
        return read_po(f, locale=locale)


MessageId = str | tuple[str, ...]


def key(message: Message) -> MessageId:
    """The msgid, or (singular, plural) for a plural message."""
    return message.id if isinstance(message.id, str) else tuple(message.id)


def ids(catalog: Catalog) -> set[MessageId]:
    return {key(m) for m in catalog if m.id}


def shown(message_ids: set[MessageId]) -> str:
    return "\n".join(f"  {m!r}" for m in sorted(message_ids, key=str))


def forms(message: Message) -> list[str]:
    if isinstance(message.string, (list, tuple)):
        return list(message.string)
    return [message.string or ""]


@pytest.fixture(scope="module")
def template() -> Catalog:
    return load(POT)


@pytest.fixture(scope="module")
def catalogues() -> dict[str, Catalog]:
    return {
        lang: load(TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po", lang) for lang in LANGUAGES
    }


@pytest.fixture(scope="module")
def compiled(
    catalogues: dict[str, Catalog], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, GNUTranslations]:
    """Each catalogue compiled afresh into a temporary directory (as `pybabel compile` does)."""
    out = tmp_path_factory.mktemp("mo")
    result = {}
    for lang, catalog in catalogues.items():
        path = out / f"{lang}.mo"
        with path.open("wb") as f:
            write_mo(f, catalog, use_fuzzy=False)
        with path.open("rb") as f:
            result[lang] = GNUTranslations(f)
    return result


# --- (a) every message is translated --------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGUAGES)
def test_catalogue_translates_every_message(
    lang: str, template: Catalog, catalogues: dict[str, Catalog]
) -> None:
    catalog = catalogues[lang]
    assert not catalog.fuzzy, f"{lang}: the catalogue header is marked fuzzy; {FIX}"
    missing: set[MessageId] = set()
    fuzzy: set[MessageId] = set()
    empty: set[MessageId] = set()
    for wanted in template:
        if not wanted.id:
            continue
        message = catalog.get(wanted.id)
        if message is None or key(message) != key(wanted):  # absent, or singular/plural changed
            missing.add(key(wanted))
        elif message.fuzzy:
            fuzzy.add(key(wanted))
        elif len(forms(message)) != (catalog.num_plurals if message.pluralizable else 1) or not all(
            s.strip() for s in forms(message)
        ):
            empty.add(key(wanted))
    problems = [
        f"{what}:\n{shown(found)}"
        for what, found in (
            ("not in the catalogue", missing),
            ("fuzzy (unchecked) translations", fuzzy),
            ("untranslated, or plural forms missing", empty),
        )
        if found
    ]
    assert not problems, f"{lang} catalogue:\n" + "\n".join(problems) + f"\n{FIX}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_catalogue_has_no_stale_messages(
    lang: str, template: Catalog, catalogues: dict[str, Catalog]
) -> None:
    stale = ids(catalogues[lang]) - ids(template)
    assert not stale, f"{lang}: messages no longer in messages.pot:\n{shown(stale)}\n{FIX}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_translations_keep_the_placeholders(lang: str, catalogues: dict[str, Catalog]) -> None:
    wrong = []
    for message in catalogues[lang]:
        if not message.id:
            continue
        source = message.id if isinstance(message.id, str) else message.id[-1]
        # A singular msgid may leave the number out; the plural one names every placeholder.
        expected = placeholders(source)
        if not isinstance(message.id, str):
            expected = (expected[0] | placeholders(message.id[0])[0], expected[1])
        for i, text in enumerate(forms(message)):
            if text and placeholders(text) != expected:
                wrong.append(f"  {message.id!r} [{i}]: {text!r}")
    assert not wrong, f"{lang}: placeholders differ from the English ones:\n" + "\n".join(wrong)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_catalogue_plural_rule_and_babel_checks(lang: str, catalogues: dict[str, Catalog]) -> None:
    catalog = catalogues[lang]
    assert catalog.plural_forms == PLURAL_FORMS[lang]
    problems = [f"  {m.id!r}: {errors}" for m, errors in catalog.check()]
    assert not problems, f"{lang}:\n" + "\n".join(problems)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_compiled_catalogue_translates_and_pluralises(
    lang: str, compiled: dict[str, GNUTranslations]
) -> None:
    translations = compiled[lang]
    assert translations.gettext("Sign in") != "Sign in"

    def days(n: int) -> str:
        return translations.ngettext(
            "day left in your free trial", "days left in your free trial", n
        )

    assert "free trial" not in days(1) and "free trial" not in days(5)
    if lang == "ru":  # 1 день, 2 дня, 5 дней, 11 дней, 21 день, 22 дня
        assert days(1) == days(21) == days(101)
        assert days(2) == days(4) == days(22) == days(104)
        assert days(5) == days(11) == days(12) == days(14) == days(111)
        assert len({days(1), days(2), days(5)}) == 3


@pytest.mark.parametrize("lang", LANGUAGES)
def test_built_catalogue_matches_the_po_file(
    lang: str, compiled: dict[str, GNUTranslations]
) -> None:
    """The app reads the .mo that `make translations` builds; it must not lag the .po."""
    mo = TRANSLATIONS / lang / "LC_MESSAGES" / "messages.mo"
    assert mo.exists(), f"{mo.relative_to(ROOT)} is missing: run `make translations`"
    with mo.open("rb") as f:
        built = GNUTranslations(f)
    fresh = compiled[lang]

    def messages(t: GNUTranslations) -> dict[object, str]:
        catalog: dict[object, str] = t._catalog  # type: ignore[attr-defined]
        return {k: v for k, v in catalog.items() if k != ""}  # "" is the header: dates

    def plural_rule(t: GNUTranslations) -> list[int]:
        return [t.plural(n) for n in range(200)]  # type: ignore[attr-defined]

    assert messages(built) == messages(fresh) and plural_rule(built) == plural_rule(fresh), (
        f"{mo.relative_to(ROOT)} is out of date with its .po file: run `make translations`"
    )


# --- (b) messages.pot is current with the code ----------------------------------------------------


def test_message_template_is_current_with_the_code(template: Catalog, tmp_path: Path) -> None:
    """Extract like `make i18n-extract` does and compare the message ids with messages.pot."""
    fresh = tmp_path / "messages.pot"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "--quiet",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-k",
            "lazy_pgettext:1c,2",
            "-o",
            str(fresh),
            "--project",
            "Dala",
            "--copyright-holder",
            "Dala contributors",
            "--no-location",
            "dala",
            "admin_portal",
            "plugins",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    extracted = ids(load(fresh))
    added = extracted - ids(template)
    removed = ids(template) - extracted
    assert not added and not removed, (
        "dala/translations/messages.pot is out of date with the code.\n"
        f"New or changed strings in the code:\n{shown(added)}\n"
        f"Strings no longer in the code:\n{shown(removed)}\n{FIX}"
    )


def test_gettext_is_only_called_with_literal_strings() -> None:
    """`_(SOME_CONSTANT)` is never extracted, so it would silently stay in English."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in GETTEXT_FUNCTIONS
            ):
                literal = [
                    isinstance(a, ast.Constant) and isinstance(a.value, str)
                    for a in node.args[: 2 if node.func.id in {"ngettext", "lazy_ngettext"} else 1]
                ]
                if not literal or not all(literal):
                    found.append(f"  {path.relative_to(ROOT)}:{node.lineno}: {ast.unparse(node)}")
    assert not found, (
        "Translatable strings must be literals inside the gettext call "
        "(wrap the literal where it is defined):\n" + "\n".join(found)
    )


# --- (c) the app answers in the request's and the user's language ---------------------------------


@pytest.mark.parametrize("lang", LANGUAGES)
def test_api_errors_follow_accept_language(
    lang: str, client: FlaskClient, world: World, compiled: dict[str, GNUTranslations]
) -> None:
    english = "Invalid company, e-mail or password."
    expected = compiled[lang].gettext(english)
    assert expected != english
    r = client.post(
        f"{API}/auth/token",
        json={"tenant": world.a.slug, "email": world.a["owner"].email, "password": PASSWORD + "x"},
        headers={"Accept-Language": lang},
    )
    assert r.status_code == 401
    assert r.json is not None
    assert r.json["message"] == expected, "is the .mo current? run `make translations`"

    r = client.post(
        f"{API}/auth/token",
        json={"tenant": world.a.slug, "email": world.a["owner"].email, "password": PASSWORD + "y"},
        headers={"Accept-Language": "en"},
    )
    assert r.status_code == 401 and r.json is not None and r.json["message"] == english


@pytest.mark.parametrize("lang", LANGUAGES)
def test_field_validation_messages_follow_accept_language(
    lang: str, client: FlaskClient, world: World, compiled: dict[str, GNUTranslations]
) -> None:
    """marshmallow answers in English; the API body carries the translation."""
    tr = compiled[lang]
    r = call(
        client,
        "POST",
        f"{API}/branches",
        world.a["owner"],
        json={"timezone": "Asia/Almaty", "colour": "red", "address": "x" * 600},
        headers={"Accept-Language": lang},
    )
    assert r.status_code == 422
    fields = r.json["errors"]["json"]
    assert fields["name"] == [tr.gettext("This field is required.")]
    assert fields["colour"] == [tr.gettext("Unknown field.")]
    assert fields["address"] == [
        tr.gettext("Longer than the maximum length %(max)s.") % {"max": 500}
    ]
    assert r.json["message"].startswith(tr.gettext("Invalid input: %(fields)s").split("%")[0])


def test_invitation_mail_is_in_the_invitees_language(
    client: FlaskClient, world: World, mailbox: Mailbox, compiled: dict[str, GNUTranslations]
) -> None:
    email = f"ru-{uuid.uuid4().hex[:6]}@example.com"
    r = call(
        client,
        "POST",
        f"{API}/users",
        world.a["owner"],
        json={"email": email, "name": "Ольга", "locale": "ru"},
    )
    assert r.status_code == 201
    subject = str(mailbox.to(email)[-1]["Subject"])
    assert any("\u0400" <= ch <= "\u04ff" for ch in subject), subject
    translated = compiled["ru"].gettext("You are invited to %(company)s on Dala")
    assert subject.startswith(translated.split("%(company)s")[0]), subject


def test_placeholder_parser() -> None:
    assert placeholders("%(a)s and %(b)d, 100%% sure, %s %.2f") == (
        frozenset({"%(a)s", "%(b)d"}),
        ("%s", "%f"),
    )
    assert placeholders("%(name)s")[0] != placeholders("%(nam)s")[0]
