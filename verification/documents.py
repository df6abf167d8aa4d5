"""Uploading identity documents: an untrusted file in, a clean piece of evidence out.

``document_upload`` checks, in this order, before anything is written: the document
type, the file name, the size (from ``uploaded_file.size``, then while hashing), the
customer's quota, the real type from the content (magic bytes, then Pillow's own
detection limited to JPEG and PNG), the pixel count from the header (before decoding),
and that the pixels decode. Images are then rebuilt from their pixel data and encoded
again, which drops everything that is not pixels: EXIF (GPS included), ICC profiles,
comments, text chunks and bytes appended after the image. PDFs (scanned paper forms
only) cannot be re-encoded without a renderer, so they are checked (header, end marker,
page count, no scripts or encryption) and kept as uploaded; they are only ever served
as a download.

Memory: the file is streamed for hashing and the PDF checks; an image is decoded once
and rebuilt once, so a 12-megapixel photo holds at most about three copies of its
pixels (36 MB each in RGB) for a moment, plus the encoded result. A file that would
need more is refused by the pixel limit before it is decoded.
"""

import hashlib
import io
import logging
import re
import struct
import unicodedata
import uuid
import warnings
from dataclasses import dataclass
from datetime import date
from pathlib import PurePosixPath

from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import transaction
from django.http import HttpRequest
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image, ImageOps

from customers.enums import Channel
from customers.models import Customer
from kyc_portal.accounts.roles import Role, user_has_role
from kyc_portal.audit.services import audit_record
from kyc_portal.core.errors import ConflictError, DomainError, NotAllowedError
from verification.checks.services import checks_document_added
from verification.enums import DOCUMENT_UPLOAD_STATES, CaseState
from verification.models import Case, Document, DocumentKind
from verification.models.document import document_storage
from verification.selectors import DOCUMENT_REVIEW_ROLES, customer_document_usage
from verification.workflow import case_fast_track_queue

logger = logging.getLogger(__name__)

__all__ = [
    "DocumentVariant",
    "document_display_name",
    "document_open",
    "document_upload",
]

DISPLAY_NAME_MAX_LENGTH = 100
HEADER_BYTES = 512
STORAGE_FOLDER = "documents"
THUMBNAIL_QUALITY = 85

JPEG, PNG, PDF = "jpeg", "png", "pdf"
CONTENT_TYPES = {JPEG: "image/jpeg", PNG: "image/png", PDF: "application/pdf"}
EXTENSIONS = {JPEG: ".jpg", PNG: ".png", PDF: ".pdf"}
# What Pillow may try when opening each type. Never its full plugin list: EPS would start
# Ghostscript, and the other formats are not accepted anyway. The JPEG plugin also opens
# the MPO files of phones that embed a second picture; naming "MPO" here would make Pillow
# raise KeyError on bytes that only start like a JPEG.
PILLOW_FORMATS = {JPEG: ("JPEG",), PNG: ("PNG",)}

