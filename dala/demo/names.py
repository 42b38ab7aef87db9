"""People, companies and addresses of the demo: Kazakh and Russian names, real streets.

Every street carries the rough line it runs along (two points), so a made-up house
number lands near where that street really is; coordinates are clamped to the city.
"""

# The texts are Russian: short Cyrillic words are not look-alike Latin letters.
# ruff: noqa: RUF001

from __future__ import annotations

import random
from dataclasses import dataclass

# --- cities ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class City:
    key: str
    name: str  # as written in an address
    # (south, north, west, east): every demo coordinate of the city lies inside.
    bounds: tuple[float, float, float, float]
    # (name, lat0, lon0, lat1, lon1): a street and the line it roughly follows.
    streets: tuple[tuple[str, float, float, float, float], ...]
    # (name, lat, lon): a microdistrict and its centre (addresses "мкр. Самал-2, д. 5").
    districts: tuple[tuple[str, float, float], ...] = ()


ALMATY = City(
    key="almaty",
    name="Алматы",
    bounds=(43.20, 43.30, 76.85, 77.00),
    streets=(
        ("пр. Абая", 43.2405, 76.870, 43.2425, 76.950),
        ("пр. Достык", 43.2620, 76.957, 43.2160, 76.962),
        ("пр. Аль-Фараби", 43.2170, 76.880, 43.2260, 76.975),
        ("ул. Толе би", 43.2505, 76.860, 43.2545, 76.945),
        ("ул. Розыбакиева", 43.2580, 76.892, 43.2100, 76.897),
        ("ул. Жандосова", 43.2320, 76.860, 43.2370, 76.920),
        ("ул. Тимирязева", 43.2245, 76.890, 43.2265, 76.935),
        ("пр. Сейфуллина", 43.2850, 76.944, 43.2300, 76.948),
        ("ул. Байзакова", 43.2700, 76.913, 43.2220, 76.916),
        ("ул. Ауэзова", 43.2620, 76.904, 43.2220, 76.907),
        ("ул. Богенбай батыра", 43.2565, 76.900, 43.2585, 76.960),
        ("ул. Кабанбай батыра", 43.2525, 76.895, 43.2555, 76.965),
        ("ул. Жибек Жолы", 43.2605, 76.920, 43.2615, 76.960),
        ("ул. Гоголя", 43.2630, 76.890, 43.2640, 76.960),
        ("ул. Макатаева", 43.2665, 76.900, 43.2680, 76.955),
        ("пр. Райымбека", 43.2715, 76.860, 43.2730, 76.960),
        ("ул. Сатпаева", 43.2355, 76.880, 43.2375, 76.950),
        ("ул. Желтоксан", 43.2650, 76.940, 43.2350, 76.942),
        ("ул. Шевченко", 43.2480, 76.890, 43.2500, 76.955),
        ("ул. Навои", 43.2400, 76.874, 43.2060, 76.877),
    ),
    districts=(
        ("мкр. Самал-1", 43.2370, 76.9555),
        ("мкр. Самал-2", 43.2330, 76.9570),
        ("мкр. Коктем-1", 43.2280, 76.9250),
        ("мкр. Коктем-2", 43.2330, 76.9260),
        ("мкр. Орбита-1", 43.2100, 76.8900),
        ("мкр. Аксай-4", 43.2330, 76.8570),
        ("мкр. Мамыр-4", 43.2150, 76.8620),
        ("мкр. Жетысу-2", 43.2300, 76.8700),
        ("мкр. Алмагуль", 43.2140, 76.9060),
        ("мкр. Таугуль", 43.2180, 76.8680),
    ),
)

ASTANA = City(
    key="astana",
    name="Астана",
    bounds=(51.08, 51.20, 71.35, 71.50),
    streets=(
        ("пр. Мангилик Ел", 51.1300, 71.434, 51.0900, 71.420),
        ("пр. Кабанбай батыра", 51.1300, 71.410, 51.0850, 71.405),
        ("пр. Туран", 51.1400, 71.405, 51.0950, 71.395),
        ("ул. Сыганак", 51.1080, 71.405, 51.1040, 71.440),
        ("ул. Сарайшык", 51.1260, 71.420, 51.1230, 71.460),
        ("ул. Керей, Жанибек хандар", 51.1020, 71.430, 51.0970, 71.460),
        ("пр. Улы Дала", 51.1220, 71.370, 51.1180, 71.420),
        ("ул. Кенесары", 51.1650, 71.400, 51.1680, 71.460),
        ("пр. Республики", 51.1520, 71.425, 51.1850, 71.445),
        ("пр. Абая", 51.1620, 71.400, 51.1650, 71.460),
        ("ул. Бейбитшилик", 51.1600, 71.425, 51.1850, 71.430),
        ("пр. Богенбай батыра", 51.1700, 71.390, 51.1750, 71.470),
        ("ул. Сейфуллина", 51.1600, 71.412, 51.1850, 71.415),
        ("пр. Сарыарка", 51.1500, 71.405, 51.1600, 71.420),
        ("ул. Иманова", 51.1600, 71.430, 51.1620, 71.460),
        ("ул. Ауэзова", 51.1650, 71.415, 51.1800, 71.420),
    ),
)

