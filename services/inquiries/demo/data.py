"""The demo inquiries' data set: categories, SLA policies, and the Arabic phrases the
loader (`loader.py`) assembles into a few hundred inquiries and their timelines.

Organizations are the directory's demo organizations, named by code (see
services/directory/demo/data.py); this module does not import it (services never import
each other), so a code missing there is skipped by the loader.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DemoCategory:
    organization: str
    code: str
    name_ar: str
    name_en: str
    topic: str  # the phrases below used for its inquiries
    public: bool = True
    intake_default: bool = False
    routing: str | None = None  # code of the routing organization (default: the owner)


@dataclass(frozen=True)
class DemoPolicy:
    organization: str
    name_ar: str
    name_en: str
    first_response_minutes: int
    resolution_minutes: int
    category: str | None = None
    kind: str | None = None
    priority: str | None = None


def _municipal(org: str, media_unit: str, permits_ar: str = "رخص البناء") -> list[DemoCategory]:
    return [
        DemoCategory(org, "street-lighting", "إنارة الشوارع", "Street lighting", "lighting"),
        DemoCategory(org, "potholes", "الحفر وتلف الطرق", "Potholes and road damage", "roads"),
        DemoCategory(org, "cleanliness", "النظافة العامة", "Public cleanliness", "cleanliness"),
        DemoCategory(org, "building-permits", permits_ar, "Building permits", "permits"),
        DemoCategory(
            org,
            "general",
            "الاستفسارات العامة",
            "General enquiries",
            "general",
            public=False,
            intake_default=True,
        ),
        DemoCategory(
            org,
            "media",
            "الاستفسارات الإعلامية",
            "Media enquiries",
            "media",
            public=False,
            routing=media_unit,
        ),
    ]


CATEGORIES: tuple[DemoCategory, ...] = (
    *_municipal("RIYADH", "RIYADH-MEDIA"),
    DemoCategory("DIRIYAH", "heritage-area", "المنطقة التاريخية", "Historic district", "heritage"),
    *_municipal("EASTERN", "EASTERN-PR"),
    DemoCategory("EASTERN", "rain-drainage", "تصريف مياه الأمطار", "Rainwater drainage", "water"),
    DemoCategory("ALAHSA", "parks", "الحدائق والمتنزهات", "Parks and gardens", "parks"),
    *_municipal("BH-CAPITAL", "BH-CAPITAL-MEDIA", "تراخيص البناء"),
    DemoCategory(
        "BH-CAPITAL",
        "community-services",
        "الخدمات المجتمعية",
        "Community services",
        "community",
    ),
    *_municipal("IQ-MOCHPM", "IQ-MOCHPM-GCU", "إجازات البناء"),
    DemoCategory("IQ-MOCHPM", "water-sewage", "الماء والمجاري", "Water and sewage", "water"),
)

# business minutes; working days are 6–7 hours in the demo calendars
POLICIES: tuple[DemoPolicy, ...] = (
    DemoPolicy("RIYADH", "الشكاوى", "Complaints", 240, 2100, kind="complaint"),
    DemoPolicy(
        "RIYADH", "بلاغات الإنارة", "Street lighting reports", 120, 840, category="street-lighting"
    ),
    DemoPolicy(
        "RIYADH",
        "الحفر الخطرة",
        "Dangerous potholes",
        60,
        420,
        category="potholes",
        priority="urgent",
    ),
    DemoPolicy("RIYADH", "الطلبات الإعلامية", "Media requests", 60, 240, kind="media_request"),
    DemoPolicy("EASTERN", "السياسة العامة للأمانة", "Amanah default", 420, 2940),
    DemoPolicy(
        "EASTERN",
        "الشكاوى العاجلة",
        "Urgent complaints",
        120,
        840,
        kind="complaint",
        priority="high",
    ),
    DemoPolicy("BH-CAPITAL", "السياسة العامة للمحافظة", "Governorate default", 435, 2175),
    DemoPolicy("BH-CAPITAL", "الطلبات الإعلامية", "Media requests", 60, 300, kind="media_request"),
    DemoPolicy("IQ-MOCHPM", "السياسة العامة للوزارة", "Ministry default", 360, 2160),
)

# (organization, how many inquiries, media unit?) — about 300 in all
VOLUMES: tuple[tuple[str, int], ...] = (
    ("RIYADH", 46),
    ("DIRIYAH", 26),
    ("ALKHARJ", 15),
    ("RIYADH-MEDIA", 14),
    ("EASTERN", 34),
    ("ALAHSA", 28),
    ("QATIF", 15),
    ("EASTERN-PR", 12),
    ("BH-CAPITAL", 60),
    ("BH-CAPITAL-MEDIA", 10),
    ("IQ-MOCHPM", 15),
    ("IQ-KARBALA", 20),
    ("IQ-MOCHPM-GCU", 8),
)

# where a misrouted inquiry goes (transfers), with the reason
TRANSFERS: dict[str, tuple[str, str]] = {
    "RIYADH": ("DIRIYAH", "الموقع يتبع النطاق البلدي لمحافظة الدرعية"),
    "EASTERN": ("ALAHSA", "البلاغ من اختصاص بلدية محافظة الأحساء"),
    "QATIF": ("EASTERN", "يحتاج البلاغ إلى معالجة على مستوى الأمانة"),
    "IQ-MOCHPM": ("IQ-KARBALA", "الموقع ضمن حدود مديرية بلديات كربلاء المقدسة"),
}

COUNTRY: dict[str, str] = {
    "RIYADH": "sa",
    "DIRIYAH": "sa",
    "ALKHARJ": "sa",
    "RIYADH-MEDIA": "sa",
    "EASTERN": "sa",
    "ALAHSA": "sa",
    "QATIF": "sa",
    "EASTERN-PR": "sa",
    "BH-CAPITAL": "bh",
    "BH-CAPITAL-MEDIA": "bh",
    "IQ-MOCHPM": "iq",
    "IQ-KARBALA": "iq",
    "IQ-MOCHPM-GCU": "iq",
}

PLACES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # organization: (neighbourhoods, streets)
    "RIYADH": (
        ("النرجس", "الياسمين", "الملقا", "العليا", "السويدي", "النسيم", "الروضة", "قرطبة"),
        ("طريق الملك فهد", "شارع التحلية", "طريق الإمام سعود", "شارع الأمير سلطان"),
    ),
    "DIRIYAH": (
        ("الطريف", "البجيري", "العمارية", "الظويهرة", "غصيبة"),
        ("طريق الملك خالد", "شارع الإمام محمد بن سعود"),
    ),
    "ALKHARJ": (("السيح", "الخالدية", "النزهة", "الأندلس"), ("طريق الخرج العام",)),
    "EASTERN": (
        ("الشاطئ", "الفيصلية", "المزروعية", "الجلوية", "العدامة", "الروضة"),
        ("طريق الملك فهد", "شارع الأمير محمد بن فهد", "شارع الخليج"),
    ),
    "ALAHSA": (("المبرز", "الهفوف", "الجفر", "العيون", "الراشدية"), ("طريق الظهران",)),
    "QATIF": (("سيهات", "صفوى", "تاروت", "العوامية"), ("شارع أحد", "طريق الرياض")),
    "BH-CAPITAL": (
        ("الجفير", "السنابس", "القضيبية", "العدلية", "جدحفص", "الماحوز", "المنامة"),
        ("شارع الشيخ خليفة بن سلمان", "شارع الاستقلال", "طريق الملك فيصل"),
    ),
    "IQ-MOCHPM": (
        ("الكرادة", "المنصور", "الأعظمية", "زيونة", "اليرموك"),
        ("شارع فلسطين", "شارع السعدون"),
    ),
    "IQ-KARBALA": (
        ("حي الحسين", "حي العباس", "حي الموظفين", "سيف سعد", "باب بغداد"),
        ("شارع الجمهورية", "طريق كربلاء–النجف"),
    ),
}

# Subjects and bodies by topic and kind; {hood}, {street} and {days} are filled in.
# Spellings vary on purpose (with and without diacritics and hamza), as citizens write.
SUBJECTS: dict[str, dict[str, tuple[str, ...]]] = {
    "lighting": {
        "complaint": (
            "انقطاع إنارة الشارع في حي {hood}",
            "أعمدة إنارة مطفأة منذ {days} أيام",
            "الإنارة ضعيفة جداً في ممشى {hood}",
            "انقطاع الانارة في {street}",
        ),
        "request": ("طلب صيانة عمود إنارة مائل في {hood}", "طلب إضاءة لممر المشاة"),
        "suggestion": ("اقتراح زيادة الإنارة في ممشى {hood}",),
    },
    "roads": {
        "complaint": (
            "حفرة كبيرة في {street} تسبب حوادث",
            "حُفَر متكررة بعد أعمال السفلتة في {hood}",
            "هبوط في الطريق أمام المدرسة",
            "تلف الرصيف في حي {hood}",
        ),
        "request": ("طلب ردم حفرة أمام المنزل في {hood}", "طلب إعادة سفلتة الشارع"),
    },
    "cleanliness": {
        "complaint": (
            "تراكم النفايات بجوار الحاويات في {hood}",
            "تأخر رفع المخلفات منذ {days} أيام",
            "مخلفات بناء في أرض فضاء بحي {hood}",
            "ضعف النظافة في السوق الشعبي",
        ),
        "request": ("طلب حاوية نفايات إضافية", "طلب رش مبيدات للحشرات في {hood}"),
        "compliment": ("شكر وتقدير لعمّال النظافة في حي {hood}", "شُكر لفريق النظافة"),
    },
    "permits": {
        "question": (
            "استفسار عن متطلبات رخصة البناء",
            "ما مدة إصدار رخصة البناء؟",
            "هل يمكن تعديل المخطط بعد إصدار الرخصة؟",
            "اسئلة حول اشتراطات الارتدادات للمباني السكنية",
        ),
        "complaint": ("تأخر إصدار رخصة البناء منذ {days} أيام",),
    },
    "general": {
        "question": (
            "كيف أجدد رخصة المحل التجاري؟",
            "استفسار عن رسوم اللوحات الإعلانية",
            "هل يمكن تقديم الطلب الكترونياً؟",
            "استفسار عن مواعيد العمل في فرع البلدية",
        ),
        "suggestion": (
            "مقترح إنشاء حديقة للأطفال في {hood}",
            "اقتراح تنظيم مواقف السيارات أمام السوق",
        ),
        "compliment": (
            "شكر لفريق الطوارئ على سرعة الاستجابة",
            "إشادة بتطوير الخدمات الإلكترونية",
        ),
    },
    "heritage": {
        "complaint": ("ازدحام ومواقف عشوائية قرب حي الطريف", "إنارة الممرات التاريخية معطلة"),
        "suggestion": ("اقتراح لوحات إرشادية إضافية في حي البجيري",),
        "compliment": ("إشادة بتنظيم موسم الدرعية",),
    },
    "water": {
        "complaint": (
            "تجمع مياه الأمطار في {street}",
            "طفح مياه الصرف الصحي أمام المسجد في {hood}",
            "انسداد فتحات تصريف السيول",
        ),
        "request": ("طلب شفط مياه متجمعة في {hood}",),
    },
    "parks": {
        "complaint": ("ألعاب الأطفال مكسورة في حديقة {hood}", "الري متوقف في المتنزه"),
        "suggestion": ("اقتراح زراعة النخيل في ممشى {hood}", "مقترح مظلات في الحديقة"),
        "compliment": ("شكر على تطوير منتزه الأحساء الوطني",),
    },
    "community": {
        "request": (
            "طلب زيارة ميدانية لحي {hood}",
            "طلب دعم لأسرة متعففة في {hood}",
            "طلب تنظيم فعالية مجتمعية للشباب",
        ),
        "suggestion": ("مقترح ملتقى شهري لأهالي {hood}",),
        "question": ("استفسار عن برنامج سفراء المجتمع",),
    },
}

BODIES: dict[str, tuple[str, ...]] = {
    "complaint": (
        "السلام عليكم، {subject}. المشكلة قائمة منذ {days} أيام ولم يتم التعامل معها رغم "
        "تكرار البلاغ. الموقع في {street} بحي {hood}. نرجو سرعة المعالجة.",
        "السلام عليكم ورحمة الله وبركاته، أرجو الاهتمام: {subject}. الوضع يشكّل خطراً على "
        "الأطفال وكبار السن في الحي. وشكراً لكم.",
        "مساء الخير، {subject}. سبق أن أبلغت عن المشكلة برقم ١٢٣٤ دون استجابة. "
        "الموقع قرب {street}.",
        "{subject}!! منذ {days} ايام والوضع كما هو، نرجو إرسال فريق للمعاينة.",
    ),
    "question": (
        "السلام عليكم، {subject} أرغب في معرفة الإجراءات والمستندات المطلوبة والرسوم.",
        "صباح الخير، {subject} لم أجد إجابة واضحة في الموقع الإلكتروني، وشكراً.",
        "{subject} وهل يلزم مراجعة الفرع حضورياً؟",
    ),
    "suggestion": (
        "تحية طيبة، {subject}. نعتقد أن ذلك سيُحسّن جودة الحياة في حي {hood}.",
        "{subject}، مع الشكر على جهودكم المستمرة.",
    ),
    "compliment": (
        "{subject}. تعامل راقٍ وسرعة في الإنجاز، جزاكم الله خيراً.",
        "أود أن أشكر الفريق: {subject}. لاحظنا تحسناً كبيراً في الخدمة.",
    ),
    "request": (
        "السلام عليكم، {subject}. الموقع في {street}، والصور متاحة عند الحاجة.",
        "{subject}، أرجو التكرم بالمعاينة في أقرب وقت. الموقع: حي {hood}.",
    ),
}

MEDIA_SUBJECTS: tuple[str, ...] = (
    "استفسار صحفي عن مشروع تصريف السيول",
    "طلب مقابلة تلفزيونية مع المتحدث الرسمي",
    "استفسار إعلامي عن نسبة إنجاز مشروع تطوير الطرق",
    "طلب معلومات عن حملة النظافة الموسمية",
    "طلب تصريح بالتصوير في الموقع",
    "استفسار عن أسباب تأخر مشروع الإنارة",
)
MEDIA_BODY = (
    "نعمل على تقرير حول {topic}، ونرجو تزويدنا بنسبة الإنجاز والموعد المتوقع للتسليم "
    "وتعليق رسمي قبل الموعد المحدد. مع الشكر."
)
OUTLETS: dict[str, tuple[tuple[str, str], ...]] = {
    # country: (outlet, e-mail domain)
    "sa": (
        ("صحيفة الرياض", "alriyadh.example"),
        ("قناة الإخبارية", "alekhbariya.example"),
        ("صحيفة عكاظ", "okaz.example"),
        ("وكالة الأنباء السعودية (واس)", "spa.example"),
        ("صحيفة اليوم", "alyaum.example"),
    ),
    "bh": (
        ("صحيفة الأيام", "alayam.example"),
        ("صحيفة أخبار الخليج", "akhbar-alkhaleej.example"),
        ("تلفزيون البحرين", "bahraintv.example"),
        ("وكالة أنباء البحرين (بنا)", "bna.example"),
    ),
    "iq": (
        ("قناة العراقية", "imn.example"),
        ("وكالة الأنباء العراقية (واع)", "ina.example"),
        ("صحيفة الصباح", "alsabaah.example"),
    ),
}

CITIZENS: dict[str, tuple[str, ...]] = {
    "sa": (
        "محمد عبدالله العتيبي",
        "فاطمة سعد الزهراني",
        "عبدالرحمن القحطاني",
        "نورة فهد المطيري",
        "خالد الشمري",
        "أمل الغامدي",
        "سلمان العنزي",
        "منيرة الدوسري",
        "حسين علي آل سالم",
        "زهراء المحسن",
    ),
    "bh": ("عيسى أحمد البوعينين", "مريم خليل", "جاسم محمد الكعبي", "فاطمة عبدالله السيد"),
    "iq": ("علي حسين الجبوري", "زينب كاظم", "مصطفى عبدالأمير", "نور الهدى جاسم"),
}
JOURNALISTS: tuple[str, ...] = (
    "سارة القحطاني",
    "عبدالعزيز الشهري",
    "ليلى المنصوري",
    "أحمد الحداد",
    "حيدر الساعدي",
)

ACKNOWLEDGEMENTS: tuple[str, ...] = (
    "شكراً لتواصلكم، تم استلام بلاغكم وتحويله للفريق المختص وسيتم العمل عليه.",
    "تم استلام طلبكم، وسيزور فريقنا الموقع خلال يومي عمل.",
    "نشكر لكم ملاحظتكم، وجارٍ دراستها مع الإدارة المعنية.",
)
INFO_REQUESTS: tuple[str, ...] = (
    "نرجو تزويدنا بالموقع الدقيق على الخريطة أو صورة للموقع لاستكمال المعالجة.",
    "نأمل تزويدنا برقم الصك أو رقم الطلب لاستكمال الإجراء.",
    "يرجى تحديد أقرب معلم للموقع ووقت ملاحظة المشكلة.",
)
CITIZEN_REPLIES: tuple[str, ...] = (
    "الموقع بجوار المسجد مباشرة، وأرفقت الصورة عبر التطبيق.",
    "رقم الطلب ٤٥٦٧٨٩ وشكراً.",
    "المشكلة تظهر ليلاً بعد الساعة ٩ مساءً.",
)
NOTES: tuple[str, ...] = (
    "تم التنسيق مع المقاول المسؤول عن الصيانة.",
    "أُحيل البلاغ للفريق الميداني لمعاينة الموقع.",
    "بانتظار اعتماد أمر العمل من الإدارة الفنية.",
    "تواصلنا مع المواطن هاتفياً وتم تأكيد الموقع.",
)
RESOLUTIONS: dict[str, tuple[str, ...]] = {
    "lighting": ("تم إصلاح الإنارة واستبدال المصابيح التالفة.",),
    "roads": ("تم ردم الحفرة وإعادة سفلتة الموقع.", "تم إصلاح الرصيف ووضع لوحات تحذيرية."),
    "cleanliness": ("تم رفع المخلفات وتكثيف جولات النظافة في الحي.",),
    "permits": ("تمت الإجابة عن الاستفسار وإرسال دليل اشتراطات البناء.",),
    "general": ("تمت الإجابة عن استفساركم، شكراً لتواصلكم.",),
    "heritage": ("تم تنظيم المواقف وإصلاح الإنارة بالتنسيق مع هيئة تطوير بوابة الدرعية.",),
    "water": ("تم شفط المياه وتنظيف فتحات التصريف.",),
    "parks": ("تم إصلاح الألعاب وإعادة تشغيل الري.",),
    "community": ("تمت الزيارة الميدانية والتنسيق مع الجهات المعنية.",),
    "media": ("تم تزويد الصحفي بالمعلومات والتصريح الرسمي قبل الموعد المطلوب.",),
}
SURVEY_COMMENTS: dict[int, tuple[str | None, ...]] = {
    5: ("شكراً على سرعة الاستجابة", "خدمة ممتازة", None),
    4: ("جيد، لكن تأخر الرد قليلاً", None),
    3: ("تمت المعالجة بعد متابعة طويلة",),
    2: ("لم تُحل المشكلة بالكامل",),
    1: ("المشكلة ما زالت قائمة",),
}
REJECTIONS: tuple[str, ...] = (
    "خارج نطاق اختصاص الجهة",
    "البيانات غير كافية للمعالجة",
)
DUPLICATE_REASON = "البلاغ مكرر لبلاغ سابق قيد المعالجة"
CLOSING_NOTES: tuple[str | None, ...] = ("أُغلق بعد تأكيد المواطن", None, None)
