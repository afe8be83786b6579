"""What an upload may be: its type from its bytes, per caller kind, a clean display name, and
images without the metadata that would tell where and with what a citizen took them."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import filetype
from PIL import Image, ImageOps, UnidentifiedImageError

from services.common.errors import DomainError, ValidationFailed

# how many leading bytes the detector reads (filetype's own signature window)
SNIFF_BYTES = 8192

JPEG, PNG, WEBP, PDF = "image/jpeg", "image/png", "image/webp", "application/pdf"
IMAGE_TYPES = frozenset({JPEG, PNG, WEBP})
OFFICE_TYPES = frozenset(
    {
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "application/vnd.oasis.opendocument.text",
        "application/vnd.oasis.opendocument.spreadsheet",
        "application/vnd.oasis.opendocument.presentation",
    }
)
MEDIA_TYPES = frozenset({"video/mp4", "audio/mpeg", "audio/x-m4a", "audio/mp4"})

# The allow-list per caller kind: citizens send photos and PDFs; staff and machine clients
# also office documents, audio and video (evidence, press material). Nothing a browser or an
# operating system would run (HTML, SVG, scripts, executables, archives) is ever accepted.
ALLOWED_BY_KIND: Mapping[str, frozenset[str]] = {
    "anonymous": IMAGE_TYPES | {PDF},
    "user": IMAGE_TYPES | {PDF} | OFFICE_TYPES | MEDIA_TYPES,
    "client": IMAGE_TYPES | {PDF} | OFFICE_TYPES | MEDIA_TYPES,
}
# served `inline` (shown in the page): raster images only. A PDF may carry scripts and
# forms that viewers run, so it is a download like everything else.
INLINE_TYPES = IMAGE_TYPES

EXTENSIONS: Mapping[str, str] = {
    JPEG: ".jpg",
    PNG: ".png",
    WEBP: ".webp",
    PDF: ".pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": ".pptx",
    "application/vnd.oasis.opendocument.text": ".odt",
    "application/vnd.oasis.opendocument.spreadsheet": ".ods",
    "application/vnd.oasis.opendocument.presentation": ".odp",
    "video/mp4": ".mp4",
    "audio/mpeg": ".mp3",
    "audio/x-m4a": ".m4a",
    "audio/mp4": ".m4a",
}
EQUIVALENT_EXTENSIONS: Mapping[str, frozenset[str]] = {
    JPEG: frozenset({".jpg", ".jpeg", ".jpe", ".jfif"}),
    "audio/mp4": frozenset({".m4a", ".mp4"}),
    "audio/x-m4a": frozenset({".m4a", ".mp4"}),
}

MAX_FILENAME_CHARS = 200
# what of an image's `info` survives stripping: how it is drawn, nothing about who made it
KEPT_INFO = frozenset({"transparency"})
# larger images are refused rather than decoded (decompression bombs); ~ a 60 MP photo
MAX_IMAGE_PIXELS = 60_000_000


class UnsupportedType(DomainError):
    def __init__(self, found: str | None, allowed: frozenset[str]) -> None:
        super().__init__(
            "نوع الملف غير مسموح به؛ المسموح: " + "، ".join(sorted(allowed)),
            f"This kind of file is not accepted ({found or 'unknown type'}); accepted: "
            + ", ".join(sorted(allowed)),
            "unsupported_attachment_type",
            415,
            extra={"detected_type": found, "accepted_types": sorted(allowed)},
        )


class UnreadableImage(DomainError):
    def __init__(self) -> None:
        super().__init__(
            "تعذرت قراءة الصورة أو أبعادها أكبر من المسموح",
            "The image cannot be read, or it is larger than allowed",
            "unreadable_image",
            422,
        )


def allowed_types(kind: str) -> frozenset[str]:
    return ALLOWED_BY_KIND.get(kind, ALLOWED_BY_KIND["anonymous"])


def sniff(head: bytes) -> str | None:
    """The media type the leading bytes show, or None."""
    guess = filetype.guess(head)
    return guess.mime if guess is not None else None


def check_type(head: bytes, kind: str) -> str:
    """The sniffed type when the caller kind may upload it; 415 otherwise."""
    found = sniff(head)
    allowed = allowed_types(kind)
    if found not in allowed:
        raise UnsupportedType(found, allowed)
    return found


def _invalid_name(message_ar: str, message_en: str) -> ValidationFailed:
    return ValidationFailed("filename", message_ar, message_en)


def clean_filename(raw: str | None, content_type: str) -> str:
    """The display name: the last path segment, NFC, without control or bidirectional
    formatting characters (which could show `gpj.exe` as `exe.jpg`), at most 200 characters,
    ending with the extension of the type found in the bytes. Arabic is kept as given.
    A NUL is refused (422): no name carries one honestly."""
    if raw is not None and "\x00" in raw:
        raise _invalid_name("اسم الملف يحوي المحرف NUL", "The file name contains a NUL character")
    name = unicodedata.normalize("NFC", raw or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c) not in {"Cc", "Cf", "Zl", "Zp"})
    name = " ".join(name.split()).strip(" .")
    extension = EXTENSIONS.get(content_type, "")
    stem, dot, current = name.rpartition(".")
    accepted = EQUIVALENT_EXTENSIONS.get(content_type, frozenset({extension}))
    if not name:
        name = "attachment" + extension
    elif not (dot and stem and f".{current.lower()}" in accepted):
        name = name + extension  # `photo.exe` holding a JPEG is served as `photo.exe.jpg`
    if len(name) > MAX_FILENAME_CHARS:
        keep = MAX_FILENAME_CHARS - len(extension)
        base = name[: -len(extension)] if extension and name.endswith(extension) else name
        name = base[:keep].rstrip(" .") + extension
    return name


@dataclass(frozen=True)
class Stripped:
    path: Path
    removed: bool


def strip_metadata(source: Path, target: Path, content_type: str) -> Stripped:
    """Writes the image at `source` to `target` without EXIF (GPS, device, time), XMP,
    IPTC, comments or text chunks, turned upright first as its EXIF orientation said.
    JPEGs keep their quantization tables (no visible loss) when no turn was needed. Runs in
    a worker thread: it decodes the image."""
    try:
        with Image.open(source) as image:
            width, height = image.size
            if width * height > MAX_IMAGE_PIXELS:
                raise UnreadableImage()
            image.load()
            upright = ImageOps.exif_transpose(image)
            turned = upright is not image
            fmt = image.format
            save_from: Image.Image = upright if turned else image
            options: dict[str, object] = {}
            icc = image.info.get("icc_profile")
            if icc:
                options["icc_profile"] = icc  # colour, not personal: kept
            if fmt == "JPEG":
                options.update(
                    {"quality": 92} if turned else {"quality": "keep", "subsampling": "keep"}
                )
                if image.mode not in {"RGB", "L", "CMYK"}:
                    save_from = save_from.convert("RGB")
            elif fmt == "WEBP":
                options["lossless"] = bool(image.info.get("lossless", False))
                options["quality"] = 90
            # a fresh info dict: nothing of the original's text, comments, XMP or EXIF rides
            # along (the JPEG writer, for one, copies `info["comment"]` unless told)
            save_from.info = {k: v for k, v in image.info.items() if k in KEPT_INFO}
            save_from.save(target, format=fmt, **options)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, ValueError) as exc:
        raise UnreadableImage() from exc
    return Stripped(target, True)