# Formats refused by name, so the message can say what the file really is.
_REFUSED_SIGNATURES: tuple[tuple[bytes, object], ...] = (
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
    (b"%!PS", "EPS/PostScript"),
    (b"\xc5\xd0\xd3\xc6", "EPS/PostScript"),
    (b"BM", "BMP"),
    (b"\x00\x00\x00\x0cjP  ", "JPEG 2000"),
    (b"\xff\x4f\xff\x51", "JPEG 2000"),
    (b"PK\x03\x04", "ZIP"),
    (b"\x7fELF", gettext_lazy("program")),
    (b"MZ", gettext_lazy("program")),
)
_HEIF_BRANDS = (b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1", b"avif")

# PDF checks, done on the raw bytes while streaming (no parser, nothing executed). The
# patterns have a bounded length so that matches across chunk borders are found once.
_PDF_PAGE = re.compile(rb"/Type\s{0,8}/Page(?![A-Za-z])")
_PDF_ACTIVE = re.compile(rb"/(?:JavaScript|JS|Launch|EmbeddedFile|RichMedia|XFA)(?![A-Za-z])")
_PDF_ENCRYPTED = re.compile(rb"/Encrypt(?![A-Za-z])")
_PDF_PATTERN_MAX = 32
_PDF_END_WINDOW = 1024


class DocumentVariant:
    ORIGINAL = "original"
    THUMBNAIL = "thumbnail"


@dataclass
class _Processed:
    """What will be stored: the file's bytes (or the uploaded file itself, for a PDF)."""

    content: File
    file_type: str
    byte_size: int
    width: int | None = None
    height: int | None = None
    page_count: int | None = None
    thumbnail: bytes | None = None


def _file_error(message, code: str) -> DomainError:
    return DomainError(message, code=code, field="file")


# --- names ---------------------------------------------------------------------------


def document_display_name(raw_name: str | None) -> str:
    """The uploader's file name, safe to show: no folders, no control characters, short.

    Used for display only; the stored file gets a server-made name. Raises
    ``DomainError("bad_name")`` when nothing readable is left.
    """
    name = (raw_name or "").replace("\\", "/")
    name = PurePosixPath(name).name if "/" in name else name
    # Control and format characters: NUL, newlines, and right-to-left overrides that
    # would make "gpj.exe" look like "exe.jpg".
    name = "".join(char for char in name if unicodedata.category(char) not in {"Cc", "Cf"})
    name = name.strip().lstrip(".").strip()
    if not name:
        raise _file_error(
            _(
                "The file name cannot be read. Rename the file (for example scan.jpg) "
                "and upload it again."
            ),
            code="bad_name",
        )
    if len(name) > DISPLAY_NAME_MAX_LENGTH:
        suffix = PurePosixPath(name).suffix[:10]
        name = name[: DISPLAY_NAME_MAX_LENGTH - len(suffix)] + suffix
    return name


def _server_name(file_type: str, *, thumbnail: bool = False) -> str:
    token = uuid.uuid4().hex
    folder = f"{STORAGE_FOLDER}/thumbnails" if thumbnail else STORAGE_FOLDER
    extension = ".jpg" if thumbnail else EXTENSIONS[file_type]
    return f"{folder}/{token[:2]}/{token}{extension}"


# --- checks that do not need the content ---------------------------------------------


def _check_kind(kind: str) -> None:
    if kind not in DocumentKind.values:
        raise DomainError(
            _("Choose what kind of document this is."), code="unknown_kind", field="kind"
        )


def _check_case_open(case: Case | None) -> None:
    if case is not None and case.state not in DOCUMENT_UPLOAD_STATES:
        raise ConflictError(
            _("Documents can no longer be added to this application."),
            code="documents_closed",
        )


def _check_case(*, case: Case | None, customer: Customer) -> None:
    if case is not None and case.customer_id != customer.pk:
        raise DomainError(
            _("This application belongs to another customer."), code="case_mismatch", field="case"
        )


def _check_actor(*, actor, customer: Customer) -> None:
    """The uploader: the customer, staff of the customer's store, or a reviewer.

    ``actor=None`` is the system itself (demo data, imports) and is trusted.
    """
    if actor is None:
        return
    allowed = (
        user_has_role(actor, *DOCUMENT_REVIEW_ROLES)
        or (
            user_has_role(actor, Role.STORE_STAFF)
            and actor.store_id is not None
            and actor.store_id == customer.store_id
        )
        or (
            user_has_role(actor, Role.CUSTOMER)
            and customer.user_id is not None
            and customer.user_id == actor.pk
        )
    )
    if not allowed:
        raise NotAllowedError(_("You may not add documents for this customer."), code="not_allowed")


def _check_size(uploaded_file: File) -> int:
    size = uploaded_file.size
    if not size:
        raise _file_error(
            _("The file is empty. Choose the photo or scan again and upload it."), code="empty"
        )
    limit = settings.DOCUMENT_MAX_BYTES
    if size > limit:
        raise _file_error(
            _(
                "The file is %(size)s; the largest accepted is %(limit)s. Take the photo at a "
                "lower resolution or scan at 300 dpi."
            )
            % {"size": filesizeformat(size), "limit": filesizeformat(limit)},
            code="too_large",
        )
    return size


def _check_quota(*, customer: Customer, adding_bytes: int) -> None:
    usage = customer_document_usage(customer=customer)
    if usage.count >= settings.DOCUMENT_QUOTA_PER_CUSTOMER:
        raise _file_error(
            _(
                "This customer already has %(count)s documents, the most we keep. Ask a "
                "reviewer which ones are still needed."
            )
            % {"count": usage.count},
            code="quota_exceeded",
        )
    if usage.byte_size + adding_bytes > settings.DOCUMENT_QUOTA_BYTES:
        raise _file_error(
            _(
                "This customer's documents would take more than %(limit)s in all. Upload "
                "smaller photos or scans."
            )
            % {"limit": filesizeformat(settings.DOCUMENT_QUOTA_BYTES)},
            code="quota_exceeded",
        )


# --- reading the content -------------------------------------------------------------


def _hash_original(uploaded_file: File) -> str:
    """SHA-256 of the bytes sent, read in chunks; stops if they exceed the size limit."""
    digest = hashlib.sha256()
    total = 0
    for chunk in uploaded_file.chunks():
        total += len(chunk)
        if total > settings.DOCUMENT_MAX_BYTES:
            # The size the file claimed was wrong; treat it like any oversized file.
            raise _file_error(
                _("The file is larger than %(limit)s, the largest accepted.")
                % {"limit": filesizeformat(settings.DOCUMENT_MAX_BYTES)},
                code="too_large",
            )
        digest.update(chunk)
    if total == 0:
        raise _file_error(
            _("The file is empty. Choose the photo or scan again and upload it."), code="empty"
        )
    return digest.hexdigest()


def _read_header(uploaded_file: File) -> bytes:
    uploaded_file.seek(0)
    header = uploaded_file.read(HEADER_BYTES)
    uploaded_file.seek(0)
    return header


def _refused_format_name(header: bytes) -> str | None:
    """The name of a known format we do not accept, or None when we do not know it."""
    for signature, name in _REFUSED_SIGNATURES:
        if header.startswith(signature):
            return str(name)
    if header[:4] == b"RIFF" and header[8:12] == b"WEBP":
        return "WebP"
    if header[4:8] == b"ftyp" and header[8:12] in _HEIF_BRANDS:
        return "HEIC/AVIF"
    text = header.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if b"<svg" in text:
        return "SVG"
    if text.startswith((b"<!doctype html", b"<html", b"<head", b"<body", b"<script")):
        return "HTML"
    if text.startswith(b"<?xml"):
        return "XML"
    return None


def _detect_type(header: bytes, *, kind: str) -> str:
    """JPEG, PNG or PDF by the first bytes; anything else is refused with its name."""
    if header.startswith(b"\xff\xd8\xff"):
        return JPEG
    if header.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if header.startswith(b"%PDF-"):
        if kind != DocumentKind.PAPER_FORM:
            raise _file_error(
                _(
                    "A PDF is accepted only for the scanned paper form. Upload a JPEG or "
                    "PNG image of this document."
                ),
                code="unsupported_type",
            )
        return PDF
    accepted = (
        _("JPEG or PNG images, or a PDF of the scan")
        if kind == DocumentKind.PAPER_FORM
        else _("JPEG or PNG images")
    )
    known = _refused_format_name(header)
    if known:
        message = _("This file is a %(format)s file. Only %(accepted)s are accepted.") % {
            "format": known,
            "accepted": accepted,
        }
    else:
        message = _(
            "This file is not in a format we accept, whatever its name says. Only "
            "%(accepted)s are accepted."
        ) % {"accepted": accepted}
    raise _file_error(message, code="unsupported_type")


# --- images --------------------------------------------------------------------------


def _too_many_pixels(limit: int) -> DomainError:
    return _file_error(
        _(
            "The image has too many pixels (at most %(megapixels)s megapixels are accepted). "
            "Take the photo at a lower resolution."
        )
        % {"megapixels": round(limit / 1_000_000)},
        code="too_many_pixels",
    )


def _corrupt_image() -> DomainError:
    return _file_error(
        _("The image is damaged or incomplete and cannot be read. Upload it again."),
        code="corrupt",
    )


def _pixels_only(image: Image.Image) -> Image.Image:
    """A new RGB or greyscale image holding only the pixels of ``image``.

    Transparent areas become white (documents are read on white). The result carries no
    metadata at all: it was never read from a file.
    """
    if image.mode in {"RGB", "L"}:
        source = image
    elif image.mode in {"RGBA", "LA", "PA", "P", "RGBa", "La"} and (
        image.mode != "P" or "transparency" in image.info
    ):
        rgba = image.convert("RGBA")
        clean = Image.new("RGB", image.size, "white")
        clean.paste(rgba, mask=rgba.getchannel("A"))
        return clean
    elif image.mode in {"1", "I", "I;16", "I;16B", "I;16L", "F"}:
        source = image.convert("L")
    else:  # P without transparency, CMYK, YCbCr, LAB …
        source = image.convert("RGB")
    clean = Image.new(source.mode, source.size)
    clean.paste(source)
    return clean


def _encode(image: Image.Image, file_type: str) -> bytes:
    buffer = io.BytesIO()
    if file_type == JPEG:
        image.save(buffer, "JPEG", quality=settings.DOCUMENT_JPEG_QUALITY)
    else:
        image.save(buffer, "PNG")
    return buffer.getvalue()


def _thumbnail(image: Image.Image) -> bytes:
    """A small JPEG of ``image``; shrinks ``image`` in place (it is not needed after)."""
    side = settings.DOCUMENT_THUMBNAIL_SIZE
    image.thumbnail((side, side))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=THUMBNAIL_QUALITY)
    return buffer.getvalue()


