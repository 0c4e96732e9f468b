"""What an uploaded file is, judged by its bytes: PDF, Word (DOCX), Markdown or plain text.

The name's extension must be one we read, but the content decides: a renamed binary, a ZIP
that is not a Word document, a PDF that does not parse or an empty file is refused here, at
upload, with the reason (415 for a kind we do not read, 422 for a broken file of a kind we do).
The client's declared content type is never trusted: only the bytes are.

Hostile files are refused here too, before any parser builds them in memory: a Word file
whose ZIP central directory promises more than KNOWLEDGE_MAX_UNPACKED_MB or
KNOWLEDGE_MAX_ZIP_ENTRIES parts (a zip bomb; Python's `zipfile` never unpacks more than an
entry declares, and `testzip` proves each entry is what it declares), a PDF with more than
KNOWLEDGE_MAX_PDF_PAGES pages, nested too deep to parse, or with a cyclic page tree.
"""

import io
import zipfile
import zlib
from dataclasses import dataclass
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


@dataclass(frozen=True, slots=True)
class FileLimits:
    max_unpacked_bytes: int = 100 * 1024 * 1024
    max_zip_entries: int = 2000
    max_pdf_pages: int = 2000


def detect(name: str, content: bytes, limits: FileLimits = FileLimits()) -> str:
    """The file's kind (pdf, docx, markdown or text), or an `ApiError` saying why it is
    refused. Parses PDFs and checks ZIPs: CPU-bound."""
    extension = PurePath(name).suffix.lower()
    if extension not in EXTENSIONS:
        raise unsupported(f"{extension} files are not read")
    if not content:
        raise broken("the file is empty")
    head = content[:SNIFF_BYTES]
    if b"%PDF-" in head[:1024]:
        _check_pdf(content, limits)
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        _check_docx(content, limits)
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


def _check_pdf(content: bytes, limits: FileLimits) -> None:
    try:
        reader = pypdf.PdfReader(io.BytesIO(content), strict=False)
        if reader.is_encrypted:
            raise broken("the PDF is encrypted")
        pages = len(reader.pages)
        if pages == 0:
            raise broken("the PDF has no pages")
        if pages > limits.max_pdf_pages:
            raise broken(
                f"the PDF has {pages} pages, more than KNOWLEDGE_MAX_PDF_PAGES "
                f"({limits.max_pdf_pages})"
            )
    except RecursionError:
        raise broken("the PDF's objects are nested too deep") from None
    except (PyPdfError, ValueError, KeyError, TypeError, OSError, IndexError) as exc:
        raise broken(f"the PDF does not parse ({exc})") from None


# What a damaged, truncated, encrypted or oddly compressed archive raises while it is read.
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    NotImplementedError,
    RuntimeError,
    OSError,
    ValueError,
    EOFError,
    zlib.error,
)


def _check_docx(content: bytes, limits: FileLimits) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            entries = archive.infolist()  # the central directory: nothing unpacked yet
            if len(entries) > limits.max_zip_entries:
                raise broken(
                    f"the archive has {len(entries)} parts, more than "
                    f"KNOWLEDGE_MAX_ZIP_ENTRIES ({limits.max_zip_entries})"
                )
            unpacked = sum(entry.file_size for entry in entries)
            if unpacked > limits.max_unpacked_bytes:
                mb = limits.max_unpacked_bytes // (1024 * 1024)
                raise broken(
                    f"the archive unpacks to {unpacked // (1024 * 1024)} MB, more than "
                    f"KNOWLEDGE_MAX_UNPACKED_MB ({mb})"
                )
            names = {entry.filename for entry in entries}
            if "word/document.xml" not in names or "[Content_Types].xml" not in names:
                raise unsupported("a ZIP archive that is not a Word (DOCX) document")
            damaged = archive.testzip()  # bounded by the sizes just checked
    except _ZIP_ERRORS as exc:
        raise broken(f"the ZIP archive is damaged ({exc})") from None
    if damaged is not None:
        raise broken(f"the ZIP archive is damaged ({damaged!r} does not match its checksum)")
