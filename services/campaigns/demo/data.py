"""The campaigns demo data set: Arabic initiatives of the sector on every axis for the
demo organizations of the three countries (MISSION.md sources 000–004), KPIs and reports.

Dates are offsets from the loading day, so some milestones are always overdue.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class DemoMilestone:
    title_ar: str
    due_in_days: int  # negative: in the past
    weight: int
    done: bool = False


@dataclass(frozen=True)
class DemoInitiative:
    code: str
    organization: str
    axis: str
    title_ar: str
    title_en: str
    starts_in_days: int
    lasts_days: int
    status: str
    budget: int
    currency: str = "SAR"
    parent: str | None = None
    partners: tuple[str, ...] = ()
    published: bool = True
    beneficiaries: tuple[tuple[str, int, int, str | None], ...] = ()  # org, target, actual, seg
    milestones: tuple[DemoMilestone, ...] = field(default_factory=tuple)
    description_ar: str | None = None


M = DemoMilestone
STANDARD = (
    M("اعتماد خطة التنفيذ", -150, 15, True),
    M("إطلاق المرحلة الأولى", -60, 35, True),
    M("تقييم منتصف المدة", -10, 20),
    M("استكمال التنفيذ ورفع التقرير الختامي", 120, 30),
)
EARLY = (
    M("دراسة الاحتياج وتحديد الفئات المستهدفة", -20, 25, True),
    M("إعداد المحتوى والمواد التوعوية", 30, 25),
    M("التنفيذ الميداني", 90, 50),
)

INITIATIVES: tuple[DemoInitiative, ...] = (
    # Saudi Arabia: a ministry programme and the amanat's initiatives under it
    DemoInitiative(
        "MOMRAH-QOL-2027",
        "MOMRAH",
        "process_improvement",
        "برنامج تحسين المشهد الحضري وجودة الحياة في المدن",
        "Urban landscape and quality of life programme",
        -200,
        540,
        "in_progress",
        25_000_000,
        milestones=(M("اعتماد البرنامج ومؤشراته", -190, 10, True),),
        description_ar="برنامج وطني تتفرع منه مبادرات الأمانات والبلديات.",
    ),
    DemoInitiative(
        "RIYADH-FOOD-SAFETY",
        "RIYADH",
        "health_awareness",
        "مبادرة التوعية بسلامة الغذاء في المطاعم والأسواق",
        "Food safety awareness in restaurants and markets",
        -180,
        365,
        "in_progress",
        1_500_000,
        parent="MOMRAH-QOL-2027",
        partners=("DIRIYAH", "ALKHARJ"),
        beneficiaries=(("RIYADH", 40_000, 26_500, None), ("DIRIYAH", 8_000, 5_100, "families")),
        milestones=STANDARD,
    ),
    DemoInitiative(
        "RIYADH-SOLAR-LIGHTS",
        "RIYADH",
        "infrastructure",
        "مبادرة إنارة الشوارع بالطاقة الشمسية",
        "Solar street lighting",
        -90,
        300,
        "in_progress",
        9_800_000,
        parent="MOMRAH-QOL-2027",
        beneficiaries=(("RIYADH", 120_000, 30_000, None),),
        milestones=STANDARD,
    ),
    DemoInitiative(
        "DIRIYAH-SOLAR-LIGHTS",
        "DIRIYAH",
        "infrastructure",
        "مبادره انارة الشوارع بالطاقه الشمسيه في الدرعية",
        "Solar street lighting in Diriyah",
        -30,
        240,
        "approved",
        2_100_000,
        milestones=EARLY,
    ),
    DemoInitiative(
        "ALKHARJ-BALADY",
        "ALKHARJ",
        "e_services",
        "مبادرة التحول إلى خدمات بلدي الإلكترونية للرخص التجارية",
        "Commercial licences on the Balady e-services",
        -120,
        300,
        "in_progress",
        650_000,
        beneficiaries=(("ALKHARJ", 6_000, 4_200, "businesses"),),
        milestones=STANDARD,
    ),
    DemoInitiative(
        "EASTERN-INSPECT",
        "EASTERN",
        "inspection",
        "مبادرة الرقابة الاستباقية على المنشآت الغذائية",
        "Proactive inspection of food establishments",
        -150,
        400,
        "in_progress",
        3_200_000,
        parent="MOMRAH-QOL-2027",
        partners=("ALAHSA", "QATIF"),
        beneficiaries=(("ALAHSA", 2_500, 1_900, None), ("QATIF", 1_800, 700, None)),
        milestones=STANDARD,
    ),
    DemoInitiative(
        "ALAHSA-MAJLIS",
        "ALAHSA",
        "interactive_services",
        "مبادرة المجلس البلدي المفتوح للتواصل مع الأهالي",
        "Open municipal majlis with residents",
        -60,
        200,
        "in_progress",
        180_000,
        beneficiaries=(("ALAHSA", 3_000, 1_250, "youth"),),
        milestones=EARLY,
    ),
    DemoInitiative(
        "QATIF-FLOOD-DRAINS",
        "QATIF",
        "infrastructure",
        "مبادرة تطوير شبكات تصريف مياه الأمطار",
        "Rainwater drainage upgrade",
        30,
        365,
        "proposed",
        7_400_000,
        published=False,
        milestones=(M("طرح المنافسة", 60, 30), M("ترسية العقد", 120, 20), M("التنفيذ", 360, 50)),
    ),
    # Bahrain
    DemoInitiative(
        "BH-CAPITAL-SMART",
        "BH-CAPITAL",
        "e_services",
        "مبادرة خدمات المحافظة الذكية عبر التطبيق",
        "Smart governorate services on the app",
        -100,
        300,
        "in_progress",
        420_000,
        currency="BHD",
        beneficiaries=(("BH-CAPITAL", 25_000, 14_800, None),),
        milestones=STANDARD,
    ),
    DemoInitiative(
        "BH-CAPITAL-HEALTH",
        "BH-CAPITAL",
        "health_awareness",
        "حملة التوعية الصحية في المجالس الرمضانية",
        "Health awareness in Ramadan majlises",
        -40,
        120,
        "approved",
        35_000,
        currency="BHD",
        beneficiaries=(("BH-CAPITAL", 5_000, 900, "families"),),
        milestones=EARLY,
    ),
    # Iraq
    DemoInitiative(
        "IQ-MUNICIPAL-EGOV",
        "IQ-MOCHPM",
        "process_improvement",
        "برنامج تبسيط إجراءات إجازات البناء",
        "Simplifying building permits",
        -210,
        500,
        "in_progress",
        2_500_000_000,
        currency="IQD",
        milestones=STANDARD,
    ),
    DemoInitiative(
        "IQ-KARBALA-VISITORS",
        "IQ-KARBALA",
        "infrastructure",
        "مبادرة تأهيل الطرق المؤدية للمراقد لاستقبال الزائرين",
        "Roads to the shrines for visitors",
        -80,
        260,
        "on_hold",
        9_000_000_000,
        currency="IQD",
        parent="IQ-MUNICIPAL-EGOV",
        beneficiaries=(("IQ-KARBALA", 1_000_000, 350_000, "visitors"),),
        milestones=STANDARD,
    ),
)


@dataclass(frozen=True)
class DemoKpi:
    code: str
    organization: str
    name_ar: str
    name_en: str
    unit: str
    direction: str
    aggregation: str
    axis: str
    reporters: tuple[str, ...]  # organizations that report monthly values
    base: float  # a reporter's typical monthly figure
    target: float
    amber_at: float
    initiative: str | None = None


KPIS: tuple[DemoKpi, ...] = (
    DemoKpi(
        "E-SERVICES-SHARE",
        "MOMRAH",
        "نسبة المعاملات المنجزة إلكترونياً",
        "Share of transactions completed online",
        "percent",
        "up",
        "avg",
        "e_services",
        ("RIYADH", "EASTERN", "ALAHSA", "QATIF", "DIRIYAH", "ALKHARJ"),
        64,
        70,
        62,
    ),
    DemoKpi(
        "FOOD-INSPECTIONS",
        "MOMRAH",
        "عدد الزيارات الرقابية على المنشآت الغذائية",
        "Inspections of food establishments",
        "count",
        "up",
        "sum",
        "inspection",
        ("RIYADH", "EASTERN", "ALAHSA", "QATIF"),
        420,
        400,
        340,
        initiative="EASTERN-INSPECT",
    ),
    DemoKpi(
        "PERMIT-DAYS",
        "MOMRAH",
        "متوسط مدة إصدار رخصة البناء (أيام)",
        "Average days to issue a building permit",
        "days",
        "down",
        "avg",
        "process_improvement",
        ("RIYADH", "EASTERN", "DIRIYAH", "ALKHARJ"),
        16,
        14,
        18,
    ),
    DemoKpi(
        "AWARENESS-REACH",
        "RIYADH",
        "عدد المستفيدين من حملات التوعية الصحية",
        "People reached by health awareness",
        "people",
        "up",
        "sum",
        "health_awareness",
        ("RIYADH", "DIRIYAH", "ALKHARJ"),
        2400,
        2500,
        2000,
        initiative="RIYADH-FOOD-SAFETY",
    ),
    DemoKpi(
        "APP-SERVICES",
        "BH-CAPITAL",
        "عدد الخدمات المتاحة عبر التطبيق",
        "Services available on the app",
        "count",
        "up",
        "last",
        "e_services",
        ("BH-CAPITAL",),
        18,
        24,
        20,
        initiative="BH-CAPITAL-SMART",
    ),
    DemoKpi(
        "PERMIT-DAYS-IQ",
        "IQ-MOCHPM",
        "متوسط مدة إجازة البناء (أيام)",
        "Average days to a building permit",
        "days",
        "down",
        "avg",
        "process_improvement",
        ("IQ-KARBALA",),
        40,
        30,
        38,
    ),
)

# (organization, kind, title, activities, coverage) of one demo month; filed by the
# organization's staff, some accepted by the level above
REPORTS: tuple[tuple[str, str, str], ...] = (
    ("RIYADH-MEDIA", "activity", "تقرير أنشطة المركز الإعلامي"),
    ("RIYADH-MEDIA", "media_coverage", "تقرير التغطية الإعلامية لأمانة الرياض"),
    ("DIRIYAH", "activity", "تقرير أنشطة بلدية الدرعية"),
    ("EASTERN-PR", "media_coverage", "تقرير الرصد الإعلامي لأمانة الشرقية"),
    ("ALAHSA-MEDIA", "activity", "تقرير أنشطة المركز الإعلامي بالأحساء"),
    ("BH-CAPITAL-MEDIA", "media_coverage", "تقرير التغطية الإعلامية لمحافظة العاصمة"),
    ("IQ-MOCHPM-GCU", "activity", "تقرير أنشطة وحدة الاتصال الحكومي"),
)
ACTIVITIES = (
    ("جولة ميدانية على المطاعم", "field_visit", 350),
    ("لقاء المجلس البلدي مع الأهالي", "majlis", 120),
    ("سلسلة تغريدات توعوية", "x", 48_000),
    ("مقابلة إذاعية مع المتحدث الرسمي", "radio", 90_000),
    ("منشورات توعوية على إنستغرام", "instagram", 32_000),
)
COVERAGE = (
    ("صحيفة الرياض", "positive", 120_000),
    ("قناة الإخبارية", "neutral", 300_000),
    ("صحيفة اليوم", "positive", 80_000),
    ("صحيفة الوطن", "negative", 95_000),
    ("أخبار الخليج", "positive", 60_000),
)


# The key messages library: (organization, code, topic, [versions]); the last version of
# each is approved, the ones before it are retired (every version is kept).
KEY_MESSAGES: tuple[tuple[str, str, str, tuple[tuple[str, str], ...]], ...] = (
    (
        "MOMRAH",
        "FOOD-SAFETY",
        "سلامة الغذاء",
        (
            ("اشترِ من المنشآت المرخّصة.", "Buy from licensed shops."),
            (
                "سلامتك تبدأ من مائدتك: اشترِ من المنشآت المرخّصة وتحقّق من تاريخ الصلاحية.",
                "Your safety starts at your table: buy from licensed shops and check dates.",
            ),
        ),
    ),
    (
        "MOMRAH",
        "RAMADAN-MARKETS",
        "أسواق رمضان",
        (
            (
                "فرق الرقابة البلدية في الأسواق طوال شهر رمضان لخدمتكم.",
                "Municipal inspectors are in the markets all Ramadan long.",
            ),
        ),
    ),
    (
        "EASTERN",
        "FLOOD-SAFETY",
        "السلامة أثناء السيول",
        (
            (
                "ابتعدوا عن مجاري السيول والأنفاق، وأبلغوا عن تجمعات المياه عبر 940.",
                "Keep away from flood channels and tunnels; report standing water on 940.",
            ),
        ),
    ),
    (
        "BH-CAPITAL",
        "SMART-SERVICES",
        "الخدمات الذكية",
        (
            (
                "خدمات المحافظة بين يديك عبر التطبيق على مدار الساعة.",
                "The governorate's services in your hand, day and night.",
            ),
        ),
    ),
)

# The Ramadan awareness campaign of the Riyadh amanah: (channel, first day, last day) of
# Ramadan counted from 1, and the key messages it cites (organization, code).
RAMADAN_CAMPAIGN: dict[str, Any] = {
    "code": "RAMADAN-FOOD-SAFETY",
    "organization": "RIYADH",
    "title_ar": "حملة رمضان للتوعية بسلامة الغذاء",
    "title_en": "Ramadan food safety awareness",
    "objective_ar": "رفع وعي الأسر وأصحاب المطاعم بسلامة الغذاء خلال شهر رمضان",
    "audiences": ["families", "residents", "businesses"],
    "channels": ["tv", "x", "radio"],
    "budget": 400_000,
    "flights": (("tv", 1, 10), ("x", 1, 29), ("radio", 20, 29)),
    "messages": (("MOMRAH", "FOOD-SAFETY"), ("MOMRAH", "RAMADAN-MARKETS")),
}

FLOOD_PLAYBOOK: dict[str, Any] = {
    "organization": "EASTERN",
    "scenario_ar": "سيول وأمطار غزيرة تغمر الأنفاق والأحياء المنخفضة في المنطقة الشرقية",
    "scenario_en": "Flash floods in the Eastern Province's tunnels and low-lying districts",
    "levels": (
        (1, "إنذار من المركز الوطني للأرصاد بأمطار غزيرة", "Heavy rain warning"),
        (2, "تجمعات مياه في أكثر من حي وإغلاق نفق", "Standing water, a tunnel closed"),
        (3, "إغلاق طرق رئيسية وعمليات إخلاء", "Main roads closed, evacuations"),
    ),
    "channels": ("x", "whatsapp", "tv"),
    "keywords": ("سيول", "أمطار", "غرق", "تجمع مياه", "نفق", "flood", "rain"),
    "spokesperson": "eastern.spokesperson",
    "messages": (("EASTERN", "FLOOD-SAFETY"),),
}
