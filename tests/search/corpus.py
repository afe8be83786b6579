"""A labelled corpus of Arabic municipal text for measuring the hub's search.

Each document is about one or two topics; each query names the topic it looks for, and a
document is relevant to a query exactly when it is about that topic (every other document
is irrelevant, so anything else a query finds counts against precision). The queries spell
the topic's words differently from the documents: letter variants (hamza forms, ة/ه,
ى/ي, ئ/ي), diacritics and tatweel, articles and attached conjunctions and prepositions
(و ف ب ك ل ال لل), singular/plural and masculine/feminine forms, Arabic-Indic, extended
Arabic-Indic and ASCII digits, and spellings common in the Gulf and in Iraq.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Document:
    key: str
    topics: frozenset[str]
    text: str


@dataclass(frozen=True)
class Query:
    text: str
    topic: str


def _doc(key: str, topics: str, text: str) -> Document:
    return Document(key, frozenset(topics.split()), text)


DOCUMENTS: list[Document] = [
    _doc("leak1", "leak water street phrase", "تسرب مياه في شارع الملك فهد أمام المنزل"),
    _doc("leak2", "leak water phrase", "يوجد تسرّب للمياه من الأنبوب الرئيسي منذ يومين"),
    _doc("leak3", "leak water phrase", "تسربات مياه مستمرة قرب المسجد"),
    _doc("leak4", "leak water road", "التسرب في خط المياه أغرق الطريق"),
    _doc("leak5", "leak water phrase", "تسرب ماية عند البيت من الصبح"),  # Gulf spelling ماية
    _doc("light1", "light", "انقطاع الإنارة في الحي منذ أسبوع"),
    _doc("light2", "light pole road", "أعمدة إنارة مطفأة على الطريق السريع"),
    _doc("light3", "light pole park", "عمود الانارة مكسور بجانب الحديقة العامة"),
    _doc("light4", "light", "الإنارة ضعيفة جداً في الممر"),
    _doc("hole1", "hole road", "حفرة كبيرة في منتصف الطريق"),
    _doc("hole2", "hole", "حُفَر عميقة بعد أعمال الصيانة"),
    _doc("hole3", "hole", "الحفره قدام المدخل خطيرة على السيارات"),
    _doc("hole4", "hole street", "توجد حفر متعددة في الشارع الخلفي"),
    _doc("waste1", "waste", "تراكم النفايات بجانب السوق"),
    _doc("waste2", "waste container", "حاويات النفايات ممتلئة ولم تفرغ"),
    _doc("waste3", "trash container", "الزبالة متكدسة عند الحاوية من ثلاثة أيام"),
    _doc("waste4", "waste building", "نفايات البناء مرمية في الأرض الفضاء"),
    _doc("waste5", "trash street", "رمي القمامة في الشارع"),
    _doc("viol1", "violation building", "مخالفة بناء بدون ترخيص في المخطط"),
    _doc("viol2", "violation", "رصد مخالفات المحلات التجارية"),
    _doc("viol3", "violation", "المخالفة المسجلة على المطعم غير صحيحة"),
    _doc("viol4", "violation", "اعتراض على مخالفه صادرة بحقي"),
    _doc("park1", "park", "حدائق الحي تحتاج إلى ري وصيانة"),
    _doc("park2", "park", "الحديقة مغلقة أيام العطلة"),
    _doc("park3", "park", "طلب إنشاء حديقة للأطفال"),
    _doc("park4", "park", "ألعاب الحدايق مكسورة"),  # Iraqi and Gulf spelling حدايق
    _doc("walk1", "sidewalk school", "الرصيف متهالك أمام المدرسة"),
    _doc("walk2", "sidewalk street", "أرصفة الشارع التجاري ضيقة"),
    _doc("walk3", "sidewalk", "سيارات تقف على الرصيف"),
    _doc("walk4", "sidewalk", "ترميم أرصفه المشاة"),
    _doc("perm1", "permit building", "طلب رخصة بناء لمنزل سكني"),
    _doc("perm2", "permit", "تأخر إصدار الرخص التجارية"),
    _doc("perm3", "permit", "تجديد الرخصة لم يكتمل إلكترونياً"),
    _doc("perm4", "permit building", "رخصه البناء منتهية"),
    _doc("sew1", "sanitation", "طفح الصرف الصحي في الحي"),
    _doc("sew2", "sewer", "انسداد المجاري قرب السوق"),
    _doc("sew3", "sewer", "مجاري مفتوحة وروائح كريهة"),
    _doc("sew4", "sewer", "غطاء المجرى مفقود"),
    _doc("dog1", "dog stray", "كلاب ضالة تهاجم المارة"),
    _doc("dog2", "dog stray", "وجود كلب ضال في المنتزه"),
    _doc("dog3", "dog school", "الكلاب السائبة قرب المدارس"),
    _doc("sig1", "signal traffic", "إشارة المرور معطلة عند التقاطع"),
    _doc("sig2", "signal traffic", "إشارات المرور لا تعمل ليلاً"),
    _doc("sig3", "signal", "الاشاره الضوئيه عالقة على الأحمر"),
    _doc("noise1", "noise", "إزعاج من ورشة تعمل ليلاً"),
    _doc("noise2", "din", "ضوضاء عالية من موقع الإنشاءات"),
    _doc("noise3", "noise", "الازعاج مستمر بعد منتصف الليل"),
    _doc("meter1", "meter n45", "العداد رقم 45 لا يعمل"),
    _doc("meter2", "meter n789", "عداد الكهرباء رقم ٧٨٩ يسجل قراءة خاطئة"),
    _doc("meter3", "meter water", "استبدال عدادات المياه القديمة"),
    _doc("tree1", "tree road", "شجرة ساقطة على الطريق"),
    _doc("tree2", "tree street", "تقليم الأشجار في الشارع العام"),
    _doc("tree3", "tree", "زراعة أشجار جديدة في الممشى"),
    _doc("school1", "school", "ازدحام أمام المدرسة صباحاً"),
    _doc("school2", "school", "نقل الطالبات إلى المدارس الجديدة"),
    _doc("school3", "school", "صيانة مبنى مدرسه ابتدائية"),
    _doc("mix1", "leak water hole road phrase", "تسرب مياه سبب حفرة في الطريق"),
    _doc("mix2", "waste park", "النفايات منتشرة في الحديقة"),
    _doc("mix3", "light pole sidewalk", "عمود إنارة ساقط على الرصيف"),
    # found by no query
    _doc("other1", "thanks", "شكراً لسرعة الاستجابة والتعاون"),
    _doc("other2", "thanks", "أشكر الموظفين على حسن التعامل"),
    _doc("other3", "hours", "استفسار عن مواعيد الدوام في رمضان"),
    _doc("other4", "fees", "كم رسوم استخراج شهادة إشغال؟"),
]

# the queries of each word family (a document "is about" the families it is tagged with)
_QUERIES: dict[str, list[str]] = {
    "leak": ["تسرب", "تسرّب", "التسرب", "تسربات", "وتسرب", "بالتسرب", "تـسـرب", "للتسرب", "لتسرب"],
    "water": ["مياه", "المياه", "والمياه", "للمياه", "بالمياه", "المياة"],
    "light": [
        "الإنارة",
        "انارة",
        "الانارة",
        "اناره",
        "إنارة",
        "بالإنارة",
        "للإنارة",
        "إنَارَة",
        "والإنارة",
    ],
    "pole": ["عمود", "أعمدة", "الأعمدة", "اعمده", "العمود"],
    "hole": [
        "حفرة",
        "حفر",
        "الحفر",
        "حفره",
        "الحفرة",
        "بالحفرة",
        "والحفر",
        "حُفرة",
        "حفرات",
        "لحفرة",
    ],
    "waste": ["النفايات", "نفايات", "نفاية", "والنفايات", "بالنفايات", "للنفايات"],
    "container": ["حاوية", "الحاويات", "حاويه", "حاويات", "بالحاوية"],
    # زبالة, the everyday Gulf word, and قمامة mean the same
    "trash": ["قمامة", "القمامه", "القمامة", "بالقمامة", "زبالة", "الزباله", "الزبالة", "زباله"],
    "violation": [
        "مخالفات",
        "مخالفة",
        "المخالفات",
        "مخالفه",
        "بالمخالفة",
        "والمخالفات",
        "للمخالفات",
        "مُخالفة",
        "لمخالفة",
    ],
    "park": [
        "حدائق",
        "حديقة",
        "الحدائق",
        "وللحدائق",
        "حدايق",
        "الحديقه",
        "بالحديقة",
        "للحديقة",
        "لحديقة",
        "حديقه",
    ],
    "sidewalk": [
        "رصيف",
        "الرصيف",
        "أرصفة",
        "الأرصفة",
        "ارصفه",
        "بالرصيف",
        "والأرصفة",
        "الارصفة",
    ],
    "permit": ["رخصة", "الرخص", "رخص", "الرخصة", "رخصه", "للرخصة", "والرخص"],
    "building": ["بناء", "البناء", "للبناء", "بالبناء"],
    "sewer": ["مجاري", "المجاري", "مجرى", "المجرى", "مجارى", "بالمجاري"],
    "sanitation": ["الصرف الصحي", '"الصرف الصحي"', "صرف صحي"],
    "dog": ["كلاب", "الكلاب", "كلب", "بالكلاب", "والكلاب", "الكلب"],
    "stray": ["ضالة", "ضال", "الضالة", "ضاله"],
    "signal": ["اشارات", "الإشارة", "اشاره", "بالإشارة", "إشارة", "الإشارات"],
    "traffic": ["المرور", "مرور", "للمرور"],
    "noise": ["إزعاج", "ازعاج", "الإزعاج", "بالازعاج", "والإزعاج"],
    "din": ["ضوضاء", "الضوضاء"],
    "meter": ["عداد", "العداد", "عدادات", "العدادات", "بالعداد", "وعداد"],
    "n45": ["45", "٤٥", "۴۵", "رقم ٤٥", "رقم 45"],
    "n789": ["789", "٧٨٩", "۷۸۹"],
    "tree": ["شجرة", "أشجار", "الأشجار", "اشجار", "شجره", "الشجرة", "والأشجار", "للأشجار"],
    "school": [
        "مدرسة",
        "المدرسة",
        "مدارس",
        "المدارس",
        "مدرسه",
        "بالمدرسة",
        "للمدارس",
        "والمدرسة",
    ],
    "road": ["طريق", "الطريق", "بالطريق", "طرق"],
    "street": ["شارع", "الشارع", "بالشارع", "شوارع", "الشوارع"],
    # two families: a document about both
    "leak water": ["تسرب المياه", "تسرب مياه", "تسربات المياه"],
    "phrase": ['"تسرب مياه"', '"تسرب المياه"'],
    "light pole": ["أعمدة الإنارة", "عمود إنارة", "عمود الانارة"],
    "permit building": ["رخصة بناء", "رخص البناء"],
    "violation building": ["مخالفة بناء", "مخالفات البناء"],
    "waste building": ["نفايات البناء"],
    "hole road": ["حفرة في الطريق", "حفر الطرق"],
    "signal traffic": ["إشارة المرور", "إشارات المرور", "اشارة مرور"],
    "dog stray": ["كلاب ضالة", "الكلاب الضالة"],
    "meter n45": ["العداد رقم ٤٥"],
    # either family
    "waste|trash": ["نفايات OR زبالة OR قمامة"],
    "noise|din": ["إزعاج OR ضوضاء", "ضوضاء أو إزعاج"],
    # one family and not another
    "light -sidewalk": ["الإنارة -الرصيف"],
    "park -waste": ["حديقة -النفايات"],
}

QUERIES: list[Query] = [Query(text, topic) for topic, texts in _QUERIES.items() for text in texts]


def _about(doc: Document, topic: str) -> bool:
    """`a b` both, `a|b` either, `a -b` a and not b."""
    if "|" in topic:
        return any(_about(doc, t) for t in topic.split("|"))
    return all(
        (t[1:] not in doc.topics) if t.startswith("-") else (t in doc.topics) for t in topic.split()
    )


def relevant(query: Query) -> set[str]:
    return {d.key for d in DOCUMENTS if _about(d, query.topic)}


def labelled_pairs() -> int:
    """The number of relevant (query, document) pairs."""
    return sum(len(relevant(q)) for q in QUERIES)
