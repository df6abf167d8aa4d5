"""Uploads are untrusted: the corpus of issue 4, each refused with nothing stored, or
stored clean."""

import hashlib
import io
from pathlib import Path

import pytest
from django.core.files import File
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError
from django.utils import translation
from PIL import Image

from customers.enums import Channel
from kyc_portal.accounts.roles import Role
from kyc_portal.audit.models import AuditEntry
from kyc_portal.core.errors import DomainError, NotAllowedError
from tests.factories.accounts import StoreFactory, UserFactory
from tests.verification import corpus
from tests.verification.uploads import stored_files, upload
from verification.documents import document_upload
from verification.models import Case, Document, DocumentKind

pytestmark = pytest.mark.django_db

MEGABYTE = 1024 * 1024


def refused(customer, data: bytes, storage_dir: Path, **options) -> DomainError:
    """Upload and expect a refusal that leaves no file and no row behind."""
    with pytest.raises(DomainError) as caught:
        upload(customer, data, **options)
    assert stored_files(storage_dir) == []
    assert not Document.objects.exists()
    return caught.value


def stored_image(document: Document) -> tuple[bytes, Image.Image]:
    with document.file.open("rb") as handle:
        data = handle.read()
    image = Image.open(io.BytesIO(data))
    image.load()
    return data, image


# --- refused ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("width", "height", "size_kb"), [(20000, 20000, 50), (10000, 10000, 12), (8000, 6000, 6)]
)
def test_decompression_bombs_are_refused_before_decoding(
    customer, storage_dir, width, height, size_kb
):
    bomb = corpus.blank_png(width, height)
    assert len(bomb) <= size_kb * 1024  # tiny on disk, hundreds of MB once decoded

    error = refused(customer, bomb, storage_dir, name="bomb.png")

    assert error.code == "too_many_pixels"
    assert "40 megapixels" in error.message


@pytest.mark.parametrize(
    ("builder", "name", "what"),
    [
        (corpus.gif, "photo.png", "GIF"),
        (corpus.tiff, "scan.jpg", "TIFF"),
        (corpus.svg, "card.png", "SVG"),
        (corpus.eps, "card.jpg", "EPS"),
        (corpus.html, "card.png", "HTML"),
    ],
)
def test_other_formats_are_refused_by_content_whatever_their_name(
    customer, storage_dir, builder, name, what
):
    error = refused(customer, builder(), storage_dir, name=name)

    assert error.code == "unsupported_type"
    assert what in error.message
    assert "JPEG" in error.message


def test_unknown_content_is_refused_without_guessing(customer, storage_dir):
    error = refused(customer, b"just some text\n" * 10, storage_dir, name="card.jpg")

    assert error.code == "unsupported_type"
    assert "whatever its name says" in error.message


def test_the_client_content_type_is_not_trusted(customer, storage_dir):
    lying = SimpleUploadedFile("photo.png", corpus.gif(), content_type="image/png")

    with pytest.raises(DomainError) as caught:
        document_upload(
            customer=customer,
            kind=DocumentKind.SELFIE,
            uploaded_file=lying,
            actor=customer.user,
        )

    assert caught.value.code == "unsupported_type"
    assert stored_files(storage_dir) == []


def test_truncated_jpeg_is_refused_as_damaged(customer, storage_dir):
    error = refused(customer, corpus.truncated_jpeg(), storage_dir)

    assert error.code == "corrupt"
    assert "damaged or incomplete" in error.message


def test_bytes_that_only_start_like_a_jpeg_are_refused_as_damaged(customer, storage_dir):
    error = refused(customer, b"\xff\xd8\xff" + b"not really a picture" * 10, storage_dir)

    assert error.code == "corrupt"


def test_empty_file_is_refused(customer, storage_dir):
    error = refused(customer, b"", storage_dir)

    assert error.code == "empty"


class _SpyFile(File):
    """A file that counts how many bytes the service reads from it."""

    bytes_read = 0

    def read(self, size=-1):
        data = super().read(size)
        self.bytes_read += len(data)
        return data


