"""What the demo company is made of: its branches, people, skills and kinds of work."""

# The texts are Russian: short Cyrillic words are not look-alike Latin letters.
# ruff: noqa: RUF001

from __future__ import annotations

from dataclasses import dataclass

COMPANY_NAME = "Almaty Climate Service"
CONTRACT_TAG = "договор ТО"  # a company with a maintenance contract

# Kazakhstan keeps one time zone (UTC+5 since 1 March 2024); tzdata has no Asia/Astana:
# Asia/Almaty is "most of Kazakhstan", Astana included.
BRANCHES = {
    "almaty": ("Almaty", "Asia/Almaty", "г. Алматы, пр. Абая, 52, офис 304"),
    "astana": ("Astana", "Asia/Almaty", "г. Астана, пр. Мангилик Ел, 55/8, офис 12"),
}

# key -> (name, description)
SKILLS = {
    "hvac": ("Кондиционеры и вентиляция", "HVAC: сплит-системы, VRF, приточная вентиляция"),
    "electrical": ("Электрика", "Электромонтаж, щиты, проверка проводки и заземления"),
    "plumbing": ("Сантехника", "Водоснабжение, отопление, котлы и водонагреватели"),
    "refrigeration": ("Холодильное оборудование", "Бытовые холодильники, витрины, камеры"),
}


@dataclass(frozen=True)
class JobKind:
    key: str
    name: str
    minutes: int
    skills: tuple[tuple[str, int], ...]  # (skill key, minimum level)
    checklist: tuple[str, ...]
    problems: tuple[str, ...]  # what customers say when they call
    weight: int  # how often it is asked for
    emergencies: tuple[str, ...] = ()  # the calls that make it an emergency call-out
    crew: bool = False  # often done by two technicians

    @property
    def urgent(self) -> bool:
        return bool(self.emergencies)


JOB_KINDS = (
    JobKind(
        "ac_install",
        "Установка кондиционера",
        180,
        (("hvac", 3),),
        (
            "Согласовать с клиентом места внутреннего и наружного блоков",
            "Закрепить блоки и проложить трассу",
            "Вакуумировать систему и проверить на утечки",
            "Проверить охлаждение и обогрев во всех режимах",
            "Показать клиенту управление и подписать акт",
        ),
        (
            "Новая сплит-система, 12 000 BTU, в спальню",
            "Две сплит-системы в квартиру после ремонта",
            "Перенос кондиционера из старой квартиры",
            "Установка кондиционера в серверную",
        ),
        weight=10,
        crew=True,
    ),
    JobKind(
        "ac_service",
        "Обслуживание кондиционера",
        60,
        (("hvac", 1),),
        (
            "Очистить фильтры и теплообменник",
            "Промыть дренаж",
            "Проверить давление фреона",
            "Замерить температуру воздуха на выходе",
        ),
        (
            "Сезонное обслуживание перед летом",
            "Неприятный запах при включении",
            "Плановое ТО по договору",
            "Кондиционер стал хуже охлаждать",
        ),
        weight=26,
    ),
    JobKind(
        "ac_repair",
        "Ремонт кондиционера",
        120,
        (("hvac", 3),),
        (
            "Провести диагностику и найти неисправность",
            "Согласовать стоимость ремонта с клиентом",
            "Заменить или отремонтировать узел",
            "Проверить работу во всех режимах",
        ),
        (
            "Кондиционер не охлаждает, течёт вода из внутреннего блока",
            "Наружный блок сильно шумит",
            "Не включается, мигает индикатор",
            "Кондиционер в серверной остановился",
        ),
        weight=16,
        emergencies=("Кондиционер в серверной остановился, температура растёт",),
    ),
    JobKind(
        "fridge_repair",
        "Ремонт холодильника",
        90,
        (("refrigeration", 2),),
        (
            "Проверить компрессор и термостат",
            "Проверить уплотнитель двери",
            "Заменить неисправную деталь",
            "Проверить температуру в камерах через 30 минут",
        ),
        (
            "Холодильник не морозит, компрессор работает",
            "Морозильная камера обмерзает",
            "Холодильник сильно гудит",
            "Течёт вода под холодильником",
        ),
        weight=12,
        emergencies=("Холодильник в кафе не держит температуру, продукты портятся",),
    ),
    JobKind(
        "showcase_service",
        "Обслуживание холодильной витрины",
        120,
        (("refrigeration", 3),),
        (
            "Очистить конденсатор и испаритель",
            "Проверить давление и заправку хладагента",
            "Проверить работу вентиляторов и оттайки",
            "Записать температуры в журнал клиента",
        ),
        (
            "Плановое ТО витрин",
            "Витрина не держит температуру",
            "Холодильная камера: сработала авария",
        ),
        weight=7,
    ),
    JobKind(
        "wiring_check",
        "Проверка электропроводки",
        90,
        (("electrical", 2),),
        (
            "Осмотреть щиток и автоматы",
            "Замерить сопротивление изоляции",
            "Проверить заземление и УЗО",
            "Составить отчёт о состоянии проводки",
        ),
        (
            "Выбивает автомат при включении чайника",
            "Проверка перед установкой кондиционера",
            "Искрит розетка на кухне",
            "Запах гари в щитке",
        ),
        weight=10,
        emergencies=("Запах гари в щитке", "Искрит розетка на кухне"),
    ),
    JobKind(
        "panel_install",
        "Монтаж электрощита",
        240,
        (("electrical", 4),),
        (
            "Согласовать схему щита с клиентом",
            "Смонтировать щит и автоматы",
            "Подключить и промаркировать линии",
            "Проверить УЗО и замерить сопротивление изоляции",
            "Передать схему и подписать акт",
        ),
        (
            "Замена старого щита на новый с УЗО",
            "Новый щит для кухни кафе",
        ),
        weight=4,
        crew=True,
    ),
    JobKind(
        "boiler_service",
        "Обслуживание котла",
        90,
        (("plumbing", 2),),
        (
            "Проверить давление в системе отопления",
            "Очистить горелку и теплообменник",
            "Проверить дымоход и тягу",
            "Проверить автоматику безопасности",
        ),
        (
            "Подготовка котла к отопительному сезону",
            "Котёл не разжигается",
            "Падает давление в системе",
        ),
        weight=8,
    ),
    JobKind(
        "leak_repair",
        "Устранение протечки",
        60,
        (("plumbing", 1),),
        (
            "Найти место протечки",
            "Перекрыть воду и заменить прокладку или участок трубы",
            "Проверить соединения под давлением",
            "Убрать рабочее место",
        ),
        (
            "Течёт под раковиной на кухне",
            "Капает со стояка, соседи снизу жалуются",
            "Протекает гибкая подводка к смесителю",
            "Течь из-под ванны",
        ),
        weight=14,
        emergencies=("Прорвало трубу, заливает соседей", "Капает со стояка, соседи снизу жалуются"),
    ),
    JobKind(
        "heater_install",
        "Установка водонагревателя",
        150,
        (("plumbing", 3), ("electrical", 2)),
        (
            "Закрепить бак и подключить воду",
            "Установить предохранительный клапан",
            "Подключить электропитание через отдельный автомат",
            "Проверить нагрев и отсутствие протечек",
        ),
        (
            "Бойлер Ariston на 80 литров",
            "Замена старого водонагревателя",
        ),
        weight=5,
    ),
)


