"""The demo data set: Arabic names with English translations (MISSION.md sources 000–004).

Every organization is keyed by its code, every user by username, every channel by
(organization, kind, Arabic name), every holiday by (organization, date): loading twice
changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time

DEMO_CLIENT_ID = "demo-ministry-client"


@dataclass(frozen=True)
class DemoOrganization:
    code: str
    kind: str
    name_ar: str
    name_en: str
    parent: str | None = None
    timezone: str | None = None
    weekend: tuple[str, ...] | None = None
    work_start: time | None = None
    work_end: time | None = None


@dataclass(frozen=True)
class DemoUser:
    username: str
    organization: str
    roles: tuple[str, ...]
    full_name_ar: str
    full_name_en: str
    phone: str | None = None


@dataclass(frozen=True)
class DemoChannel:
    organization: str
    kind: str
    name_ar: str
    name_en: str
    handle: str | None = None
    url: str | None = None
    intake: bool = True
    publish: bool = False


@dataclass(frozen=True)
class DemoHoliday:
    organization: str
    day: date
    name_ar: str
    name_en: str


@dataclass(frozen=True)
class DemoClient:
    client_id: str
    name: str
    organization: str
    scopes: tuple[str, ...] = field(default_factory=tuple)


FRI_SAT = ("friday", "saturday")

ORGANIZATIONS: tuple[DemoOrganization, ...] = (
    # Saudi Arabia: the ministry, two amanat, municipalities and media units (000, 001, 002)
    DemoOrganization(
        "MOMRAH",
        "ministry",
        "وزارة الشؤون البلدية والقروية والإسكان",
        "Ministry of Municipal, Rural Affairs and Housing",
        timezone="Asia/Riyadh",
        weekend=FRI_SAT,
        work_start=time(7, 30),
        work_end=time(14, 30),
    ),
    DemoOrganization(
        "MOMRAH-MEDIA",
        "unit",
        "الإدارة العامة للإعلام والاتصال المؤسسي",
        "General Directorate of Media and Corporate Communication",
        parent="MOMRAH",
    ),
    DemoOrganization(
        "RIYADH",
        "region",
        "أمانة منطقة الرياض",
        "Riyadh Region Municipality (Amanah)",
        parent="MOMRAH",
    ),
    DemoOrganization(
        "RIYADH-MEDIA",
        "unit",
        "المركز الإعلامي بأمانة منطقة الرياض",
        "Riyadh Amanah Media Center",
        parent="RIYADH",
    ),
    DemoOrganization(
        "DIRIYAH",
        "municipality",
        "بلدية محافظة الدرعية",
        "Diriyah Municipality",
        parent="RIYADH",
    ),
    DemoOrganization(
        "ALKHARJ",
        "municipality",
        "بلدية محافظة الخرج",
        "Al-Kharj Municipality",
        parent="RIYADH",
    ),
    DemoOrganization(
        "EASTERN",
        "region",
        "أمانة المنطقة الشرقية",
        "Eastern Province Municipality (Amanah)",
        parent="MOMRAH",
    ),
    DemoOrganization(
        "EASTERN-PR",
        "unit",
        "إدارة العلاقات العامة والإعلام بأمانة الشرقية",
        "Public Relations and Media Department, Eastern Amanah",
        parent="EASTERN",
    ),
    DemoOrganization(
        "ALAHSA",
        "municipality",
        "بلدية محافظة الأحساء",
        "Al-Ahsa Municipality",
        parent="EASTERN",
    ),
    DemoOrganization(
        "ALAHSA-MEDIA",
        "unit",
        "المركز الإعلامي ببلدية الأحساء",
        "Al-Ahsa Media Center",
        parent="ALAHSA",
    ),
    DemoOrganization(
        "QATIF",
        "municipality",
        "بلدية محافظة القطيف",
        "Qatif Municipality",
        parent="EASTERN",
    ),
    # Bahrain: the Capital Governorate and its channels (004)
    DemoOrganization(
        "BH-CAPITAL",
        "governorate",
        "محافظة العاصمة",
        "Capital Governorate",
        timezone="Asia/Bahrain",
        weekend=FRI_SAT,
        work_start=time(7, 0),
        work_end=time(14, 15),
    ),
    DemoOrganization(
        "BH-CAPITAL-MEDIA",
        "unit",
        "إدارة الإعلام والتواصل المجتمعي",
        "Media and Community Communication Directorate",
        parent="BH-CAPITAL",
    ),
    # Iraq: a ministry with its government communication unit (003)
    DemoOrganization(
        "IQ-MOCHPM",
        "ministry",
        "وزارة الإعمار والإسكان والبلديات العامة",
        "Ministry of Construction, Housing and Public Municipalities",
        timezone="Asia/Baghdad",
        weekend=FRI_SAT,
        work_start=time(8, 0),
        work_end=time(14, 0),
    ),
    DemoOrganization(
        "IQ-MOCHPM-GCU",
        "unit",
        "وحدة الاتصال الحكومي",
        "Government Communication Unit",
        parent="IQ-MOCHPM",
    ),
    DemoOrganization(
        "IQ-KARBALA",
        "municipality",
        "مديرية بلديات كربلاء المقدسة",
        "Directorate of Municipalities of Holy Karbala",
        parent="IQ-MOCHPM",
    ),
)

USERS: tuple[DemoUser, ...] = (
    DemoUser(
        "sector.admin",
        "MOMRAH",
        ("sector_admin",),
        "عبدالله بن سعد القحطاني",
        "Abdullah Saad Al-Qahtani",
    ),
    DemoUser(
        "momrah.admin", "MOMRAH", ("org_admin",), "نورة بنت خالد السبيعي", "Noura Khalid Al-Subaie"
    ),
    DemoUser(
        "momrah.spokesperson",
        "MOMRAH-MEDIA",
        ("spokesperson",),
        "فيصل بن عبدالرحمن الدوسري",
        "Faisal Abdulrahman Al-Dosari",
        "+966501000001",
    ),
    DemoUser(
        "momrah.unit_head",
        "MOMRAH-MEDIA",
        ("unit_head",),
        "هند بنت محمد الشهري",
        "Hind Mohammed Al-Shehri",
    ),
    DemoUser(
        "riyadh.admin", "RIYADH", ("org_admin",), "سلطان بن فهد العتيبي", "Sultan Fahd Al-Otaibi"
    ),
    DemoUser(
        "riyadh.coordinator",
        "RIYADH-MEDIA",
        ("coordinator",),
        "ريم بنت ناصر المطيري",
        "Reem Nasser Al-Mutairi",
    ),
    DemoUser(
        "riyadh.agent",
        "RIYADH-MEDIA",
        ("agent",),
        "محمد بن علي الزهراني",
        "Mohammed Ali Al-Zahrani",
        "+966501000002",
    ),
    DemoUser("diriyah.agent", "DIRIYAH", ("agent",), "لمى بنت صالح الحربي", "Lama Saleh Al-Harbi"),
    DemoUser(
        "eastern.admin",
        "EASTERN",
        ("org_admin",),
        "خالد بن إبراهيم الغامدي",
        "Khalid Ibrahim Al-Ghamdi",
    ),
    DemoUser(
        "eastern.unit_head",
        "EASTERN-PR",
        ("unit_head",),
        "منى بنت عبدالعزيز الدوسري",
        "Mona Abdulaziz Al-Dosari",
    ),
    DemoUser(
        "eastern.spokesperson",
        "EASTERN-PR",
        ("spokesperson",),
        "ماجد بن سلمان الخالدي",
        "Majed Salman Al-Khaldi",
    ),
    DemoUser(
        "alahsa.agent",
        "ALAHSA-MEDIA",
        ("agent",),
        "حسن بن أحمد الملا",
        "Hassan Ahmed Al-Mulla",
        "+966501000003",
    ),
    DemoUser(
        "alahsa.coordinator",
        "ALAHSA",
        ("coordinator", "agent"),
        "زينب بنت جعفر العيسى",
        "Zainab Jaafar Al-Eisa",
    ),
    DemoUser(
        "capital.admin",
        "BH-CAPITAL",
        ("org_admin",),
        "أحمد بن يوسف البنعلي",
        "Ahmed Yousif Al-Binali",
        "+97333000001",
    ),
    DemoUser(
        "capital.coordinator",
        "BH-CAPITAL-MEDIA",
        ("coordinator",),
        "مريم بنت عيسى الجلاهمة",
        "Maryam Isa Al-Jalahma",
    ),
    DemoUser(
        "capital.agent",
        "BH-CAPITAL-MEDIA",
        ("agent",),
        "علي بن حسن المرزوق",
        "Ali Hasan Al-Marzooq",
    ),
    DemoUser(
        "iraq.admin", "IQ-MOCHPM", ("org_admin",), "كرار بن عباس الموسوي", "Karrar Abbas Al-Musawi"
    ),
    DemoUser(
        "iraq.coordinator",
        "IQ-MOCHPM-GCU",
        ("coordinator",),
        "سارة بنت حيدر الكعبي",
        "Sara Haider Al-Kaabi",
        "+9647701000001",
    ),
    DemoUser(
        "iraq.spokesperson",
        "IQ-MOCHPM-GCU",
        ("spokesperson",),
        "حيدر بن جاسم الربيعي",
        "Haider Jasim Al-Rubaie",
    ),
    DemoUser(
        "karbala.agent",
        "IQ-KARBALA",
        ("agent",),
        "زهراء بنت محمد الحسيني",
        "Zahraa Mohammed Al-Husseini",
    ),
)

_CAP = "BH-CAPITAL"
CHANNELS: tuple[DemoChannel, ...] = (
    DemoChannel(_CAP, "majlis", "المجلس الأسبوعي للمحافظ", "The Governor's weekly majlis"),
    DemoChannel(
        _CAP,
        "coordination_council",
        "المجلس التنسيقي لمحافظة العاصمة",
        "Capital Governorate Coordination Council",
    ),
    DemoChannel(_CAP, "field_visit", "الزيارات الميدانية", "Field visits"),
    DemoChannel(_CAP, "walk_in", "مكتب خدمة المواطنين", "Citizens' service office"),
    DemoChannel(
        _CAP,
        "website",
        "الموقع الإلكتروني للمحافظة",
        "Governorate website",
        url="https://www.capital.gov.bh",
        publish=True,
    ),
    DemoChannel(_CAP, "app", "تطبيق محافظة العاصمة", "Capital Governorate app", publish=True),
    DemoChannel(_CAP, "whatsapp", "واتساب المحافظة", "Governorate WhatsApp", handle="+97317000000"),
    DemoChannel(_CAP, "phone", "الخط الساخن", "Hotline", handle="+97317000001"),
    DemoChannel(_CAP, "email", "البريد الإلكتروني", "E-mail", handle="info@capital.gov.bh"),
    DemoChannel(
        _CAP, "sms", "الرسائل النصية", "Text messages", handle="+97317000002", publish=True
    ),
    DemoChannel(
        _CAP, "x", "حساب المحافظة على إكس", "Governorate on X", handle="@CapitalGovBH", publish=True
    ),
    DemoChannel(
        _CAP,
        "instagram",
        "حساب المحافظة على إنستغرام",
        "Governorate on Instagram",
        handle="@capitalgovbh",
        publish=True,
    ),
    DemoChannel(
        _CAP,
        "snapchat",
        "حساب المحافظة على سناب شات",
        "Governorate on Snapchat",
        handle="capitalgovbh",
        publish=True,
    ),
    DemoChannel(
        _CAP,
        "youtube",
        "قناة المحافظة على يوتيوب",
        "Governorate YouTube channel",
        publish=True,
        intake=False,
    ),
    DemoChannel(_CAP, "tiktok", "حساب المحافظة على تيك توك", "Governorate on TikTok", publish=True),
    DemoChannel(
        _CAP, "facebook", "صفحة المحافظة على فيسبوك", "Governorate Facebook page", publish=True
    ),
    DemoChannel(
        _CAP,
        "linkedin",
        "صفحة المحافظة على لينكدإن",
        "Governorate on LinkedIn",
        publish=True,
        intake=False,
    ),
    DemoChannel(
        _CAP, "tv", "البرامج التلفزيونية", "Television programmes", publish=True, intake=False
    ),
    DemoChannel(_CAP, "radio", "البرامج الإذاعية", "Radio programmes", publish=True),
    DemoChannel(_CAP, "print", "الصحف المحلية", "Local newspapers", publish=True),
    DemoChannel(_CAP, "other", "سفراء المجتمع في الأحياء", "Neighbourhood community ambassadors"),
    # the ministry's own intake channels serve every amanah and municipality below it
    DemoChannel("MOMRAH", "app", "تطبيق بلدي", "Balady app", publish=True),
    DemoChannel("MOMRAH", "website", "بوابة بلدي", "Balady portal", publish=True),
    DemoChannel("MOMRAH", "whatsapp", "واتساب الوزارة", "Ministry WhatsApp", handle="+966199040"),
    DemoChannel(
        "MOMRAH", "phone", "مركز البلاغات الموحد 940", "Unified 940 call centre", handle="940"
    ),
    DemoChannel(
        "MOMRAH",
        "email",
        "البريد الإلكتروني للوزارة",
        "Ministry e-mail",
        handle="info@momrah.example",
    ),
    DemoChannel("MOMRAH", "x", "حساب الوزارة على إكس", "Ministry on X", publish=True),
    DemoChannel("MOMRAH", "walk_in", "مكاتب خدمة المستفيدين", "Beneficiary service offices"),
    # airtime the ministry books for its own and its amanat's campaigns: publishing only
    DemoChannel(
        "MOMRAH", "tv", "البث التلفزيوني", "Television airtime", intake=False, publish=True
    ),
    DemoChannel("MOMRAH", "radio", "البث الإذاعي", "Radio airtime", intake=False, publish=True),
    DemoChannel("IQ-MOCHPM", "phone", "الخط الساخن للوزارة", "Ministry hotline"),
    DemoChannel("IQ-MOCHPM", "whatsapp", "واتساب الوزارة", "Ministry WhatsApp"),
    # the Eastern Province amanah moved its public from e-mail to WhatsApp (002)
    DemoChannel(
        "EASTERN",
        "whatsapp",
        "منصة واتساب أمانة الشرقية",
        "Eastern Amanah WhatsApp",
        handle="+966138000000",
    ),
    DemoChannel(
        "EASTERN",
        "x",
        "حساب أمانة الشرقية على إكس",
        "Eastern Amanah on X",
        handle="@AmanahEP",
        publish=True,
    ),
    DemoChannel(
        "RIYADH",
        "website",
        "بوابة أمانة الرياض",
        "Riyadh Amanah portal",
        url="https://www.alriyadh.gov.sa",
        publish=True,
    ),
    DemoChannel("RIYADH", "phone", "بلاغات 940", "940 reports line", handle="940"),
    DemoChannel(
        "IQ-MOCHPM",
        "website",
        "موقع الوزارة",
        "Ministry website",
        url="https://www.mocpmh.gov.iq",
        publish=True,
    ),
    DemoChannel(
        "IQ-MOCHPM", "facebook", "صفحة الوزارة على فيسبوك", "Ministry Facebook page", publish=True
    ),
)

HOLIDAYS: tuple[DemoHoliday, ...] = (
    DemoHoliday("MOMRAH", date(2026, 2, 22), "يوم التأسيس", "Founding Day"),
    DemoHoliday("MOMRAH", date(2026, 9, 23), "اليوم الوطني", "Saudi National Day"),
    DemoHoliday("BH-CAPITAL", date(2026, 12, 16), "العيد الوطني", "Bahrain National Day"),
    DemoHoliday(
        "BH-CAPITAL",
        date(2026, 12, 17),
        "العيد الوطني (اليوم الثاني)",
        "Bahrain National Day (second day)",
    ),
    DemoHoliday("IQ-MOCHPM", date(2026, 10, 3), "اليوم الوطني العراقي", "Iraqi National Day"),
)

CLIENTS: tuple[DemoClient, ...] = (
    DemoClient(
        DEMO_CLIENT_ID,
        "نظام تكامل تجريبي لوزارة شريكة (Demo partner-ministry integration)",
        "MOMRAH",
        ("directory:read", "inquiries:read", "inquiries:write", "calendar:read", "campaigns:read"),
    ),
)