def _process_image(uploaded_file: File, file_type: str) -> _Processed:
    limit = settings.DOCUMENT_MAX_PIXELS
    # Pillow's own guard, at our limit: it warns above it and fails at twice it.
    Image.MAX_IMAGE_PIXELS = limit
    uploaded_file.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(uploaded_file, formats=PILLOW_FORMATS[file_type]) as opened:
                width, height = opened.size
                # From the header only: nothing has been decoded yet.
                if width * height > limit:
                    raise _too_many_pixels(limit)
                opened.load()
                # Upright first, while the orientation tag is still there to read.
                ImageOps.exif_transpose(opened, in_place=True)
                clean = _pixels_only(opened)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels(limit) from None
    except DomainError:
        raise
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, struct.error):
        # Truncated or malformed data (UnidentifiedImageError is an OSError).
        raise _corrupt_image() from None
    encoded = _encode(clean, file_type)
    width, height = clean.size
    thumbnail = _thumbnail(clean)
    return _Processed(
        content=ContentFile(encoded),
        file_type=file_type,
        byte_size=len(encoded),
        width=width,
        height=height,
        thumbnail=thumbnail,
    )


# --- PDF -----------------------------------------------------------------------------


def _process_pdf(uploaded_file: File, *, size: int) -> _Processed:
    """Check a PDF on its raw bytes, streaming; it is stored exactly as uploaded."""
    pages = 0
    active = encrypted = False
    carry = b""
    tail = b""
    for chunk in uploaded_file.chunks():
        data = carry + chunk
        # Matches ending inside ``carry`` were counted with the previous chunk.
        pages += sum(1 for match in _PDF_PAGE.finditer(data) if match.end() > len(carry))
        active = active or _PDF_ACTIVE.search(data) is not None
        encrypted = encrypted or _PDF_ENCRYPTED.search(data) is not None
        carry = data[-_PDF_PATTERN_MAX:]
        tail = (tail + chunk)[-_PDF_END_WINDOW:]
    if b"%%EOF" not in tail:
        raise _file_error(
            _("The PDF is incomplete or damaged. Scan the form again and upload the new file."),
            code="corrupt",
        )
    if encrypted:
        raise _file_error(
            _("The PDF is protected by a password. Upload a scan without a password."),
            code="pdf_encrypted",
        )
    if active:
        raise _file_error(
            _("The PDF contains scripts or attached files. Upload a plain scan of the paper form."),
            code="pdf_active_content",
        )
    if pages > settings.DOCUMENT_MAX_PDF_PAGES:
        raise _file_error(
            _("The PDF has %(pages)s pages; at most %(limit)s are accepted.")
            % {"pages": pages, "limit": settings.DOCUMENT_MAX_PDF_PAGES},
            code="too_many_pages",
        )
    uploaded_file.seek(0)
    return _Processed(
        content=uploaded_file,
        file_type=PDF,
        byte_size=size,
        # Compressed object streams hide the page objects from this scan: unknown then.
        page_count=pages or None,
    )


