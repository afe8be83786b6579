"""The one reading of an OAuth2 token request's form body, shared by the gateway (which
limits sign-ins per username) and the directory (which checks them): if the two read a
body differently — the first of a repeated field here, the last there, or a multipart
body one of them does not parse — the per-username limit counts one name while another
is tried. So there is one parser, and a body it cannot read without doubt is refused.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from services.common.i18n import TITLES

FORM_MEDIA_TYPE = "application/x-www-form-urlencoded"
MAX_FORM_BYTES = 64 * 1024
MAX_FORM_FIELDS = 32
# the RFC 6749 error word both the gateway and the directory answer for such a body
TITLES.setdefault("invalid_request", ("طلب رمز الدخول غير مكتمل", "Invalid token request"))


class AmbiguousFormError(ValueError):
    """A token request body that is not exactly one urlencoded form."""

    def __init__(self, reason_ar: str, reason_en: str) -> None:
        super().__init__(reason_en)
        self.reason_ar = reason_ar
        self.reason_en = reason_en


def parse_token_form(content_type: str, body: bytes) -> dict[str, str]:
    """The fields of an `application/x-www-form-urlencoded` body, each named at most once.

    Raises `AmbiguousFormError` for another media type (multipart included), a body over
    64 KiB or of more than 32 fields, bytes that are not UTF-8, or a field sent twice."""
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type != FORM_MEDIA_TYPE:
        raise AmbiguousFormError(
            f"أرسل الطلب بصيغة {FORM_MEDIA_TYPE}", f"Send the body as {FORM_MEDIA_TYPE}"
        )
    if len(body) > MAX_FORM_BYTES:
        raise AmbiguousFormError("النموذج أكبر من المسموح", "The form is too large")
    try:
        text = body.decode("utf-8")
        pairs = parse_qsl(
            text, keep_blank_values=True, max_num_fields=MAX_FORM_FIELDS, errors="strict"
        )
    except UnicodeDecodeError as exc:
        raise AmbiguousFormError(
            "النموذج ليس بترميز UTF-8 صالح", "The form is not valid UTF-8"
        ) from exc
    except ValueError as exc:  # more fields than allowed
        raise AmbiguousFormError("حقول النموذج كثيرة", "The form has too many fields") from exc
    fields: dict[str, str] = {}
    for name, value in pairs:
        if name in fields:
            raise AmbiguousFormError(
                f"الحقل {name} مكرر في الطلب", f"The field {name!r} is sent more than once"
            )
        fields[name] = value
    return fields