def test_an_oversized_file_is_refused_without_reading_it(customer, storage_dir, tmp_path):
    big = tmp_path / "big.jpg"
    with big.open("wb") as handle:
        handle.write(b"\xff\xd8\xff\xe0")
        handle.truncate(30 * MEGABYTE)  # sparse: 30 MB without writing 30 MB
    with big.open("rb") as handle:
        spy = _SpyFile(handle, name="big.jpg")
        with pytest.raises(DomainError) as caught:
            document_upload(
                customer=customer,
                kind=DocumentKind.ID_CARD_FRONT,
                uploaded_file=spy,
                actor=customer.user,
            )

    assert caught.value.code == "too_large"
    assert "30.0" in caught.value.message and "10.0" in caught.value.message
    assert spy.bytes_read == 0
    assert stored_files(storage_dir) == []


def test_a_file_larger_than_it_claims_is_refused_while_streaming(customer, storage_dir, settings):
    settings.DOCUMENT_MAX_BYTES = 1000
    data = corpus.photo(size=(200, 200))
    assert len(data) > 1000
    lying = File(io.BytesIO(data), name="small.jpg")
    lying.size = 500

    with pytest.raises(DomainError) as caught:
        document_upload(
            customer=customer, kind=DocumentKind.SELFIE, uploaded_file=lying, actor=customer.user
        )

    assert caught.value.code == "too_large"
    assert stored_files(storage_dir) == []


def test_a_pdf_is_only_accepted_for_the_paper_form(customer, storage_dir):
    error = refused(customer, corpus.pdf(), storage_dir, name="id.pdf")

    assert error.code == "unsupported_type"
    assert "paper form" in error.message


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (
            corpus.pdf(extra=b" /OpenAction << /S /JavaScript /JS (app.alert(1)) >>"),
            "pdf_active_content",
        ),
        (corpus.pdf(extra=b" /Launch << /F (cmd.exe) >>"), "pdf_active_content"),
        (corpus.pdf(extra=b" /Encrypt 9 0 R"), "pdf_encrypted"),
        (corpus.pdf(pages=3)[:-40], "corrupt"),
    ],
)
def test_risky_or_damaged_pdfs_are_refused(customer, storage_dir, data, code):
    error = refused(customer, data, storage_dir, name="form.pdf", kind=DocumentKind.PAPER_FORM)

    assert error.code == code


def test_a_pdf_with_too_many_pages_is_refused(customer, storage_dir, settings):
    settings.DOCUMENT_MAX_PDF_PAGES = 2

    error = refused(
        customer, corpus.pdf(pages=3), storage_dir, name="form.pdf", kind=DocumentKind.PAPER_FORM
    )

    assert error.code == "too_many_pages"
    assert "3" in error.message


@pytest.mark.parametrize("name", ["\x00", "..", "  \x01\x02 ", ""])
def test_a_name_with_nothing_readable_is_refused(customer, storage_dir, name):
    error = refused(customer, corpus.png(), storage_dir, name=name)

    assert error.code == "bad_name"


def test_unknown_kind_is_refused(customer, storage_dir):
    error = refused(customer, corpus.png(), storage_dir, kind="driving_licence")

    assert error.code == "unknown_kind"
    assert error.field == "kind"


def test_a_case_of_another_customer_is_refused(customer, storage_dir, store):
    other = type(customer).objects.create(kind=customer.kind, channel=Channel.WEB)
    other_case = Case.objects.create(customer=other)

    error = refused(customer, corpus.png(), storage_dir, case=other_case)

    assert error.code == "case_mismatch"


@pytest.mark.parametrize(
    "uploader",
    [
        lambda: UserFactory(role=Role.CUSTOMER),
        lambda: UserFactory(role=Role.STORE_STAFF, store=StoreFactory()),
        lambda: UserFactory(role=Role.ADMINISTRATOR),
    ],
    ids=["another customer", "staff of another store", "administrator"],
)
def test_only_the_customer_their_store_and_reviewers_may_upload(customer, storage_dir, uploader):
    with pytest.raises(NotAllowedError):
        upload(customer, corpus.png(), actor=uploader())

    assert stored_files(storage_dir) == []


