"""The text of a document, with its structure kept where the format has one: Word headings
become Markdown headings, so the chunker can cut along them as it does for Markdown.

Reading is bounded in time: a PDF whose pages take longer than KNOWLEDGE_EXTRACT_SECONDS in
all fails with that reason instead of holding a worker.
"""

import io
import re
import time

import docx
import pypdf
from docx.document import Document as WordDocument
from docx.table import Table
from docx.text.paragraph import Paragraph

from app.knowledge.text import decode_text

_HEADING_STYLE = re.compile(r"^(?:Heading|标题)\s*(\d)$", re.IGNORECASE)


class ExtractionError(Exception):
    """The file was accepted but holds no text we can index (the reason is shown to users)."""


def extract_text(kind: str, content: bytes, *, max_seconds: float = 60.0) -> str:
    deadline = time.monotonic() + max_seconds
    if kind == "pdf":
        try:
            text = _pdf_text(content, deadline, max_seconds)
        except RecursionError:
            raise ExtractionError("the PDF's objects are nested too deep") from None
    elif kind == "docx":
        text = _docx_text(content)
    else:
        decoded = decode_text(content)
        if decoded is None:
            raise ExtractionError("the text is in no encoding we could recognise")
        text = decoded
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    if not text.strip():
        raise ExtractionError(
            "no text found (a scanned PDF needs OCR first)" if kind == "pdf" else "no text found"
        )
    return text


def _pdf_text(content: bytes, deadline: float, max_seconds: float) -> str:
    reader = pypdf.PdfReader(io.BytesIO(content), strict=False)
    pages: list[str] = []
    for page in reader.pages:
        if time.monotonic() > deadline:
            raise ExtractionError(
                f"reading the PDF took longer than KNOWLEDGE_EXTRACT_SECONDS ({max_seconds:g})"
            )
        pages.append(page.extract_text() or "")
    return "\n\n".join(pages)


def _docx_text(content: bytes) -> str:
    document: WordDocument = docx.Document(io.BytesIO(content))
    blocks: list[str] = []
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            blocks.append(_paragraph_text(block))
        elif isinstance(block, Table):
            rows = (" | ".join(cell.text.strip() for cell in row.cells) for row in block.rows)
            blocks.append("\n".join(rows))
    return "\n\n".join(block for block in blocks if block.strip())


def _paragraph_text(paragraph: Paragraph) -> str:
    style = paragraph.style.name if paragraph.style is not None else ""
    if style == "Title":
        return f"# {paragraph.text}"
    level = _HEADING_STYLE.match(style or "")
    if level:
        return f"{'#' * min(int(level.group(1)) + 1, 6)} {paragraph.text}"
    return paragraph.text