CITIES = {c.key: c for c in (ALMATY, ASTANA)}


def in_bounds(city: City, lat: float, lon: float) -> bool:
    south, north, west, east = city.bounds
    return south <= lat <= north and west <= lon <= east


def _clamp(city: City, lat: float, lon: float) -> tuple[float, float]:
    south, north, west, east = city.bounds
    margin = 0.002
    return (
        round(min(max(lat, south + margin), north - margin), 6),
        round(min(max(lon, west + margin), east - margin), 6),
    )


@dataclass(frozen=True)
class Place:
    address: str
    latitude: float
    longitude: float
    has_flat: bool


def place(rng: random.Random, city: City, *, flat: bool, office: bool = False) -> Place:
    """A real-looking address in ``city``, with coordinates near where its street runs."""
    if city.districts and rng.random() < 0.25:
        name, lat, lon = rng.choice(city.districts)
        lat, lon = lat + rng.uniform(-0.003, 0.003), lon + rng.uniform(-0.003, 0.003)
        where = f"{name}, д. {rng.randint(1, 90)}"
    else:
        name, lat0, lon0, lat1, lon1 = rng.choice(city.streets)
        t = rng.random()
        lat = lat0 + (lat1 - lat0) * t + rng.uniform(-0.0012, 0.0012)
        lon = lon0 + (lon1 - lon0) * t + rng.uniform(-0.0012, 0.0012)
        number = str(rng.randint(1, 240))
        if rng.random() < 0.12:
            number += rng.choice(("А", "Б", "/1", "/2"))
        where = f"{name}, {number}"
    if office:
        where += f", офис {rng.randint(1, 12)}{rng.randint(1, 30):02d}"
    elif flat:
        where += f", кв. {rng.randint(1, 180)}"
    lat, lon = _clamp(city, lat, lon)
    return Place(f"г. {city.name}, {where}", lat, lon, flat or office)


# --- names ----------------------------------------------------------------------------------

KAZAKH_MALE = (
    "Айдар", "Арман", "Ержан", "Нурлан", "Бауыржан", "Данияр", "Ерлан", "Асхат", "Дастан",
    "Мирас", "Алибек", "Канат", "Болат", "Серик", "Талгат", "Жандос", "Санжар", "Марат",
    "Ерболат", "Азамат", "Еркебулан", "Темирлан",
)  # fmt: skip
KAZAKH_FEMALE = (
    "Айгерим", "Динара", "Асель", "Жанна", "Гульнара", "Мадина", "Сауле", "Алия", "Камила",
    "Айжан", "Дана", "Жулдыз", "Томирис", "Салтанат", "Индира", "Гульмира", "Меруерт", "Акмарал",
)  # fmt: skip
# The masculine form; the feminine one adds a letter (Нурланов, Нурланова).
KAZAKH_SURNAMES = (
    "Нурланов", "Жумабаев", "Ахметов", "Касымов", "Омаров", "Садыков", "Абенов", "Тулеуов",
    "Искаков", "Бекмаганбетов", "Мукашев", "Есенов", "Сагинтаев", "Кенжебаев", "Байжанов",
    "Утегенов", "Нуржанов", "Султанов", "Иманбаев", "Жаксылыков", "Мусин", "Серикбаев",
)  # fmt: skip
# Surnames that do not change with gender.
KAZAKH_INVARIANT = ("Сейткали", "Толеген", "Нурмагамбет", "Абдрахман")
RUSSIAN_MALE = (
    "Сергей", "Андрей", "Алексей", "Дмитрий", "Михаил", "Владимир", "Николай", "Евгений",
    "Игорь", "Олег", "Виктор", "Павел", "Константин", "Артём",
)  # fmt: skip
RUSSIAN_FEMALE = (
    "Елена", "Ольга", "Наталья", "Татьяна", "Ирина", "Светлана", "Анна", "Мария", "Юлия",
    "Екатерина", "Людмила", "Галина", "Виктория", "Оксана",
)  # fmt: skip
RUSSIAN_SURNAMES = (
    "Иванов", "Петров", "Смирнов", "Кузнецов", "Попов", "Соколов", "Волков", "Морозов",
    "Новиков", "Фёдоров", "Михайлов", "Козлов", "Лебедев", "Егоров", "Павлов", "Семёнов",
    "Голубев", "Виноградов", "Богданов", "Орлов",
)  # fmt: skip
RUSSIAN_INVARIANT = ("Ким", "Ли", "Пак", "Цой", "Шевченко", "Ткаченко", "Бондаренко")