# --- stored clean ----------------------------------------------------------------------


def test_a_jpeg_is_stored_re_encoded_under_a_server_name_with_a_thumbnail(customer, storage_dir):
    original = corpus.photo(size=(1200, 800))

    document = upload(customer, original, name="身份证 正面.JPG")

    assert document.original_sha256 == hashlib.sha256(original).hexdigest()
    assert document.original_size == len(original)
    assert document.original_name == "身份证 正面.JPG"
    assert document.content_type == "image/jpeg"
    assert (document.width, document.height) == (1200, 800)
    assert document.channel == Channel.WEB
    assert document.uploaded_by == customer.user
    assert document.status == "received"
    assert "身份证" not in document.file.name
    assert document.file.name.startswith("documents/")
    assert document.file.name.endswith(".jpg")
    data, image = stored_image(document)
    assert image.format == "JPEG"
    assert data != original
    assert document.byte_size == len(data)
    with document.thumbnail.open("rb") as handle:
        thumbnail = Image.open(handle)
        assert thumbnail.format == "JPEG"
        assert max(thumbnail.size) == 320
    assert len(stored_files(storage_dir)) == 2
    entry = AuditEntry.objects.get(action="document.upload")
    assert entry.target_id == str(document.pk)
    assert entry.details == {
        "kind": "id_card_front",
        "content_type": "image/jpeg",
        "channel": "web",
    }


def test_html_appended_to_a_png_is_gone(customer, storage_dir):
    dirty = corpus.png_with_html()
    with Image.open(io.BytesIO(dirty)) as check:
        check.load()  # Pillow reads the image and ignores the tail: the danger is real

    document = upload(customer, dirty, name="card.png")

    data, image = stored_image(document)
    assert image.format == "PNG"
    assert b"<script" not in data
    assert b"<html" not in data
    assert document.file.name.endswith(".png")
    for path in stored_files(storage_dir):
        assert b"<script" not in path.read_bytes()


def test_gps_exif_icc_and_comment_are_gone_and_the_photo_is_upright(customer, storage_dir):
    dirty = corpus.jpeg_with_gps_and_comment(size=(64, 48))
    with Image.open(io.BytesIO(dirty)) as check:  # the test photo does carry all of it
        assert check.getexif().get_ifd(0x8825)
        assert check.info["comment"] == corpus.GPS_COMMENT
        assert "icc_profile" in check.info

    document = upload(customer, dirty)

    data, image = stored_image(document)
    assert len(image.getexif()) == 0
    assert "comment" not in image.info
    assert "icc_profile" not in image.info
    assert "exif" not in image.info
    assert corpus.GPS_COMMENT not in data
    assert b"PhoneMaker" not in data
    assert b"Exif\x00\x00" not in data
    # Orientation 6 means "turn 90° clockwise": the stored pixels are already turned.
    assert image.size == (48, 64)
    assert (document.width, document.height) == (48, 64)


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("../../x.png", "x.png"),
        ("..\\..\\windows\\x.png", "x.png"),
        ("evil\x00.png", "evil.png"),
        ("card\u202egpj.exe", "cardgpj.exe"),
        ("长" * 300 + ".png", "长" * 96 + ".png"),
    ],
)
def test_hostile_names_are_only_display_metadata(customer, storage_dir, name, shown):
    document = upload(customer, corpus.png(), name=name)

    assert document.original_name == shown
    assert ".." not in document.file.name and "\x00" not in document.file.name
    files = stored_files(storage_dir)
    assert len(files) == 2
    assert all(storage_dir in path.resolve().parents for path in files)
    assert {path.suffix for path in files} == {".png", ".jpg"}


@pytest.mark.parametrize("mode", ["RGBA", "P", "CMYK", "L"])
def test_other_colour_modes_are_stored_as_rgb_or_greyscale(customer, storage_dir, mode):
    image_format = "JPEG" if mode == "CMYK" else "PNG"
    data = corpus.photo(mode=mode, image_format=image_format)

    document = upload(customer, data, name="card")

    _, image = stored_image(document)
    assert image.mode == ("L" if mode == "L" else "RGB")