# --- storing -------------------------------------------------------------------------


def _channel_of(*, actor, request: HttpRequest | None, customer: Customer) -> str:
    if user_has_role(actor, Role.STORE_STAFF):
        return Channel.STORE
    if request is not None and request.path.startswith("/api/"):
        return Channel.API
    if actor is None:
        return customer.channel
    return Channel.WEB


def _store(
    *,
    processed: _Processed,
    customer: Customer,
    fields: dict,
    actor,
    request: HttpRequest | None,
) -> Document:
    """Write the files, then the row; if anything fails, no file is left behind."""
    storage = document_storage()
    written: list[str] = []
    try:
        file_name = storage.save(_server_name(processed.file_type), processed.content)
        written.append(file_name)
        thumbnail_name = ""
        if processed.thumbnail is not None:
            thumbnail_name = storage.save(
                _server_name(processed.file_type, thumbnail=True),
                ContentFile(processed.thumbnail),
            )
            written.append(thumbnail_name)
        with transaction.atomic():
            # One upload at a time per customer, so two cannot both slip under the quota.
            Customer.objects.select_for_update().filter(pk=customer.pk).first()
            _check_quota(customer=customer, adding_bytes=processed.byte_size)
            document = Document.objects.create(
                customer=customer,
                file=file_name,
                thumbnail=thumbnail_name,
                content_type=CONTENT_TYPES[processed.file_type],
                width=processed.width,
                height=processed.height,
                page_count=processed.page_count,
                byte_size=processed.byte_size,
                uploaded_by=actor,
                **fields,
            )
            audit_record(
                action="document.upload",
                actor=actor,
                request=request,
                target=document,
                details={
                    "kind": document.kind,
                    "content_type": document.content_type,
                    "channel": document.channel,
                },
            )
    except BaseException:
        for name in written:
            try:
                storage.delete(name)
            except Exception:
                # The original error matters more; the orphan is logged for clean-up.
                logger.exception("Could not remove the document file %s after a failure", name)
        raise
    return document


