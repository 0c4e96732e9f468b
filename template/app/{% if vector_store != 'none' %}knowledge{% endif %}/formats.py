"""What an uploaded file is, judged by its bytes: PDF, Word (DOCX), Markdown or plain text.

The name's extension must be one we read, but the content decides: a renamed binary, a ZIP
that is not a Word document, a PDF that does not parse or an empty file is refused here, at
upload, with the reason (415 for a kind we do not read, 422 for a broken file of a kind we do).
"""

import io
import zipfile
from pathlib import PurePath

import pypdf
from pypdf.errors import PyPdfError

from app.core.errors import ApiError
from app.knowledge.text import decode_text

EXTENSIONS = {".pdf", ".docx", ".md", ".markdown", ".txt", ".text", ""}
MARKDOWN_EXTENSIONS = {".md", ".markdown"}
SNIFF_BYTES = 8192
# Control characters that never occur in text (tab, newlines and form feed do).
_BINARY_BYTES = set(range(0, 9)) | {11} | set(range(14, 32)) - {27}


def unsupported(reason: str) -> ApiError:
    return ApiError(415, f"Unsupported file: {reason}; send a PDF, DOCX, Markdown or text file")


def broken(reason: str) -> ApiError:
    return ApiError(422, f"Unreadable file: {reason}")


def detect(name: str, content: bytes) -> str:
    """The file's kind (pdf, docx, markdown or text), or an `ApiError` saying why it is
    refused. Parses PDFs: CPU-bound."""
    extension = PurePath(name).suffix.lower()
    if extension not in EXTENSIONS:
        raise unsupported(f"{extension} files are not read")
    if not content:
        raise broken("the file is empty")
    head = content[:SNIFF_BYTES]
    if b"%PDF-" in head[:1024]:
        _check_pdf(content)
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        _check_docx(content)
        return "docx"
    if _looks_binary(head):
        raise unsupported("binary content that is not a PDF or DOCX")
    if decode_text(content) is None:
        raise unsupported("text in no encoding we could recognise")
    markdown = extension in MARKDOWN_EXTENSIONS or (extension == "" and head.startswith(b"#"))
    return "markdown" if markdown else "text"


def _looks_binary(head: bytes) -> bool:
    if head.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        return False  # a byte order mark: text (UTF-16 has NUL bytes by design)
    return b"\x00" in head or sum(byte in _BINARY_BYTES for byte in head) > len(head) // 100


def _check_pdf(content: bytes) -> None:
    try:
        reader = pypdf.PdfReader(io.BytesIO(content), strict=False)
        if reader.is_encrypted:
            raise broken("the PDF is encrypted")
        if len(reader.pages) == 0:
            raise broken("the PDF has no pages")
    except (PyPdfError, ValueError, KeyError, TypeError, OSError) as exc:
        raise broken(f"the PDF does not parse ({exc})") from None


def _check_docx(content: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = set(archive.namelist())
    except zipfile.BadZipFile as exc:
        raise broken(f"the ZIP archive is damaged ({exc})") from None
    if "word/document.xml" not in names or "[Content_Types].xml" not in names:
        raise unsupported("a ZIP archive that is not a Word (DOCX) document")
