"""One million generated inquiries with Arabic text in the bench database, set-based.

`python -m bench.seed` (or any inquiries scenario of `python -m bench`) seeds once: the
bench database under `.govhub/bench` is kept between runs, and a row in `bench_seed`
(a bench-only table, not part of the migrations) says it is done.

The data: a ministry (`BENCH-MIN`) with 5 regions of 4 municipalities each, 2 staff per
municipality and 1 per region and ministry, 9 intake channels on the ministry, 4 categories
of the ministry and 6 of each region; then `ROWS` inquiries made by one
`INSERT … SELECT … FROM generate_series` per batch. Every choice is a hash of the row number
(`hashint8extended(g, salt)`), so the data is the same on every machine: organizations
(5 % ministry, 15 % regions, 80 % municipalities), kinds, channels, priorities, categories
(90 %), assignees (staff of the owning organization), a creation time over the last 365
days in row order (inquiries arrive one after another, so the heap is in time order as a
live table's is; v1 scattered them and every newest-first walk read one page per row),
statuses by age (recent rows mostly open, old ones mostly closed), and SLA columns
that follow: targets by priority, due times ≈ business minutes × 4.2 of wall time (an
8-hour, 5-day week), first response and resolution at a random share of the target (late
ones are breached), the live clock (`sla_due_at`, `sla_risk_at`, `sla_alarm_at`) for running
states, the pause for awaiting_citizen. Subjects and bodies are assembled from arrays of
Arabic phrases (some with diacritics, hamza variants and Arabic-Indic digits); the stored
search column (`search_text`) fills itself.

The inquiry table's secondary indexes are dropped before the load and re-created from their
own definitions afterwards (faster than maintaining them row by row), then ANALYZE.
Timelines, histories and surveys are not generated: no scenario reads them.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime

import asyncpg

from services.common.orgtree import path_of

ROWS = 1_000_000
BATCH = 100_000
SEED_NAME = "inquiries-1m-v2"  # v2: rows in arrival order

# --- the organization tree, staff, channels, categories (deterministic ids) ----------------

REGIONS = 5
MUNICIPALITIES_PER_REGION = 4
ORG_COUNT = 1 + REGIONS + REGIONS * MUNICIPALITIES_PER_REGION  # 26


def org_id(index: int) -> uuid.UUID:
    """0 = the ministry, 1–5 regions, 6–25 municipalities (region 1 + (i − 6) // 4)."""
    return uuid.UUID(f"00000000-0000-4000-8000-{0xB001 + index:012x}")


def region_of(index: int) -> int:
    if index == 0:
        return 0
    if index <= REGIONS:
        return index
    return 1 + (index - 1 - REGIONS) // MUNICIPALITIES_PER_REGION


def staff_id(org_index: int, slot: int) -> uuid.UUID:
    return uuid.UUID(f"00000000-0000-4000-8000-{0xC000 + org_index * 4 + slot:012x}")


def staff_slots(org_index: int) -> int:
    return 2 if org_index > REGIONS else 1


def category_id(region: int, slot: int) -> uuid.UUID:
    """Region 0 (the ministry) has 4 categories, each region 6."""
    return uuid.UUID(f"00000000-0000-4000-8000-{0xD000 + region * 16 + slot:012x}")


def channel_id(slot: int) -> uuid.UUID:
    return uuid.UUID(f"00000000-0000-4000-8000-{0xE000 + slot:012x}")


def inquiry_id(g: int) -> uuid.UUID:
    """The id of generated row `g` (the same expression as in the SQL)."""
    import hashlib

    return uuid.UUID(hashlib.md5(f"bench-inquiry-{g}".encode()).hexdigest())  # noqa: S324


REGION_NAMES = (
    ("أمانة منطقة الرياض (قياس)", "Riyadh region (bench)"),
    ("أمانة المنطقة الشرقية (قياس)", "Eastern region (bench)"),
    ("أمانة منطقة مكة المكرمة (قياس)", "Makkah region (bench)"),
    ("أمانة منطقة القصيم (قياس)", "Qassim region (bench)"),
    ("أمانة منطقة عسير (قياس)", "Asir region (bench)"),
)
MUNICIPALITY_NAMES = (
    "بلدية الدرعية",
    "بلدية الخرج",
    "بلدية الدوادمي",
    "بلدية المجمعة",
    "بلدية الأحساء",
    "بلدية القطيف",
    "بلدية الجبيل",
    "بلدية حفر الباطن",
    "بلدية جدة",
    "بلدية الطائف",
    "بلدية رابغ",
    "بلدية الليث",
    "بلدية بريدة",
    "بلدية عنيزة",
    "بلدية الرس",
    "بلدية البكيرية",
    "بلدية أبها",
    "بلدية خميس مشيط",
    "بلدية بيشة",
    "بلدية النماص",
)
CHANNELS = (
    ("website", "الموقع الإلكتروني"),
    ("app", "التطبيق"),
    ("whatsapp", "واتساب"),
    ("phone", "الهاتف الموحد 940"),
    ("x", "الحساب على إكس"),
    ("email", "البريد الإلكتروني"),
    ("majlis", "المجلس الأسبوعي"),
    ("field_visit", "الزيارات الميدانية"),
    ("walk_in", "مكتب خدمة المستفيدين"),
)
# cumulative weights (out of 100) of the channels above
CHANNEL_WEIGHTS = (22, 42, 67, 79, 87, 92, 95, 98, 100)
MINISTRY_CATEGORIES = (
    ("media", "الاستفسارات الإعلامية", "Media enquiries"),
    ("e-services", "الخدمات الإلكترونية", "E-services"),
    ("suggestions", "المقترحات والمبادرات", "Suggestions"),
    ("general", "الاستفسارات العامة", "General questions"),
)
REGION_CATEGORIES = (
    ("street-lighting", "إنارة الشوارع", "Street lighting"),
    ("potholes", "الحفر وتلف الطرق", "Potholes and road damage"),
    ("cleanliness", "النظافة العامة", "Cleanliness"),
    ("building-permits", "رخص البناء", "Building permits"),
    ("water-leaks", "تسربات المياه والصرف", "Water and sewage leaks"),
    ("stray-animals", "الحيوانات الضالة", "Stray animals"),
)

# --- Arabic phrases -------------------------------------------------------------------------

SUBJECTS = {
    "complaint": [
        "انقطاع إنارة الشارع منذ أسبوع",
        "إنارة معطلة في الحديقة العامة",
        "حفرة كبيرة في الطريق تسبب حوادث",
        "حُفر متكررة بعد أعمال السفلتة",
        "تراكم النفايات بجوار الحاويات",
        "تأخر رفع المخلفات في الحي",
        "تسرب مياه في الشارع الرئيسي",
        "طفح مياه الصرف الصحي أمام المسجد",
        "تأخر إصدار رخصة البناء",
        "أعمال حفر دون لوحات تحذيرية",
        "كلاب ضالة بالقرب من المدرسة",
        "ضعف النظافة في السوق الشعبي",
    ],
    "question": [
        "استفسار عن متطلبات رخصة البناء",
        "كيف أجدد رخصة المحل التجاري؟",
        "ما مدة معالجة طلب فسح البناء؟",
        "استفسار عن رسوم اللوحات الإعلانية",
        "هل يمكن تقديم الطلب الكترونياً؟",
        "اسئلة حول اشتراطات المباني السكنية",
    ],
    "suggestion": [
        "اقتراح زيادة الإنارة في ممشى الحي",
        "مقترح إنشاء حديقة للأطفال",
        "اقتراح تشجير الشارع العام",
        "مقترح لتنظيم مواقف السيارات أمام السوق",
    ],
    "compliment": [
        "شكر لفريق الطوارئ على سرعة الاستجابة",
        "شُكر وتقدير لعمّال النظافة",
        "إشادة بتطوير الممشى",
    ],
    "request": [
        "طلب صيانة عمود إنارة",
        "طلب ردم حفرة أمام المنزل",
        "طلب حاوية نفايات إضافية",
        "طلب إزالة مخلفات بناء",
        "طلب رش مبيدات للحشرات",
    ],
    "media_request": [
        "استفسار صحفي عن مشروع تصريف السيول",
        "طلب مقابلة تلفزيونية مع المتحدث الرسمي",
        "استفسار إعلامي عن نسبة إنجاز مشروع الطرق",
        "طلب معلومات عن حملة النظافة الموسمية",
    ],
}
KINDS = tuple(SUBJECTS)
# cumulative weights (out of 100): complaint, question, suggestion, compliment, request, media
KIND_WEIGHTS = (43, 65, 73, 80, 95, 100)
DETAILS = {
    "complaint": [
        "المشكلة قائمة منذ عدة أيام ولم يتم التعامل معها",
        "تسبب ذلك في إزعاج السكان وخطر على الأطفال",
        "سبق أن أبلغت عن المشكلة دون استجابة",
        "الوضع يزداد سوءاً مع هطول الأمطار",
    ],
    "question": [
        "أرغب في معرفة الإجراءات والمستندات المطلوبة",
        "لم أجد إجابة واضحة في الموقع الإلكتروني",
        "أرجو توضيح المدة المتوقعة والرسوم",
    ],
    "suggestion": [
        "أقترح دراسة الموضوع لما فيه من فائدة للحي",
        "هذا المقترح سيُحسّن جودة الحياة في المنطقة",
    ],
    "compliment": [
        "أشكر الفريق على التعامل الراقي والسريع",
        "لاحظنا تحسناً كبيراً في الخدمات مؤخراً",
    ],
    "request": [
        "أرجو إرسال فريق للمعاينة في أقرب وقت",
        "الطلب مرفق بالصور والموقع على الخريطة",
    ],
    "media_request": [
        "نرجو تزويدنا بنسبة الإنجاز وموعد التسليم المتوقع",
        "نود ترتيب لقاء مع المتحدث الرسمي للحديث عن المشروع",
    ],
}
OPENERS = [
    "السلام عليكم،",
    "السلام عليكم ورحمة الله وبركاته،",
    "صباح الخير،",
    "مساء الخير،",
    "تحية طيبة وبعد،",
    "",
]
NEIGHBOURHOODS = [
    "النرجس",
    "الياسمين",
    "الملقا",
    "العليا",
    "الروضة",
    "النسيم",
    "السويدي",
    "الشفا",
    "الحمراء",
    "الفيصلية",
    "الخليج",
    "المروج",
    "الصحافة",
    "العقيق",
    "قرطبة",
    "إشبيلية",
    "الربوة",
    "المنار",
    "الفيحاء",
    "العزيزية",
    "الشاطئ",
    "الراكة",
    "الجلوية",
    "العدامة",
    "المبرز",
    "الهفوف",
    "سيهات",
    "صفوى",
    "الفناتير",
    "الصناعية",
]
STREETS = [
    "شارع الملك فهد",
    "طريق الملك عبدالعزيز",
    "شارع الأمير سلطان",
    "شارع التحلية",
    "طريق الإمام سعود",
    "شارع الستين",
    "شارع العروبة",
    "طريق أبو بكر الصديق",
    "شارع عثمان بن عفان",
    "شارع الأمير محمد بن عبدالعزيز",
]
CLOSINGS = [
    "نرجو سرعة المعالجة.",
    "وشكراً لكم.",
    "أرجو الإفادة في أقرب وقت.",
    "مع خالص الشكر والتقدير.",
    "تم التواصل سابقاً دون استجابة.",
    "رقم البلاغ السابق ٤٥٦٧٨.",
    "جزاكم الله خيراً.",
]
NAMES = [
    "محمد عبدالله",
    "فاطمة الزهراني",
    "عبدالرحمن القحطاني",
    "نورة العتيبي",
    "خالد الشمري",
    "سارة الدوسري",
    "أحمد الغامدي",
    "ريم المطيري",
    "فهد الحربي",
    "هيفاء السبيعي",
    "سلمان العنزي",
    "منيرة الشهري",
]
OUTLETS = [
    "صحيفة الرياض",
    "قناة الإخبارية",
    "صحيفة عكاظ",
    "وكالة الأنباء السعودية (واس)",
    "صحيفة اليوم",
    "قناة العربية",
    "إذاعة الرياض",
]
RESOLUTIONS = [
    "تمت معالجة البلاغ ميدانياً وإغلاقه، شكراً لتواصلكم.",
    "تم إصلاح الإنارة بالتنسيق مع المقاول المعتمد.",
    "تم ردم الحفرة وإعادة السفلتة.",
    "تمت الإجابة عن الاستفسار وتزويدكم بالمتطلبات.",
    "تم رفع المخلفات وتكثيف جولات النظافة في الحي.",
]
SURVEY_DAYS_HINT = 14

# --- SQL ------------------------------------------------------------------------------------

INSERT_SQL = """
INSERT INTO inquiry (
    id, reference, organization_id, category_id, kind, channel, channel_id, status, priority,
    subject, body, contact_name, contact_phone, contact_email,
    location_lat, location_long, location_address, outlet, deadline,
    assignee_id, assigned_at, created_by, created_by_type, tracking_token_hash,
    resolution, resolved_at, closed_at, rejection_reason, duplicate_of, transfer_count,
    source, survey_invited_at,
    first_response_target_minutes, resolution_target_minutes, sla_started_at,
    paused_at, paused_minutes, first_response_due, resolution_due,
    first_response_at, first_response_business_minutes, resolution_business_minutes,
    sla_due_at, sla_risk_at, sla_alarm_at, sla_breached,
    first_response_breach_notified, resolution_breach_notified, created_at, updated_at)
WITH r AS (
    SELECT g,
           (hashint8extended(g, 1) & 2147483647) AS h1,
           (hashint8extended(g, 2) & 2147483647) AS h2,
           (hashint8extended(g, 3) & 2147483647) AS h3,
           (hashint8extended(g, 4) & 2147483647) AS h4,
           (hashint8extended(g, 5) & 2147483647) AS h5,
           (hashint8extended(g, 6) & 2147483647) AS h6,
           (hashint8extended(g, 7) & 2147483647) AS h7,
           (hashint8extended(g, 8) & 2147483647) AS h8,
           (hashint8extended(g, 9) & 2147483647) AS h9
    FROM generate_series($1::bigint, $2::bigint) AS g
), a AS (  -- organization, kind, channel, age
    SELECT r.*,
           CASE WHEN h1 % 100 < 5 THEN 0
                WHEN h1 % 100 < 20 THEN 1 + h2 % 5
                ELSE 6 + h2 % 20 END AS org_ix,
           CASE WHEN h3 % 100 < 43 THEN 1 WHEN h3 % 100 < 65 THEN 2
                WHEN h3 % 100 < 73 THEN 3 WHEN h3 % 100 < 80 THEN 4
                WHEN h3 % 100 < 95 THEN 5 ELSE 6 END AS kind_ix,
           CASE WHEN h4 % 100 < 22 THEN 0 WHEN h4 % 100 < 42 THEN 1
                WHEN h4 % 100 < 67 THEN 2 WHEN h4 % 100 < 79 THEN 3
                WHEN h4 % 100 < 87 THEN 4 WHEN h4 % 100 < 92 THEN 5
                WHEN h4 % 100 < 95 THEN 6 WHEN h4 % 100 < 98 THEN 7 ELSE 8 END AS channel_ix,
           -- arrival order: row g is the g-th of the year (a few seconds of jitter), so the
           -- heap is laid out in time as a live table's is
           $3::timestamptz - make_interval(
               secs => ($20::bigint - g) * (365 * 86400.0) / $20::bigint + (h5 % 20000) / 1000.0
           ) AS created
    FROM r
), b AS (  -- region, status by age, priority
    SELECT a.*,
           CASE WHEN org_ix = 0 THEN 0 WHEN org_ix <= 5 THEN org_ix
                ELSE 1 + (org_ix - 6) / 4 END AS region,
           (($4::text[])[kind_ix]) AS kind,
           CASE
             WHEN $3::timestamptz - created < interval '3 days' THEN
               (ARRAY['new','new','new','new','new','new','new','assigned','assigned',
                      'assigned','assigned','assigned','in_progress','in_progress',
                      'in_progress','in_progress','in_progress','awaiting_citizen',
                      'awaiting_citizen','resolved'])[1 + h6 % 20]
             WHEN $3::timestamptz - created < interval '30 days' THEN
               CASE WHEN h6 % 100 < 5 THEN 'new' WHEN h6 % 100 < 13 THEN 'assigned'
                    WHEN h6 % 100 < 25 THEN 'in_progress'
                    WHEN h6 % 100 < 30 THEN 'awaiting_citizen'
                    WHEN h6 % 100 < 60 THEN 'resolved' WHEN h6 % 100 < 95 THEN 'closed'
                    ELSE 'rejected' END
             ELSE
               CASE WHEN h6 % 1000 < 5 THEN 'new' WHEN h6 % 1000 < 10 THEN 'assigned'
                    WHEN h6 % 1000 < 20 THEN 'in_progress'
                    WHEN h6 % 1000 < 25 THEN 'awaiting_citizen'
                    WHEN h6 % 1000 < 55 THEN 'resolved' WHEN h6 % 1000 < 935 THEN 'closed'
                    ELSE 'rejected' END
           END AS status,
           CASE WHEN kind_ix = 6 THEN (CASE WHEN h7 % 10 < 8 THEN 'high' ELSE 'urgent' END)
                WHEN h7 % 100 < 15 THEN 'low' WHEN h7 % 100 < 75 THEN 'normal'
                WHEN h7 % 100 < 95 THEN 'high' ELSE 'urgent' END AS priority,
           (0.05 + (h8 % 1050) / 1000.0)::float8 AS fr_share,
           (0.10 + (h9 % 1000) / 1000.0)::float8 AS res_share
    FROM a
), c AS (  -- targets, due times, the text
    SELECT b.*,
           CASE priority WHEN 'urgent' THEN 60 WHEN 'high' THEN 240
                         WHEN 'normal' THEN 480 ELSE 960 END AS fr_target,
           CASE priority WHEN 'urgent' THEN 480 WHEN 'high' THEN 1440
                         WHEN 'normal' THEN 2400 ELSE 4800 END AS res_target,
           CASE WHEN kind = 'media_request'
                THEN created + make_interval(hours => (6 + h9 % 48)::int) END AS deadline,
           CASE WHEN h3 % 10 = 0 THEN NULL
                WHEN region = 0 THEN 53248 + (h4 / 100) % 4
                ELSE 53248 + region * 16 + (h4 / 100) % 6 END AS category_n,
           CASE WHEN status <> 'new' AND h9 % 10 < 9 THEN
                  49152 + org_ix * 4 + (CASE WHEN org_ix > 5 THEN (h9 / 10) % 2 ELSE 0 END)
           END AS assignee_n,
           CASE kind
             WHEN 'complaint' THEN ($5::text[])[1 + (h1 / 100) % array_length($5, 1)]
             WHEN 'question' THEN ($6::text[])[1 + (h1 / 100) % array_length($6, 1)]
             WHEN 'suggestion' THEN ($7::text[])[1 + (h1 / 100) % array_length($7, 1)]
             WHEN 'compliment' THEN ($8::text[])[1 + (h1 / 100) % array_length($8, 1)]
             WHEN 'request' THEN ($9::text[])[1 + (h1 / 100) % array_length($9, 1)]
             ELSE ($10::text[])[1 + (h1 / 100) % array_length($10, 1)]
           END AS subject,
           ($11::text[])[1 + (h2 / 100) % array_length($11, 1)] AS neighbourhood,
           ($12::text[])[1 + (h3 / 100) % array_length($12, 1)] AS street
    FROM b
), d AS (
    SELECT c.*,
           created + make_interval(secs => fr_target * 252.0) AS fr_due_raw,
           created + make_interval(secs => res_target * 252.0) AS res_due_raw
    FROM c
), e AS (
    SELECT d.*,
           CASE WHEN deadline IS NOT NULL THEN least(fr_due_raw, deadline) ELSE fr_due_raw END
               AS fr_due,
           CASE WHEN deadline IS NOT NULL THEN least(res_due_raw, deadline) ELSE res_due_raw END
               AS res_due
    FROM d
), f AS (  -- when things happened (never after "now")
    SELECT e.*,
           CASE WHEN status IN ('in_progress','awaiting_citizen','resolved','closed') THEN
                least($3::timestamptz - interval '1 minute',
                      created + (fr_due - created) * fr_share) END AS first_response,
           CASE WHEN status IN ('resolved','closed') THEN
                least($3::timestamptz - interval '1 minute',
                      created + (res_due - created) * greatest(res_share, fr_share)) END
               AS resolved
    FROM e
), s AS (  -- the live SLA clock
    SELECT f.*,
           CASE WHEN status IN ('new','assigned','in_progress') THEN
                CASE WHEN first_response IS NULL THEN fr_due ELSE res_due END END AS due_at,
           CASE WHEN status = 'rejected'
                THEN least($3::timestamptz, created + make_interval(hours => (2 + h8 % 72)::int))
                WHEN status = 'closed'
                THEN least($3::timestamptz, resolved + make_interval(hours => (1 + h8 % 160)::int))
           END AS closed
    FROM f
)
SELECT
    md5('bench-inquiry-' || g)::uuid,
    'INQ-BENCH-' || lpad(g::text, 7, '0'),
    ('00000000-0000-4000-8000-' || lpad(to_hex(45057 + org_ix), 12, '0'))::uuid,
    ('00000000-0000-4000-8000-' || lpad(to_hex(category_n), 12, '0'))::uuid,
    kind,
    ($13::text[])[1 + channel_ix],
    ('00000000-0000-4000-8000-' || lpad(to_hex(57344 + channel_ix), 12, '0'))::uuid,
    status,
    priority,
    subject,
    concat_ws(' ',
        nullif(($14::text[])[1 + h5 % array_length($14, 1)], ''),
        subject || ' في حي ' || neighbourhood || '، ' || street || '.',
        ($15::text[])[(kind_ix - 1) * 4 + 1 + (h6 / 100) % 4]
            || CASE WHEN h7 % 3 = 0 THEN ' منذ ' || (2 + h7 % 9) || ' أيام' ELSE '' END || '.',
        ($16::text[])[1 + (h9 / 100) % array_length($16, 1)]),
    ($17::text[])[1 + (h5 / 1000) % array_length($17, 1)],
    CASE WHEN h5 % 10 < 8 THEN '+9665' || (ARRAY['0','3','4','5','6','9'])[1 + h6 % 6]
                               || lpad((h7 % 10000000)::text, 7, '0') END,
    CASE WHEN kind = 'media_request' OR h5 % 10 < 3 THEN 'citizen' || g || '@example.sa' END,
    CASE WHEN kind IN ('complaint','request') THEN 24.55 + (h8 % 4000) / 10000.0 END,
    CASE WHEN kind IN ('complaint','request') THEN 46.55 + (h9 % 4000) / 10000.0 END,
    CASE WHEN kind IN ('complaint','request') THEN 'حي ' || neighbourhood || '، ' || street END,
    CASE WHEN kind = 'media_request'
         THEN ($18::text[])[1 + (h2 / 1000) % array_length($18, 1)] END,
    deadline,
    ('00000000-0000-4000-8000-' || lpad(to_hex(assignee_n), 12, '0'))::uuid,
    CASE WHEN assignee_n IS NOT NULL
         THEN created + (coalesce(first_response, $3::timestamptz) - created) * 0.3 END,
    CASE WHEN h4 % 100 < 35 THEN
        '00000000-0000-4000-8000-' || lpad(to_hex(49152 + org_ix * 4), 12, '0') END,
    CASE WHEN h4 % 100 < 35 THEN 'user' WHEN h4 % 100 < 40 THEN 'client'
         ELSE 'anonymous' END,
    md5('token-' || g) || md5('hash-' || g),
    CASE WHEN resolved IS NOT NULL
         THEN ($19::text[])[1 + h1 % array_length($19, 1)] END,
    resolved,
    closed,
    CASE WHEN status = 'rejected' THEN
        CASE WHEN h8 % 2 = 0 THEN 'مكرر' ELSE 'خارج نطاق اختصاص الجهة' END END,
    CASE WHEN status = 'rejected' AND h8 % 2 = 0 AND g > 1
         THEN md5('bench-inquiry-' || (g - 1))::uuid END,
    CASE WHEN h2 % 100 < 3 THEN 1 ELSE 0 END,
    'bench',
    resolved + interval '1 minute',
    fr_target,
    res_target,
    created,
    CASE WHEN status = 'awaiting_citizen' THEN first_response END,
    0,
    fr_due,
    res_due,
    first_response,
    CASE WHEN first_response IS NOT NULL THEN round(fr_target * fr_share)::int END,
    CASE WHEN resolved IS NOT NULL THEN round(res_target * greatest(res_share, fr_share))::int END,
    due_at,
    CASE WHEN due_at IS NOT NULL THEN created + (due_at - created) * 0.8 END,
    CASE WHEN due_at > $3::timestamptz THEN due_at END,
    coalesce(due_at <= $3::timestamptz, false) OR coalesce(first_response > fr_due, false)
        OR coalesce(resolved > res_due, false),
    coalesce(first_response > fr_due, false)
        OR (first_response IS NULL AND fr_due <= $3::timestamptz
            AND status IN ('new', 'assigned')),
    coalesce(resolved > res_due, false)
        OR (resolved IS NULL AND res_due <= $3::timestamptz
            AND status IN ('new', 'assigned', 'in_progress')),
    created,
    greatest(created, first_response, resolved, closed)
FROM s
"""


def _insert_args(start: int, stop: int, now: datetime, rows: int) -> list[object]:
    return [
        start,
        stop,
        now,
        list(KINDS),
        SUBJECTS["complaint"],
        SUBJECTS["question"],
        SUBJECTS["suggestion"],
        SUBJECTS["compliment"],
        SUBJECTS["request"],
        SUBJECTS["media_request"],
        NEIGHBOURHOODS,
        STREETS,
        [kind for kind, _ in CHANNELS],
        OPENERS,
        # $15: 4 details per kind, in the order of KINDS (shorter lists repeat)
        [DETAILS[kind][i % len(DETAILS[kind])] for kind in KINDS for i in range(4)],
        CLOSINGS,
        NAMES,
        OUTLETS,
        RESOLUTIONS,
        rows,  # $20
    ]


async def seed_directory(conn: asyncpg.Connection) -> None:
    """The bench's organizations, staff, channels, categories (idempotent)."""
    for index in range(ORG_COUNT):
        region = region_of(index)
        if index == 0:
            ids, kind, code = [org_id(0)], "ministry", "BENCH-MIN"
            name_ar, name_en = "وزارة القياس", "Bench ministry"
        elif index <= REGIONS:
            ids, kind, code = [org_id(0), org_id(index)], "region", f"BENCH-R{index}"
            name_ar, name_en = REGION_NAMES[index - 1]
        else:
            ids = [org_id(0), org_id(region), org_id(index)]
            kind, code = "municipality", f"BENCH-M{index - REGIONS}"
            name_ar = MUNICIPALITY_NAMES[index - 1 - REGIONS] + " (قياس)"
            name_en = f"Bench municipality {index - REGIONS}"
        await conn.execute(
            """INSERT INTO directory_organization (id, parent_id, path, kind, code, name_ar,
                                                   name_en, timezone, weekend, work_start,
                                                   work_end)
               VALUES ($1, $2, $3::ltree, $4, $5, $6, $7, $8, $9, $10, $11)
               ON CONFLICT (id) DO NOTHING""",
            ids[-1],
            ids[-2] if len(ids) > 1 else None,
            path_of(ids),
            kind,
            code,
            name_ar,
            name_en,
            "Asia/Riyadh" if index == 0 else None,
            [4, 5] if index == 0 else None,
            datetime(2000, 1, 1, 8).time() if index == 0 else None,
            datetime(2000, 1, 1, 16).time() if index == 0 else None,
        )
        for slot in range(staff_slots(index)):
            await conn.execute(
                """INSERT INTO directory_user (id, username, full_name_ar, organization_id,
                                               roles, password_hash)
                   VALUES ($1, $2, $3, $4, $5, '!bench')
                   ON CONFLICT (id) DO NOTHING""",
                staff_id(index, slot),
                f"bench.staff.{index}.{slot}",
                NAMES[(index + slot) % len(NAMES)],
                org_id(index),
                ["agent"] if slot else ["coordinator"],
            )
    for slot, (kind, name_ar) in enumerate(CHANNELS):
        await conn.execute(
            """INSERT INTO directory_channel (id, organization_id, kind, name_ar, intake)
               VALUES ($1, $2, $3, $4, true) ON CONFLICT (id) DO NOTHING""",
            channel_id(slot),
            org_id(0),
            kind,
            name_ar,
        )
    for region in range(REGIONS + 1):
        specs = MINISTRY_CATEGORIES if region == 0 else REGION_CATEGORIES
        for slot, (code, name_ar, name_en) in enumerate(specs):
            await conn.execute(
                """INSERT INTO inquiry_category (id, organization_id, code, name_ar, name_en,
                                                 public, intake_default)
                   VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING""",
                category_id(region, slot),
                org_id(region),
                code,
                name_ar,
                name_en,
                region != 0,
                region == 0 and code == "general",
            )


async def _secondary_indexes(conn: asyncpg.Connection) -> list[tuple[str, str]]:
    """(name, CREATE INDEX …) of the inquiry table's indexes that back no constraint."""
    rows = await conn.fetch(
        """SELECT i.relname AS name, pg_get_indexdef(x.indexrelid) AS definition
           FROM pg_index x
           JOIN pg_class i ON i.oid = x.indexrelid
           WHERE x.indrelid = 'inquiry'::regclass
             AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)"""
    )
    return [(r["name"], r["definition"]) for r in rows]


def _if_not_exists(definition: str) -> str:
    for head in ("CREATE UNIQUE INDEX ", "CREATE INDEX "):
        if definition.startswith(head):
            return head + "IF NOT EXISTS " + definition[len(head) :]
    return definition


async def is_seeded(conn: asyncpg.Connection) -> bool:
    await conn.execute(
        """CREATE TABLE IF NOT EXISTS bench_seed (
               name text PRIMARY KEY, rows bigint NOT NULL, seconds double precision NOT NULL,
               seeded_at timestamptz NOT NULL DEFAULT now())"""
    )
    return bool(await conn.fetchval("SELECT true FROM bench_seed WHERE name = $1", SEED_NAME))


async def seed(database_url: str, *, rows: int = ROWS, echo: bool = True) -> float | None:
    """Seeds the bench database once; returns the seconds it took (None: already seeded)."""

    def say(message: str) -> None:
        if echo:
            print(message, flush=True)

    conn = await asyncpg.connect(database_url)
    try:
        await seed_directory(conn)
        if await is_seeded(conn):
            return None
        started = time.monotonic()
        now = datetime.now(UTC)
        say(f"seeding {rows:,} inquiries (once; the bench database is kept) …")
        await conn.execute("SET maintenance_work_mem = '512MB'")
        await conn.execute("SET synchronous_commit = off")
        # a half-finished earlier attempt leaves generated rows: start over
        await conn.execute("DELETE FROM inquiry WHERE source = 'bench'")
        indexes = await _secondary_indexes(conn)
        for name, _ in indexes:
            await conn.execute(f'DROP INDEX IF EXISTS "{name}"')
        try:
            for start in range(1, rows + 1, BATCH):
                stop = min(start + BATCH - 1, rows)
                await conn.execute(INSERT_SQL, *_insert_args(start, stop, now, rows))
                say(f"  {stop:>9,} rows  {time.monotonic() - started:6.1f} s")
        finally:
            for name, definition in indexes:
                t0 = time.monotonic()
                await conn.execute(_if_not_exists(definition))
                say(f"  index {name}  {time.monotonic() - t0:5.1f} s")
        await conn.execute("VACUUM (ANALYZE) inquiry")
        seconds = time.monotonic() - started
        await conn.execute(
            "INSERT INTO bench_seed (name, rows, seconds) VALUES ($1, $2, $3)",
            SEED_NAME,
            rows,
            seconds,
        )
        say(f"seeded {rows:,} inquiries in {seconds:.0f} s")
        return seconds
    finally:
        await conn.close()


def main() -> None:
    """`python -m bench.seed`: start the bench database, migrate and seed it."""
    from bench.harness import ROOT, Stack

    stack = Stack(ROOT / ".govhub" / "bench")
    try:
        stack.start_database()
        asyncio.run(seed(stack.database_url))
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
