"""`/api/knowledge`: upload documents, follow their ingestion, search them, analyse them.

Every route sees only the caller's own documents: another owner's document is a 404.
"""

from typing import Annotated, Any

from fastapi import APIRouter, File, Query, Response, UploadFile, status

from app.auth.dependencies import OWNER_ERRORS, CurrentOwner
from app.core.envelope import Envelope, ok
from app.core.errors import ApiError
from app.core.openapi import ErrorBody, errors
from app.core.text import ClientId, Offset, PageSize
from app.dependencies import SessionDep
from app.knowledge import store
from app.knowledge.dependencies import AnalystDep, KnowledgeDep
from app.knowledge.models import READY, Document
from app.knowledge.schemas import (
    AnalysisPublic,
    DocumentPublic,
    DocumentsPublic,
    SearchHit,
    SearchReply,
    SearchRequest,
    UploadReply,
)

# Documents are kept in the database; embedding a query or analysing a document calls a model,
# which can fail (502) or time out (504).
router = APIRouter(
    prefix="/api/knowledge",
    tags=["knowledge"],
    responses={**OWNER_ERRORS, **errors(502, 503, 504)},
)

MB = 1024 * 1024
ERRORS: dict[int | str, dict[str, Any]] = {
    413: {"description": "Larger than MAX_UPLOAD_MB"},
    415: {"description": "Not a PDF, DOCX, Markdown or text file"},
    422: {"description": "A broken or empty file"},
}


@router.post(
    "/upload",
    status_code=status.HTTP_202_ACCEPTED,
    responses={200: {"description": "The same content was uploaded before"}, **ERRORS},
    summary="Upload a document (PDF, DOCX, Markdown or text); it is indexed in the background",
)
async def upload(
    owner: CurrentOwner,
    knowledge: KnowledgeDep,
    file: Annotated[UploadFile, File(description="The document")],
    response: Response,
) -> Envelope[UploadReply]:
    limit_mb = knowledge.settings.max_upload_mb
    if file.size is None or file.size > limit_mb * MB:
        raise ApiError(413, f"The file is larger than the limit of {limit_mb} MB")
    content = await file.read()
    result = await knowledge.upload(owner_id=owner.id, name=file.filename or "", content=content)
    reply = UploadReply(
        **DocumentPublic.of(result.document).model_dump(), duplicate=result.duplicate
    )
    code = status.HTTP_200_OK if result.duplicate else status.HTTP_202_ACCEPTED
    response.status_code = code
    return Envelope[UploadReply](code=code, data=reply)


@router.get("/documents")
async def list_documents(
    owner: CurrentOwner,
    session: SessionDep,
    limit: Annotated[PageSize, Query()] = 20,
    offset: Annotated[Offset, Query()] = 0,
) -> Envelope[DocumentsPublic]:
    page = await store.list_owned(session, owner_id=owner.id, limit=limit, offset=offset)
    return ok(DocumentsPublic(items=[DocumentPublic.of(d) for d in page.rows], count=page.count))


@router.get("/documents/{document_id}", responses=errors(404))
async def get_document(
    document_id: ClientId, owner: CurrentOwner, session: SessionDep
) -> Envelope[DocumentPublic]:
    return ok(DocumentPublic.of(await _owned(session, owner.id, document_id)))


@router.delete(
    "/documents/{document_id}", status_code=status.HTTP_204_NO_CONTENT, responses=errors(404)
)
async def delete_document(
    document_id: ClientId, owner: CurrentOwner, knowledge: KnowledgeDep
) -> None:
    if not await knowledge.delete(owner_id=owner.id, document_id=document_id):
        raise _not_found(document_id)


@router.post("/search")
async def search(
    body: SearchRequest, owner: CurrentOwner, knowledge: KnowledgeDep
) -> Envelope[SearchReply]:
    hits = await knowledge.search(owner_id=owner.id, text=body.query, top_k=body.top_k)
    return ok(SearchReply(hits=[SearchHit.of(hit) for hit in hits]))


@router.post(
    "/documents/{document_id}/analyze",
    responses={
        **errors(404, 429),
        409: {"model": ErrorBody, "description": "The document is not indexed (yet)"},
    },
    summary="Summary and key points of a document (kept: the same content is analysed once)",
)
async def analyze_document(
    document_id: ClientId, owner: CurrentOwner, session: SessionDep, analyst: AnalystDep
) -> Envelope[AnalysisPublic]:
    document = await _owned(session, owner.id, document_id)
    if document.status != READY:
        raise ApiError(409, f"Document {document_id!r} is {document.status}, not ready yet")
    return ok(AnalysisPublic.of(document, await analyst.analyze(document)))


async def _owned(session: SessionDep, owner_id: str, document_id: str) -> Document:
    document = await store.get_owned(session, owner_id=owner_id, document_id=document_id)
    if document is None:
        raise _not_found(document_id)
    return document


def _not_found(document_id: str) -> ApiError:
    return ApiError(404, f"Document {document_id!r} not found")