def document_upload(
    *,
    customer: Customer,
    kind: str,
    uploaded_file: File,
    actor,
    request: HttpRequest | None = None,
    case: Case | None = None,
    expiry_date: date | None = None,
    channel: str | None = None,
) -> Document:
    """Check an uploaded file, store a clean copy and record it as the customer's document.

    Raises ``DomainError`` with one of the codes ``unknown_kind``, ``case_mismatch``,
    ``bad_name``, ``empty``, ``too_large``, ``quota_exceeded``, ``unsupported_type``,
    ``too_many_pixels``, ``corrupt``, ``pdf_encrypted``, ``pdf_active_content``,
    ``too_many_pages``, or ``NotAllowedError`` (``not_allowed``). Nothing is stored then.
    ``channel`` defaults to the store for store staff, the API for /api/ requests and the
    web otherwise. A caller that wraps this in its own transaction and then rolls back
    leaves the files without a row (the row and its audit entry are rolled back).
    """
    try:
        _check_kind(kind)
        _check_case(case=case, customer=customer)
        _check_case_open(case)
        _check_actor(actor=actor, customer=customer)
        display_name = document_display_name(uploaded_file.name)
        size = _check_size(uploaded_file)
        _check_quota(customer=customer, adding_bytes=0)
        original_sha256 = _hash_original(uploaded_file)
        file_type = _detect_type(_read_header(uploaded_file), kind=kind)
        if file_type == PDF:
            processed = _process_pdf(uploaded_file, size=size)
        else:
            processed = _process_image(uploaded_file, file_type)
    except DomainError as error:
        # The customer's id and the code only: never the file name or its content.
        logger.info("Document upload refused for customer %s: %s", customer.pk, error.code)
        raise
    fields = {
        "case": case,
        "kind": kind,
        "original_name": display_name,
        "original_sha256": original_sha256,
        "original_size": size,
        "channel": channel or _channel_of(actor=actor, request=request, customer=customer),
        "expiry_date": expiry_date,
    }
    document = _store(
        processed=processed, customer=customer, fields=fields, actor=actor, request=request
    )
    if case is not None:
        checks_document_added(case=case, document_kind=kind)
        if case.state == CaseState.DOCUMENT_REVIEW and case.is_fast_track():
            # A fast-track candidate waiting for its identity images tries again.
            case_fast_track_queue(case=case)
    return document


def document_image_clean(uploaded_file: File, *, kind: str) -> bytes:
    """The same checks as an upload (size, real type, pixel limit, decoding) and the
    re-encoded image's bytes, without storing anything: for a scan that is only read."""
    _check_size(uploaded_file)
    # A PDF is refused here for every kind but the paper form, which is never read.
    file_type = _detect_type(_read_header(uploaded_file), kind=kind)
    return _process_image(uploaded_file, file_type).content.read()


def document_open(*, document: Document, variant: str, actor, request: HttpRequest | None) -> File:
    """Open a document's file (or thumbnail) for someone to look at, and audit that.

    The caller has already checked that ``actor`` may see the document
    (``verification.selectors.document_get``). Raises FileNotFoundError when the
    document has no such file.
    """
    field = document.thumbnail if variant == DocumentVariant.THUMBNAIL else document.file
    if not field:
        raise FileNotFoundError(variant)
    stream = field.storage.open(field.name, "rb")
    try:
        audit_record(
            action="document.view",
            actor=actor,
            request=request,
            target=document,
            details={"variant": variant},
        )
    except BaseException:
        # Nobody sees a document whose viewing was not recorded.
        stream.close()
        raise
    return stream
