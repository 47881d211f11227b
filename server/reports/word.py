"""The monthly activity report as a Word file (python-docx): title, period, author,
headings and tables, in the coordinator's language. Built in memory and sent; never kept."""

from __future__ import annotations

from datetime import date
from io import BytesIO

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt

from server.core.i18n import babel_locale
from server.core.i18n import gettext as _
from server.reports.presentation import Section, problem_kind_label, status_label

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def month_name(first: date) -> str:
    from babel.dates import format_date

    return format_date(first, format="LLLL yyyy", locale=babel_locale())


def build_document(
    *,
    author: str,
    team: str,
    first: date,
    status: str,
    report_sections: list[Section],
    problems: list[dict],
    narrative: str,
    compiled_on: str,
) -> bytes:
    document = Document()
    document.core_properties.title = _("Monthly activity report")
    document.core_properties.author = author
    style = document.styles["Normal"]
    style.font.size = Pt(10.5)

    document.add_heading(_("Monthly activity report"), level=0)
    facts = document.add_table(rows=0, cols=2)
    facts.style = "Table Grid"
    for label, value in (
        (_("Period"), month_name(first)),
        (_("Coordinator"), author),
        (_("Team"), team),
        (_("Status"), status_label(status)),
        (_("Compiled on"), compiled_on),
    ):
        cells = facts.add_row().cells
        cells[0].text = label
        cells[1].text = value
    document.add_paragraph(
        _("Compiled from approved entries only. Cases are named by their codes only.")
    )

    for section in report_sections:
        document.add_heading(section.title, level=1)
        for table in section.tables:
            document.add_heading(table.title, level=2)
            if not table.rows:
                document.add_paragraph(table.empty)
                continue
            grid = document.add_table(rows=1, cols=len(table.columns))
            grid.style = "Table Grid"
            for cell, heading in zip(grid.rows[0].cells, table.columns, strict=True):
                cell.text = heading
                for run in cell.paragraphs[0].runs:
                    run.bold = True
            for row in table.rows:
                cells = grid.add_row().cells
                for index, (cell, value) in enumerate(zip(cells, row, strict=True)):
                    cell.text = str(value)
                    if index == len(row) - 1 and isinstance(value, int):
                        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT

    document.add_heading(_("Systemic problems and proposed solutions"), level=1)
    if not problems:
        document.add_paragraph(_("None this month."))
    for number, problem in enumerate(problems, start=1):
        document.add_heading(
            _("%(num)s. %(kind)s problem", num=number, kind=problem_kind_label(problem["kind"])),
            level=2,
        )
        document.add_heading(_("Description"), level=3)
        document.add_paragraph(problem["description"])
        document.add_heading(_("Proposed solution"), level=3)
        document.add_paragraph(problem["proposed_solution"])
        if problem["linked_cases"]:
            document.add_paragraph(
                _("Linked cases: %(codes)s", codes=", ".join(problem["linked_cases"]))
            )

    document.add_heading(_("Narrative"), level=1)
    paragraphs = [part for part in narrative.split("\n\n") if part.strip()]
    if not paragraphs:
        document.add_paragraph(_("No narrative written yet."))
    for part in paragraphs:
        document.add_paragraph(part.strip())

    buffer = BytesIO()
    document.save(buffer)
    return buffer.getvalue()