def test_a_pdf_paper_form_is_kept_as_uploaded(customer, storage_dir):
    original = corpus.pdf(pages=2)
    staff = UserFactory(role=Role.STORE_STAFF, store=customer.store)

    document = upload(
        customer, original, name="form.pdf", kind=DocumentKind.PAPER_FORM, actor=staff
    )

    assert document.content_type == "application/pdf"
    assert document.page_count == 2
    assert not document.thumbnail
    assert document.channel == Channel.STORE
    assert document.uploaded_by == staff
    with document.file.open("rb") as handle:
        assert handle.read() == original
    assert len(stored_files(storage_dir)) == 1


def test_the_case_and_expiry_date_are_recorded(customer, storage_dir):
    case = Case.objects.create(customer=customer)

    document = upload(customer, corpus.jpeg(), case=case, expiry_date="2035-01-31")
    document.refresh_from_db()

    assert document.case == case
    assert str(document.expiry_date) == "2035-01-31"


# --- quota and failures ----------------------------------------------------------------


def test_the_document_count_quota(customer, storage_dir, settings):
    settings.DOCUMENT_QUOTA_PER_CUSTOMER = 2
    upload(customer, corpus.jpeg())
    upload(customer, corpus.jpeg())
    before = stored_files(storage_dir)

    with pytest.raises(DomainError) as caught:
        upload(customer, corpus.jpeg())

    assert caught.value.code == "quota_exceeded"
    assert "2" in caught.value.message
    assert stored_files(storage_dir) == before
    assert Document.objects.count() == 2


def test_the_byte_quota(customer, storage_dir, settings):
    first = upload(customer, corpus.photo(size=(300, 300)))
    settings.DOCUMENT_QUOTA_BYTES = first.byte_size + 100
    before = stored_files(storage_dir)

    with pytest.raises(DomainError) as caught:
        upload(customer, corpus.photo(size=(300, 300)))

    assert caught.value.code == "quota_exceeded"
    assert stored_files(storage_dir) == before


def test_a_database_failure_after_the_files_were_written_leaves_no_file(
    customer, storage_dir, monkeypatch
):
    written = []
    real_save = Document.save

    def failing_save(self, *args, **kwargs):
        written.extend(stored_files(storage_dir))  # the files exist at this point
        raise DatabaseError("connection lost")

    monkeypatch.setattr(Document, "save", failing_save)
    with pytest.raises(DatabaseError):
        upload(customer, corpus.jpeg())
    monkeypatch.setattr(Document, "save", real_save)

    assert len(written) == 2
    assert stored_files(storage_dir) == []
    assert not Document.objects.exists()


def test_an_audit_failure_rolls_back_the_row_and_removes_the_files(
    customer, storage_dir, monkeypatch
):
    def failing_audit(**kwargs):
        raise DatabaseError("audit chain locked")

    monkeypatch.setattr("verification.documents.audit_record", failing_audit)
    with pytest.raises(DatabaseError):
        upload(customer, corpus.jpeg())

    assert stored_files(storage_dir) == []
    assert not Document.objects.exists()


def test_refusals_are_in_the_users_language(customer, storage_dir):
    with translation.override("zh-hans"):
        error = refused(customer, corpus.gif(), storage_dir, name="photo.png")

    assert error.message == "该文件是 GIF 文件。仅接受 JPEG 或 PNG 图片。"


def test_a_scanned_paper_form_of_the_wrong_type_or_too_big_is_refused(
    customer, storage_dir, settings
):
    wrong_type = refused(
        customer, corpus.tiff(), storage_dir, name="form.pdf", kind=DocumentKind.PAPER_FORM
    )
    settings.DOCUMENT_MAX_BYTES = 300
    too_big = refused(
        customer, corpus.pdf(pages=2), storage_dir, name="form.pdf", kind=DocumentKind.PAPER_FORM
    )

    assert wrong_type.code == "unsupported_type"
    assert "TIFF" in wrong_type.message and "PDF" in wrong_type.message
    assert too_big.code == "too_large"