DOMAIN = "demo.example.com"


@dataclass(frozen=True)
class Staff:
    role: str
    login: str  # the e-mail address before @demo.example.com
    name: str
    branch: str | None  # branch key, or None for tenant-wide roles

    @property
    def email(self) -> str:
        return f"{self.login}@{DOMAIN}"


STAFF = (
    Staff("owner", "owner", "Айгерим Садыкова", None),
    Staff("admin", "admin", "Данияр Омаров", None),
    Staff("branch_admin", "almaty.admin", "Елена Ким", "almaty"),
    Staff("dispatcher", "dispatch", "Мадина Нурланова", "almaty"),
    Staff("dispatcher", "astana.dispatch", "Ольга Смирнова", "astana"),
    Staff("viewer", "viewer", "Нурлан Абенов", None),
)


@dataclass(frozen=True)
class Tech:
    login: str
    name: str
    branch: str
    saturdays: bool  # works short Saturdays too
    skills: tuple[tuple[str, int], ...]  # (skill key, level 1..5)

    @property
    def email(self) -> str:
        return f"{self.login}@{DOMAIN}"


TECHS = (
    Tech("arman", "Арман Беков", "almaty", True, (("hvac", 5), ("refrigeration", 3))),
    Tech("erzhan", "Ержан Касымов", "almaty", False, (("hvac", 4), ("electrical", 2))),
    Tech("dmitry", "Дмитрий Петренко", "almaty", False, (("electrical", 5), ("hvac", 2))),
    Tech("baurzhan", "Бауыржан Жумабаев", "almaty", True, (("plumbing", 4), ("electrical", 2))),
    Tech("alexey", "Алексей Ли", "almaty", False, (("refrigeration", 5), ("hvac", 3))),
    Tech("timur", "Тимур Сагинтаев", "almaty", True, (("hvac", 2), ("plumbing", 2))),
    Tech("ruslan", "Руслан Ахметов", "almaty", False, (("plumbing", 5), ("hvac", 1))),
    Tech("sergey", "Сергей Волков", "astana", True, (("hvac", 5), ("electrical", 3))),
    Tech("azamat", "Азамат Тулеуов", "astana", False, (("plumbing", 4), ("refrigeration", 2))),
    Tech("maxim", "Максим Козлов", "astana", True, (("electrical", 4), ("hvac", 2))),
    Tech("ilyas", "Ильяс Нургалиев", "astana", False, (("refrigeration", 4), ("hvac", 3))),
    Tech(
        "viktor",
        "Виктор Шевченко",
        "astana",
        False,
        (("plumbing", 3), ("electrical", 3), ("hvac", 1)),
    ),
)

# (technician login, first day, last day relative to the seeding day, reason, note);
# the days are whole days in the branch's time zone.
TIME_OFF = (
    ("alexey", 3, 7, "vacation", "Ежегодный отпуск"),
    ("timur", -9, -8, "sick", "Больничный лист"),
    ("maxim", 2, 2, "training", "Обучение: монтаж щитов ABB"),
    ("azamat", -4, -4, "other", "Семейные обстоятельства"),
    ("erzhan", 10, 11, "vacation", "Отгулы за работу в выходные"),
)

# Working days: Monday to Friday 09:00-18:00 with lunch 13:00-14:00, some Saturdays short.
WEEKDAY_HOURS = (("09:00", "13:00"), ("14:00", "18:00"))
SATURDAY_HOURS = (("10:00", "15:00"),)


def working_hours(saturdays: bool) -> list[dict[str, object]]:
    hours: list[dict[str, object]] = [
        {"weekday": day, "start": start, "end": end}
        for day in range(5)
        for start, end in WEEKDAY_HOURS
    ]
    if saturdays:
        hours += [{"weekday": 5, "start": start, "end": end} for start, end in SATURDAY_HOURS]
    return hours
