"""The case process as staff read it (seed §4, process documentation).

The states and the steps between them are read from the ``Case`` model's transitions, so the
page and the diagram always show what the code does. What the code cannot say — what each
state means, who is responsible and what they need — is written here, next to it; a test
fails when a state or a transition has no entry. The diagram is drawn by Graphviz ``dot``
from DOT source made here; without ``dot`` the page shows the same content as a table.
"""

import functools
import logging
import shutil
import subprocess
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kyc_portal.accounts.roles import Role
from verification.enums import FINAL_STATES, REVIEW_STATES, CaseState
from verification.models import Case

logger = logging.getLogger(__name__)

DOT_COMMAND = "dot"
DOT_TIMEOUT_SECONDS = 10

_REVIEWERS = (Role.REVIEWER, Role.SENIOR_REVIEWER, Role.COMPLIANCE_OFFICER)
_CUSTOMER_SIDE = (Role.CUSTOMER, Role.STORE_STAFF)


@dataclass(frozen=True)
class StateGuide:
    """What a state means, who must act while a case is in it, and with what."""

    meaning: Promise
    responsible: tuple[Role, ...]
    materials: tuple[Promise, ...]
    # The portal itself acts in this state (scoring, registering, closing).
    automatic: bool = False


@dataclass(frozen=True)
class TransitionGuide:
    """A step between states: its short name (on the diagram's arrow) and who takes it."""

    label: Promise
    taken_by: tuple[Role, ...] = ()
    automatic: bool = False


STATE_GUIDE: dict[CaseState, StateGuide] = {
    CaseState.COLLECTING: StateGuide(
        meaning=_(
            "The application is being filled in: online by the customer, through the API, or "
            "by store staff from a paper form."
        ),
        responsible=_CUSTOMER_SIDE,
        materials=(
            _(
                "Declared data: name, identity document number, date of birth, contact details "
                "and address (an enterprise: legal name, unified social credit code, legal "
                "representative and beneficial owners)"
            ),
            _("Identity document images: ID card front and back, or the passport photo page"),
            _("An enterprise: the business licence"),
            _("A paper application: the scanned, signed form"),
            _("The customer's consent to the processing of their data"),
        ),
    ),
    CaseState.AWAITING_CONFIRMATION: StateGuide(
        meaning=_(
            "The portal has sent the customer a confirmation letter by e-mail or SMS. The "
            "customer checks the data taken down and confirms them with the code in the message."
        ),
        responsible=(Role.CUSTOMER,),
        materials=(_("The confirmation code from the message"),),
    ),
    CaseState.DOCUMENT_REVIEW: StateGuide(
        meaning=_(
            "The portal scores the risk level and sets the path (fast track, standard or "
            "enhanced review) and the deadline. A reviewer checks that each document is genuine "
            "and matches the declared data, and accepts or rejects each one with a reason. A "
            "low-risk individual who passes every fast-track rule is approved automatically, "
            "except for a random sample a reviewer checks."
        ),
        responsible=_REVIEWERS,
        materials=(
            _("The uploaded documents beside the declared data"),
            _("The results of the automatic checks and the risk factors"),
            _("The customer's earlier cases and requests"),
        ),
        automatic=True,
    ),
    CaseState.BIOMETRIC_CHECK: StateGuide(
        meaning=_(
            "Enhanced review of a high-risk customer: the face (or fingerprint) is compared "
            "with the photo of the identity document."
        ),
        responsible=_REVIEWERS,
        materials=(
            _("The selfie"),
            _("The photo on the identity document"),
            _("The biometric check's result"),
        ),
    ),
    CaseState.BACKGROUND_CHECK: StateGuide(
        meaning=_(
            "Where needed, the customer's credit record and business conduct are checked. A "
            "high-risk case needs two approvals by different people, the second by a senior "
            "reviewer or a compliance officer."
        ),
        responsible=_REVIEWERS,
        materials=(
            _("The background check's report"),
            _("An enterprise: the business licence and its ownership structure"),
        ),
    ),
    CaseState.NEEDS_MORE_INFORMATION: StateGuide(
        meaning=_(
            "The reviewer has sent the case back to the customer saying what to provide or "
            "correct. When the customer answers, the case returns to review with a new deadline."
        ),
        responsible=_CUSTOMER_SIDE,
        materials=(_("The documents or corrections the reviewer asked for"),),
    ),
    CaseState.APPROVED: StateGuide(
        meaning=_(
            "Every approval the case needs has been given. The portal registers the customer "
            "straight away."
        ),
        responsible=(),
        materials=(_("The approvals, with who gave them and in which role"),),
        automatic=True,
    ),
    CaseState.REGISTERED: StateGuide(
        meaning=_(
            "The customer is in the customer register with a customer number; the next "
            "periodic re-check date follows from the risk level, and the customer has been told."
        ),
        responsible=(),
        materials=(_("The customer number and the next re-check date"),),
        automatic=True,
    ),
    CaseState.REJECTED: StateGuide(
        meaning=_(
            "A reviewer rejected the application with a reason code; the customer has been told."
        ),
        responsible=_REVIEWERS,
        materials=(_("The reason code, and a note when the reason is “other”"),),
    ),
    CaseState.WITHDRAWN: StateGuide(
        meaning=_("The customer, or their store on their behalf, withdrew the application."),
        responsible=_CUSTOMER_SIDE,
        materials=(_("The customer's request to withdraw"),),
    ),
    CaseState.EXPIRED: StateGuide(
        meaning=_("The customer never confirmed the data, so the application was closed."),
        responsible=(),
        materials=(),
        automatic=True,
    ),
    CaseState.RECHECK: StateGuide(
        meaning=_(
            "A periodic re-check of a registered customer, opened when it falls due. The "
            "customer is asked to confirm that their data are still current."
        ),
        responsible=_CUSTOMER_SIDE,
        materials=(
            _("Current contact details and address"),
            _("A valid identity document (a new one if the old one has expired)"),
        ),
        automatic=True,
    ),
}

