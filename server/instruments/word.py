"""The practice report and the implementation guidelines as Word files (python-docx), in the
reader's language. Built in memory and sent; never kept."""

from __future__ import annotations

from io import BytesIO

from docx import Document
from docx.shared import Pt

from server.core.i18n import gettext as _
from server.instruments.guide import Guide
from server.instruments.practice import Section


def _document(title: str) -> Document:
    document = Document()
    document.core_properties.title = title
    document.styles["Normal"].font.size = Pt(10.5)
    document.add_heading(title, level=0)
    return document


def _bytes(document: Document) -> bytes:
    buffer = BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def practice_document(period: str, sections: list[Section]) -> bytes:
    document = _document(_("Practice report of the risk assessment"))
    document.add_paragraph(_("Period: %(period)s", period=period))
    document.add_paragraph(_("Counts from stored assessments. Counts from 1 to 4 are written <5."))
    for section in sections:
        document.add_heading(section.title, level=1)
        table = document.add_table(rows=0, cols=2)
        table.style = "Table Grid"
        for _code, label, value in section.rows:
            cells = table.add_row().cells
            cells[0].text = label
            cells[1].text = str(value)
        if not section.rows:
            document.add_paragraph(_("No figures"))
    return _bytes(document)


def guide_document(guide: Guide) -> bytes:
    document = _document(guide.title)
    document.add_paragraph(guide.subtitle)
    document.add_heading(_("Levels and what each asks of staff"), level=1)
    for level in guide.levels:
        document.add_heading(level["label"], level=2)
        document.add_paragraph(level["scoring"])
        document.add_paragraph(level["asks"])
    document.add_heading(_("Triggers: reassess at once"), level=1)
    for trigger in guide.triggers:
        document.add_paragraph(trigger, style="List Bullet")
    document.add_paragraph(guide.hearing)
    for domain in guide.domains:
        document.add_heading(domain["title"], level=1)
        for item in domain["items"]:
            document.add_heading(item["text"], level=2)
            document.add_paragraph(item["guidance"])
            for answer in item["answers"]:
                document.add_paragraph(answer, style="List Bullet")
    return _bytes(document)
