"""Documents are served only through the audited view, to those allowed; others get 404."""

import uuid

import pytest
from django.urls import reverse

from customers.enums import Channel, CustomerKind
from customers.models import Customer
from kyc_portal.accounts.roles import Role
from kyc_portal.audit.models import AuditEntry
from tests.factories.accounts import StoreFactory, UserFactory
from tests.verification import corpus
from tests.verification.uploads import upload
from verification.models import DocumentKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def document(customer, storage_dir):
    return upload(customer, corpus.photo(size=(800, 600)), name="王小明的证件.jpg")


def file_url(document) -> str:
    return reverse("verification:document-file", kwargs={"document_id": document.pk})


def thumbnail_url(document) -> str:
    return reverse("verification:document-thumbnail", kwargs={"document_id": document.pk})


def _also_administrator(user):
    from django.contrib.auth.models import Group

    user.groups.add(Group.objects.get(name=Role.ADMINISTRATOR))
    return user


def view_entries(document):
    return AuditEntry.objects.filter(action="document.view", target_id=str(document.pk))


def test_the_owner_sees_their_document_inline_with_safe_headers(client, customer, document):
    client.force_login(customer.user)

    response = client.get(file_url(document))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert "sandbox" in response["Content-Security-Policy"]
    with document.file.open("rb") as handle:
        assert b"".join(response.streaming_content) == handle.read()
    assert view_entries(document).count() == 1


def test_the_thumbnail_is_a_small_jpeg(client, customer, document):
    client.force_login(customer.user)

    response = client.get(thumbnail_url(document))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    with document.thumbnail.open("rb") as handle:
        assert b"".join(response.streaming_content) == handle.read()
    assert view_entries(document).get().details == {"variant": "thumbnail"}


@pytest.mark.parametrize("role", [Role.REVIEWER, Role.SENIOR_REVIEWER, Role.COMPLIANCE_OFFICER])
def test_reviewers_see_any_document_and_each_look_is_audited(client, document, role):
    reviewer = UserFactory(role=role)
    client.force_login(reviewer)

    response = client.get(file_url(document))

    assert response.status_code == 200
    entry = view_entries(document).get()
    assert entry.actor == reviewer
    assert entry.target_type == "verification.document"
    assert entry.details == {"variant": "original"}


def test_staff_of_the_customers_store_see_it(client, customer, document):
    client.force_login(UserFactory(role=Role.STORE_STAFF, store=customer.store))

    assert client.get(file_url(document)).status_code == 200


@pytest.mark.parametrize(
    "outsider",
    [
        lambda customer: UserFactory(role=Role.CUSTOMER),
        lambda customer: UserFactory(role=Role.STORE_STAFF, store=StoreFactory()),
        lambda customer: UserFactory(role=Role.ADMINISTRATOR),
        lambda customer: _also_administrator(UserFactory(role=Role.STORE_STAFF)),
    ],
    ids=[
        "another customer",
        "staff of another store",
        "administrator",
        "staff of another store who is also an administrator",
    ],
)
def test_everyone_else_gets_404_and_nothing_is_audited(client, customer, document, outsider):
    client.force_login(outsider(customer))

    assert client.get(file_url(document)).status_code == 404
    assert client.get(thumbnail_url(document)).status_code == 404
    assert not view_entries(document).exists()


def test_another_customer_with_their_own_documents_cannot_reach_these(client, document, store):
    other_user = UserFactory(role=Role.CUSTOMER)
    other = Customer.objects.create(
        kind=CustomerKind.INDIVIDUAL, channel=Channel.WEB, store=store, user=other_user
    )
    upload(other, corpus.jpeg())
    client.force_login(other_user)

    assert client.get(file_url(document)).status_code == 404


def test_an_unknown_id_is_the_same_404(client, customer, document):
    client.force_login(customer.user)
    url = reverse("verification:document-file", kwargs={"document_id": uuid.uuid4()})

    assert client.get(url).status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client, document):
    response = client.get(file_url(document))

    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_a_pdf_is_always_a_download_and_has_no_thumbnail(client, customer, storage_dir):
    pdf = upload(customer, corpus.pdf(), name="申请表.pdf", kind=DocumentKind.PAPER_FORM)
    client.force_login(customer.user)

    response = client.get(file_url(pdf))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    assert ".pdf" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert client.get(thumbnail_url(pdf)).status_code == 404
    assert view_entries(pdf).count() == 1


def test_documents_cannot_be_changed_through_the_view(client, customer, document):
    client.force_login(customer.user)

    assert client.post(file_url(document)).status_code == 405


def test_the_admin_lists_documents_read_only_without_the_uploaders_file_name(client, document):
    client.force_login(UserFactory(role=Role.ADMINISTRATOR, is_superuser=True))

    listing = client.get(reverse("admin:verification_document_changelist"))
    detail = client.get(reverse("admin:verification_document_change", args=[document.pk]))

    assert listing.status_code == 200
    assert file_url(document) in listing.content.decode()
    assert detail.status_code == 200
    assert "王小明" not in listing.content.decode() + detail.content.decode()
    assert 'name="_save"' not in detail.content.decode()
    assert client.get(reverse("admin:verification_document_add")).status_code == 403
