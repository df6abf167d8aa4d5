"""The process page: the diagram and the table are drawn from the Case model's transitions,
and every state and step is documented (meaning, responsible role, materials)."""

import shutil
import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse
from django.utils import translation

from kyc_portal.accounts.roles import STAFF_ROLES, Role
from tests.factories.accounts import UserFactory
from verification import process
from verification.enums import CaseState
from verification.models import Case

SVG_NAMESPACE = "{http://www.w3.org/2000/svg}"
PAGE_URL = "/process/"


def model_steps() -> set[tuple[str, str, str]]:
    """(source, target, transition) straight from django-fsm, as graph_transitions reads them."""
    field = Case._meta.get_field("state")
    return {
        (str(transition.source), str(transition.target), transition.name)
        for transition in field.get_all_transitions(Case)
    }


@pytest.fixture
def dot_installed(missing_service):
    if shutil.which(process.DOT_COMMAND) is None:
        missing_service("Graphviz dot is not installed (apt-get install graphviz)")


@pytest.fixture
def no_dot(monkeypatch):
    monkeypatch.setattr(process, "DOT_COMMAND", "kyc-portal-no-such-dot")


def svg_texts(svg: bytes) -> set[str]:
    root = ET.fromstring(svg)  # noqa: S314 (Graphviz's output of our own source)
    return {element.text for element in root.iter(f"{SVG_NAMESPACE}text") if element.text}


# -- the process, from the code ----------------------------------------------------------


def test_every_state_is_documented():
    assert set(process.STATE_GUIDE) == set(CaseState)
    for state, guide in process.STATE_GUIDE.items():
        assert str(guide.meaning).strip(), state
        assert guide.responsible or guide.automatic, f"nobody is responsible for {state}"


def test_every_transition_of_the_model_is_documented():
    names = {name for _source, _target, name in model_steps()}

    assert set(process.TRANSITION_GUIDE) == names
    for name, guide in process.TRANSITION_GUIDE.items():
        assert guide.taken_by or guide.automatic, f"nobody takes the step {name}"


def test_the_steps_are_the_model_transitions():
    steps = {
        (step.source.value, step.target.value, step.transition) for step in process.process_steps()
    }

    assert steps == model_steps()


def test_every_state_and_step_is_in_the_diagram_source():
    with translation.override("en"):
        dot = process.process_dot()

    for state in CaseState:
        assert f'"{state.value}" [label="{state.label}"' in dot
    for source, target, name in model_steps():
        label = process.TRANSITION_GUIDE[name].label
        assert f'"{source}" -> "{target}" [label="{label}"];' in dot


def test_the_diagram_is_drawn_with_every_state_and_step(dot_installed):
    with translation.override("en"):
        texts = svg_texts(process.process_diagram_svg())

    assert {str(state.label) for state in CaseState} <= texts
    assert {str(guide.label) for guide in process.TRANSITION_GUIDE.values()} <= texts


def test_the_diagram_is_drawn_in_chinese(dot_installed):
    with translation.override("zh-hans"):
        texts = svg_texts(process.process_diagram_svg())
        labels = {str(state.label) for state in CaseState}

    assert "证件审核" in labels
    assert labels <= texts


def test_a_missing_or_failing_dot_is_reported_not_crashed(monkeypatch, no_dot):
    with pytest.raises(process.DiagramUnavailable):
        process.process_diagram_svg()

    monkeypatch.setattr(process, "DOT_COMMAND", "false")  # found, but exits with 1
    with pytest.raises(process.DiagramUnavailable):
        process.process_diagram_svg()


# -- the page ----------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", sorted(STAFF_ROLES))
def test_every_staff_role_reads_the_process_page(client, role):
    client.force_login(UserFactory(role=role))

    response = client.get(PAGE_URL)

    assert response.status_code == 200
    assert reverse("verification:process") == PAGE_URL


@pytest.mark.django_db
def test_customers_are_refused_and_visitors_sent_to_log_in(client):
    assert client.get(PAGE_URL).status_code == 302

    client.force_login(UserFactory(role=Role.CUSTOMER))

    assert client.get(PAGE_URL).status_code == 403
    diagram = reverse("verification:process-diagram", kwargs={"language": "en"})
    assert client.get(diagram).status_code == 403


@pytest.mark.django_db
def test_the_page_lists_each_state_with_its_guide_and_next_steps(client, dot_installed):
    client.force_login(UserFactory(role=Role.STORE_STAFF))

    page = client.get(PAGE_URL).content.decode()

    assert 'src="/process/diagram.en.svg"' in page
    for item in process.process_states():
        assert f'id="state-{item.state.value}"' in page
        assert str(item.guide.meaning).replace("'", "&#x27;") in page
        for step in item.steps:
            assert f'href="#state-{step.target.value}"' in page
    assert "Senior reviewer" in page
    assert "The portal, automatically" in page
    assert "The confirmation code from the message" in page
    assert "Nothing: the case is closed." in page


@pytest.mark.django_db
def test_the_page_is_in_chinese_for_chinese_readers(client, dot_installed):
    client.force_login(UserFactory(role=Role.REVIEWER))
    client.cookies["kyc_language"] = "zh-hans"

    page = client.get(PAGE_URL).content.decode()

    assert 'lang="zh-Hans"' in page
    assert 'src="/process/diagram.zh-hans.svg"' in page
    with translation.override("zh-hans"):
        for state in CaseState:
            assert str(state.label) in page


@pytest.mark.django_db
def test_without_dot_the_page_keeps_the_table_and_says_why(client, no_dot):
    client.force_login(UserFactory(role=Role.COMPLIANCE_OFFICER))

    page = client.get(PAGE_URL).content.decode()
    diagram = client.get(reverse("verification:process-diagram", kwargs={"language": "en"}))

    assert "The diagram cannot be drawn on this server." in page
    assert "<img" not in page.split('id="diagram-title"')[1].split("</section>")[0]
    for state in CaseState:
        assert f'id="state-{state.value}"' in page
    assert diagram.status_code == 404


# -- the picture -------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_diagram_is_served_as_a_safe_svg(client, dot_installed, language):
    client.force_login(UserFactory(role=Role.ADMINISTRATOR))

    response = client.get(reverse("verification:process-diagram", kwargs={"language": language}))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert response["Content-Security-Policy"] == "default-src 'none'"
    root = ET.fromstring(response.content)  # noqa: S314 (Graphviz's output of our source)
    assert root.tag == f"{SVG_NAMESPACE}svg"
    assert b"<script" not in response.content
    assert b"style=" not in response.content


@pytest.mark.django_db
def test_an_unknown_language_has_no_diagram(client):
    client.force_login(UserFactory(role=Role.REVIEWER))

    response = client.get(reverse("verification:process-diagram", kwargs={"language": "xx"}))

    assert response.status_code == 404