TRANSITION_GUIDE: dict[str, TransitionGuide] = {
    "submit": TransitionGuide(_("submit"), taken_by=_CUSTOMER_SIDE),
    "confirm": TransitionGuide(_("customer confirms"), taken_by=(Role.CUSTOMER,)),
    "expire": TransitionGuide(_("not confirmed in time"), automatic=True),
    "withdraw": TransitionGuide(_("withdraw"), taken_by=_CUSTOMER_SIDE),
    "request_information": TransitionGuide(_("request information"), taken_by=_REVIEWERS),
    "provide_information": TransitionGuide(_("information provided"), taken_by=_CUSTOMER_SIDE),
    "start_biometric_check": TransitionGuide(_("send to the biometric check"), taken_by=_REVIEWERS),
    "start_background_check": TransitionGuide(
        _("send to the background check"), taken_by=_REVIEWERS
    ),
    "approve": TransitionGuide(_("approve (four eyes)"), taken_by=_REVIEWERS),
    "fast_track_approve": TransitionGuide(_("fast track"), automatic=True),
    "reject": TransitionGuide(_("reject"), taken_by=_REVIEWERS),
    "register": TransitionGuide(_("register"), automatic=True),
    "open_recheck": TransitionGuide(_("re-check due"), automatic=True),
    "ask_recheck_confirmation": TransitionGuide(_("ask the customer to confirm"), automatic=True),
}


@dataclass(frozen=True)
class ProcessStep:
    """One arrow of the diagram: ``transition`` takes a case from ``source`` to ``target``."""

    source: CaseState
    target: CaseState
    transition: str

    @property
    def guide(self) -> TransitionGuide:
        return TRANSITION_GUIDE[self.transition]


@dataclass(frozen=True)
class ProcessState:
    state: CaseState
    guide: StateGuide
    steps: list[ProcessStep]
    is_initial: bool


