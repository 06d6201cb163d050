"""A printable hours certificate per volunteer: a one-page PDF in Chinese (or English), written with fpdf2 and
the Noto Sans CJK fonts Debian ships (fonts-noto-cjk, installed by `make chromium` here and on CI).

The .ttc collections hold one face per region; SC_FACE picks Simplified Chinese, so 证 and 时 have their
mainland shapes. fpdf2 embeds only the glyphs used (a certificate is a few dozen kilobytes).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from fpdf import FPDF
from sqlmodel import Session

from listening.core import audit
from listening.core.audit import AuditAction
from listening.core.clock import today
from listening.core.errors import InvalidInput, NotFound, ServiceError
from listening.core.i18n import N_, format_date, format_number, gettext
from listening.core.permissions import require_role
from listening.models import Account, Role, Volunteer
from listening.reports.hours import held_hours
from listening.volunteers import volunteer_of

FONT_DIR = Path("/usr/share/fonts/opentype/noto")
REGULAR_FONT = FONT_DIR / "NotoSansCJK-Regular.ttc"
BOLD_FONT = FONT_DIR / "NotoSansCJK-Bold.ttc"
SC_FACE = 2  # the collection's order: JP, KR, SC, TC, HK

_TITLE = N_("Certificate of volunteer service hours")
_BODY = N_("This certifies that {name} served as a volunteer listener with Listening Hour from {start} to {end}: "
           "{sessions} listening sessions, {hours} hours of service in total.")
_THANKS = N_("Thank you for listening to your neighbours.")
_ISSUED = N_("Issued on {date} by {issuer}, coordinator")
_ISSUED_BY_PROGRAMME = N_("Issued on {date} by the Listening Hour programme")
_STAMP = N_("Stamp of the community centre:")
_PROGRAMME = N_("Listening Hour community listening programme")


class FontMissing(ServiceError):
    """The Chinese fonts are not installed on this machine."""


@dataclass(frozen=True)
class CertificateFacts:
    name: str
    start: date
    end: date
    sessions: int
    hours: float
    issued_on: date
    issuer: str | None  # a coordinator's name; None: the programme (a volunteer printing their own)


def _fonts(pdf: FPDF) -> None:
    for style, path in (("", REGULAR_FONT), ("B", BOLD_FONT)):
        if not path.is_file():
            raise FontMissing(N_("The Chinese font {path} is missing: install the Debian package fonts-noto-cjk."),
                              path=str(path))
        pdf.add_font("noto", style, str(path), collection_font_number=SC_FACE)


def render_certificate(facts: CertificateFacts) -> bytes:
    """The certificate as PDF bytes, in the current language."""
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    _fonts(pdf)
    pdf.set_title(gettext(_TITLE))
    pdf.set_creator(gettext(_PROGRAMME))
    pdf.add_page()
    pdf.set_margins(25, 30, 25)
    pdf.set_y(45)
    pdf.set_font("noto", "B", 24)
    pdf.cell(0, 14, gettext(_TITLE), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("noto", "", 11)
    pdf.cell(0, 8, gettext(_PROGRAMME), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(18)
    pdf.set_font("noto", "", 14)
    body = gettext(_BODY, name=facts.name, start=format_date(facts.start, "long"), end=format_date(facts.end, "long"),
                   sessions=format_number(facts.sessions), hours=format_number(round(facts.hours, 1)))
    pdf.multi_cell(0, 10, body, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.multi_cell(0, 10, gettext(_THANKS), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(30)
    pdf.set_font("noto", "", 12)
    issued_on = format_date(facts.issued_on, "long")
    issued = (gettext(_ISSUED, date=issued_on, issuer=facts.issuer) if facts.issuer
              else gettext(_ISSUED_BY_PROGRAMME, date=issued_on))
    pdf.cell(0, 8, issued, align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(8)
    pdf.cell(0, 8, gettext(_STAMP), align="R", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _facts(session: Session, *, issuer: str | None, volunteer: Volunteer, start: date, end: date,
           on: date) -> CertificateFacts:
    frame = held_hours(session, start=start, end=end, volunteer_id=volunteer.id)
    return CertificateFacts(volunteer.full_name, start, end, len(frame), float(frame["hours"].sum()), on, issuer)


def hours_certificate(session: Session, *, actor: Account, volunteer_id: int, start: date, end: date,
                      on: date | None = None) -> bytes:
    """A coordinator issues a volunteer's certificate for the local days from `start` to `end`."""
    require_role(actor, Role.coordinator)
    on = on or today()
    if end > on:
        raise InvalidInput(N_("The date {date} is in the future."), field="end", date=format_date(end))
    volunteer = session.get(Volunteer, volunteer_id)
    if volunteer is None:
        raise NotFound(N_("There is no volunteer with the number {id}."), id=volunteer_id)
    if end < start:
        raise InvalidInput(N_("The end date must not be before the start date."), field="end")
    return _issue(session, actor=actor, volunteer=volunteer, issuer=actor.display_name, start=start, end=end, on=on)


def my_hours_certificate(session: Session, *, actor: Account, on: date | None = None) -> bytes:
    """The signed-in volunteer's own certificate, for all their time with the programme."""
    volunteer = volunteer_of(session, actor)
    on = on or today()
    return _issue(session, actor=actor, volunteer=volunteer, issuer=None, start=volunteer.joined_on, end=on, on=on)


def _issue(session: Session, *, actor: Account, volunteer: Volunteer, issuer: str | None, start: date, end: date,
           on: date) -> bytes:
    facts = _facts(session, issuer=issuer, volunteer=volunteer, start=start, end=end, on=on)
    data = render_certificate(facts)
    audit.record(session, actor_id=actor.id, action=AuditAction.hours_certificate_issued, entity="volunteer",
                 entity_id=volunteer.id, details={"start": start.isoformat(), "end": end.isoformat(),
                                                  "hours": round(facts.hours, 2)})
    return data
