"""Home pages: a landing page in Chinese or English, and one page per role after login."""

import pytest
from django.urls import reverse

from kyc_portal.accounts.roles import Role
from tests.factories.accounts import StoreFactory, UserFactory

pytestmark = pytest.mark.django_db

ROLE_HOMES = {
    Role.CUSTOMER: ("core:home_customer", "core/home/customer.html"),
    Role.STORE_STAFF: ("core:home_store_staff", "core/home/store_staff.html"),
    Role.REVIEWER: ("core:home_reviewer", "core/home/reviewer.html"),
    Role.SENIOR_REVIEWER: ("core:home_reviewer", "core/home/reviewer.html"),
    Role.COMPLIANCE_OFFICER: ("core:home_compliance", "core/home/compliance_officer.html"),
    Role.ADMINISTRATOR: ("core:home_administrator", "core/home/administrator.html"),
}


def template_names(response) -> list[str]:
    return [template.name for template in response.templates]


def test_the_landing_page_is_in_chinese_by_default(client):
    page = client.get("/").content.decode()

    assert '<html lang="zh-Hans"' in page
    assert "客户身份识别平台" in page
    assert "在线或到门店，完成身份确认。" in page
    assert 'href="/register/"' in page


def test_a_browser_asking_for_chinese_gets_chinese(client):
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9").content.decode()

    assert '<html lang="zh-Hans"' in page
    assert "注册" in page


def test_switching_to_english_shows_the_english_page(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302

    page = client.get("/").content.decode()

    assert '<html lang="en"' in page
    assert "<title>Welcome · KYC Portal</title>" in page
    assert "Confirm your identity with us, online or in a store." in page
    assert "客户身份识别平台" not in page


def test_the_language_switcher_posts_to_set_language_without_script(client):
    page = client.get("/").content.decode()

    assert f'action="{reverse("set_language")}" method="post"' in page
    assert 'name="language" value="en"' in page
    assert 'name="language" value="zh-hans"' in page
    assert "<script" not in page
    assert 'style="' not in page


@pytest.mark.parametrize("role", list(Role))
def test_each_role_lands_on_its_own_home_page(client, role):
    url_name, template = ROLE_HOMES[role]
    client.force_login(UserFactory(role=role))

    response = client.get("/", follow=True)

    assert response.redirect_chain[-1][0] == reverse(url_name)
    assert response.status_code == 200
    assert template in template_names(response)


def test_the_header_shows_the_name_the_role_and_a_logout_button(client):
    client.force_login(UserFactory(role=Role.REVIEWER, last_name="张", first_name="伟"))

    page = client.get(reverse("core:home_reviewer")).content.decode()

    assert "张伟" in page
    assert "审核员" in page
    assert f'action="{reverse("accounts:logout")}"' in page


@pytest.mark.parametrize(
    ("role", "forbidden"),
    [
        (Role.CUSTOMER, "core:home_store_staff"),
        (Role.CUSTOMER, "core:home_reviewer"),
        (Role.CUSTOMER, "core:home_compliance"),
        (Role.CUSTOMER, "core:home_administrator"),
        (Role.STORE_STAFF, "core:home_reviewer"),
        (Role.STORE_STAFF, "core:home_compliance"),
        (Role.REVIEWER, "core:home_administrator"),
        (Role.COMPLIANCE_OFFICER, "core:home_reviewer"),
    ],
)
def test_roles_cannot_open_other_roles_pages(client, role, forbidden):
    client.force_login(UserFactory(role=role))

    response = client.get(reverse(forbidden))

    assert response.status_code == 403
    assert "您无权访问此页面" in response.content.decode()


def test_visitors_are_asked_to_log_in_for_role_pages(client):
    response = client.get(reverse("core:home_reviewer"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_customers_see_an_honest_empty_state(client):
    client.force_login(UserFactory(role=Role.CUSTOMER))

    page = client.get(reverse("core:home_customer")).content.decode()

    assert "您还没有提交申请。" in page
    assert "coming soon" not in page.lower()


def test_store_staff_see_their_store_and_only_their_colleagues(client):
    xuhui, pudong = StoreFactory(name="徐汇门店"), StoreFactory(name="浦东门店")
    staff = UserFactory(role=Role.STORE_STAFF, store=xuhui)
    UserFactory(role=Role.STORE_STAFF, store=xuhui, last_name="周", first_name="婷")
    UserFactory(role=Role.STORE_STAFF, store=pudong, last_name="吴", first_name="磊")
    client.force_login(staff)

    page = client.get(reverse("core:home_store_staff")).content.decode()

    assert "徐汇门店" in page
    assert "周婷" in page
    assert "吴磊" not in page
    assert "浦东门店" not in page


def test_only_senior_reviewers_see_the_second_approvals(client):
    client.force_login(UserFactory(role=Role.SENIOR_REVIEWER))
    senior_page = client.get(reverse("core:home_reviewer")).content.decode()
    client.force_login(UserFactory(role=Role.REVIEWER))
    reviewer_page = client.get(reverse("core:home_reviewer")).content.decode()

    assert "二次审批" in senior_page
    assert "二次审批" not in reviewer_page


def test_the_navigation_depends_on_the_role(client):
    client.force_login(UserFactory(role=Role.ADMINISTRATOR))
    admin_page = client.get(reverse("core:home_administrator")).content.decode()
    client.force_login(UserFactory(role=Role.CUSTOMER))
    customer_page = client.get(reverse("core:home_customer")).content.decode()

    users_link = f'href="{reverse("admin:accounts_user_changelist")}"'
    assert users_link in admin_page
    assert users_link not in customer_page
    assert 'aria-current="page"' in customer_page


def test_a_user_without_role_is_told_so(client):
    nobody = UserFactory(role=Role.CUSTOMER)
    nobody.groups.clear()
    client.force_login(nobody)

    response = client.get("/")

    assert response.status_code == 200
    assert "core/home/no_role.html" in template_names(response)