_STATE_ORDER = {state: index for index, state in enumerate(CaseState)}


def process_steps() -> list[ProcessStep]:
    """Every step the ``Case`` model allows, in the order of the states."""
    field = Case._meta.get_field("state")
    steps = {
        ProcessStep(
            source=CaseState(transition.source),
            target=CaseState(transition.target),
            transition=transition.name,
        )
        for transition in field.get_all_transitions(Case)
    }
    return sorted(
        steps,
        key=lambda step: (_STATE_ORDER[step.source], _STATE_ORDER[step.target], step.transition),
    )


def process_states() -> list[ProcessState]:
    """Each state with its guide and the steps leading out of it."""
    steps = process_steps()
    initial = Case._meta.get_field("state").default
    return [
        ProcessState(
            state=state,
            guide=STATE_GUIDE[state],
            steps=[step for step in steps if step.source == state],
            is_initial=state == initial,
        )
        for state in CaseState
    ]


# -- the diagram -------------------------------------------------------------------------

_REVIEW_FILL, _FINAL_FILL, _OTHER_FILL = "#e8f0fb", "#eef5ea", "#f5f5f5"


def _quoted(text) -> str:
    escaped = str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def _node_attributes(state: CaseState) -> str:
    if state in REVIEW_STATES:
        fill = _REVIEW_FILL
    elif state in FINAL_STATES:
        fill = _FINAL_FILL
    else:
        fill = _OTHER_FILL
    shape = "doubleoctagon" if state in FINAL_STATES else "box"
    return f'label={_quoted(state.label)}, shape={shape}, fillcolor="{fill}"'


def process_dot() -> str:
    """Graphviz source of the process, labelled in the active language."""
    initial = Case._meta.get_field("state").default
    lines = [
        "digraph case_process {",
        # At most 10 inches wide: it fits the page without scaling in the browser.
        '  graph [rankdir=TB, size="10,30", nodesep=0.35, ranksep=0.45, fontname="sans-serif"];',
        '  node [style="rounded,filled", color="#55606e", fontname="sans-serif", '
        'fontsize=12, margin="0.2,0.08"];',
        '  edge [color="#55606e", fontname="sans-serif", fontsize=10, fontcolor="#333b45"];',
        '  start [shape=circle, style=filled, fillcolor="#333b45", width=0.18, label=""];',
        f"  start -> {_quoted(initial)};",
    ]
    lines += [f"  {_quoted(state.value)} [{_node_attributes(state)}];" for state in CaseState]
    lines += [
        f"  {_quoted(step.source.value)} -> {_quoted(step.target.value)} "
        f"[label={_quoted(step.guide.label)}];"
        for step in process_steps()
    ]
    lines.append("}")
    return "\n".join(lines) + "\n"


class DiagramUnavailable(Exception):
    """Graphviz is missing or failed; the page falls back to the table."""


def process_diagram_svg() -> bytes:
    """The diagram as SVG in the active language (drawn once per language and process)."""
    dot = shutil.which(DOT_COMMAND)
    if dot is None:
        raise DiagramUnavailable(f"Graphviz {DOT_COMMAND!r} is not installed")
    return _render_svg(dot, process_dot())


@functools.lru_cache(maxsize=8)
def _render_svg(dot: str, source: str) -> bytes:
    # Only successes are cached: an exception leaves nothing behind, so a failed drawing
    # is tried again on the next request.
    try:
        result = subprocess.run(  # noqa: S603 (a fixed program; the source is ours)
            [dot, "-Tsvg"],
            input=source.encode("utf-8"),
            capture_output=True,
            timeout=DOT_TIMEOUT_SECONDS,
            check=True,
        )
    except (OSError, subprocess.SubprocessError) as error:
        logger.warning("Graphviz could not draw the process diagram: %s", error)
        raise DiagramUnavailable(str(error)) from error
    return result.stdout