COMPANIES = (
    'ТОО "Алатау Трейд"', 'ТОО "Береке Логистик"', 'ТОО "Дала Строй"', 'ТОО "Сункар Девелопмент"',
    'ТОО "Нур Медиа"', 'ТОО "Казахстан Агро Снаб"', 'Кафе "Жибек Жолы"', 'Кофейня "Бариста"',
    'Ресторан "Дастархан"', 'Пекарня "Нан"', 'Кафе "Самса Хаус"', 'Стоматология "Ақ Тіс"',
    'Аптека "Шипагер"', 'Фитнес-клуб "Арна"', 'Гостиница "Есиль"', 'Детский сад "Балапан"',
    'Салон красоты "Арай"', 'Супермаркет "Береке"', 'Автосервис "Тулпар"', 'Минимаркет "Достар"',
    'ИП "Сейткали"', 'Бизнес-центр "Кайрат"', 'Школа английского "Bright"', 'Клиника "Шифа"',
    'ТОО "Алем Фуд"', 'Ресторан "Көкжиек"', 'Кафе "Томирис"', 'ТОО "Есиль Пласт"',
    'Химчистка "Таза"', 'Офис "Sapa Consulting"',
)  # fmt: skip

# E-mail addresses are made of names: Cyrillic (Kazakh letters included) to Latin.
_LATIN = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z",
    "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh",
    "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya", "ә": "a", "ғ": "g",
    "қ": "k", "ң": "n", "ө": "o", "ұ": "u", "ү": "u", "һ": "h", "і": "i",
}  # fmt: skip


def latin(text: str) -> str:
    out = []
    for ch in text.lower():
        if ch in _LATIN:
            out.append(_LATIN[ch])
        elif ch.isascii() and ch.isalnum():
            out.append(ch)
    return "".join(out)


MAIL_DOMAINS = ("mail.ru", "gmail.com", "mail.kz", "inbox.kz", "yandex.kz", "bk.ru")
# Mobile prefixes of Kazakh operators (Beeline, Kcell, Activ, Tele2, Altel).
MOBILE_CODES = ("700", "701", "702", "705", "707", "708", "747", "771", "775", "776", "777", "778")


@dataclass(frozen=True)
class Person:
    first: str
    last: str
    kazakh: bool

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"


def person(rng: random.Random) -> Person:
    """A Kazakh (a little more often) or a Russian name, the surname agreeing in gender."""
    kazakh = rng.random() < 0.58
    female = rng.random() < 0.5
    if kazakh:
        first = rng.choice(KAZAKH_FEMALE if female else KAZAKH_MALE)
        if rng.random() < 0.12:
            return Person(first, rng.choice(KAZAKH_INVARIANT), True)
        last = rng.choice(KAZAKH_SURNAMES)
    else:
        first = rng.choice(RUSSIAN_FEMALE if female else RUSSIAN_MALE)
        if rng.random() < 0.2:
            return Person(first, rng.choice(RUSSIAN_INVARIANT), False)
        last = rng.choice(RUSSIAN_SURNAMES)
    return Person(first, last + "а" if female else last, kazakh)


def phone(rng: random.Random, taken: set[str]) -> str:
    """A Kazakh mobile number, +7 7xx xxx xx xx, not given out before."""
    while True:
        digits = f"{rng.randint(0, 9_999_999):07d}"
        number = f"+7 {rng.choice(MOBILE_CODES)} {digits[:3]} {digits[3:5]} {digits[5:]}"
        if number not in taken:
            taken.add(number)
            return number


def email(rng: random.Random, who: Person, taken: set[str]) -> str:
    base = f"{latin(who.first)}.{latin(who.last)}"
    if rng.random() < 0.4:
        base = f"{latin(who.last)}{rng.randint(70, 99)}"
    address = f"{base}@{rng.choice(MAIL_DOMAINS)}"
    while address in taken:
        address = f"{base}{rng.randint(1, 99)}@{rng.choice(MAIL_DOMAINS)}"
    taken.add(address)
    return address


PERSON_NOTES = (
    "Постоянный клиент, скидка 10%",
    "Звонить после 10:00",
    "Просит предупреждать о приезде за час",
    "Сплит-система LG, 2 блока",
    "Кондиционер Daikin в спальне, гарантия до конца года",
    "Во дворе собака, позвонить у ворот",
    "Оплата картой или Kaspi-переводом",
    "Пожилой клиент, говорить громче и объяснять подробно",
    "Предпочитает общение на казахском",
    "Ранее жаловался на опоздание мастера",
)
COMPANY_NOTES = (
    "Договор на обслуживание, оплата по безналу",
    "Договор ТО: кондиционеры раз в квартал",
    "Счёт-фактура на ТОО, акт выполненных работ обязательно",
    "Работы только до открытия или после закрытия зала",
    "Пропуск заказывать накануне у охраны",
    "Холодильные витрины Carrier, 4 шт.",
)
ACCESS_NOTES = (
    "Домофон {n}, {floor} этаж",
    "Код подъезда {code}#, {floor} этаж, лифт работает",
    "Въезд со двора, на шлагбауме назвать номер заявки",
    "Ключ у консьержа, предупредить заранее",
    "Позвонить за 30 минут до приезда",
    "Парковка у здания платная, лучше во дворе",
    "Вход через служебную дверь с торца здания",
    "Частный дом, звонок у калитки",
)


def access_note(rng: random.Random) -> str:
    return rng.choice(ACCESS_NOTES).format(
        n=rng.randint(1, 160), floor=rng.randint(2, 16), code=rng.randint(1000, 9999)
    )
