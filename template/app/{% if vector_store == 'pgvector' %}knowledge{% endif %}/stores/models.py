"""The passages table of the pgvector store: text, keyword terms and vector side by side.

Its vectors have a fixed size, DIMENSIONS, set by its migration; EMBEDDING_DIMENSIONS must
match it (the store checks at start-up). To change it, write a migration that empties the
table and alters the column, then upload the documents again.
"""

from pgvector.sqlalchemy import Vector
from sqlalchemy import BigInteger, Computed, ForeignKey, Index, String, Text
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base

DIMENSIONS = 384


class StoredPassage(Base):
    __tablename__ = "knowledge_passages"
    __table_args__ = (
        Index(
            "ix_knowledge_passages_embedding",
            "embedding",
            postgresql_using="hnsw",
            postgresql_ops={"embedding": "vector_cosine_ops"},
        ),
        Index("ix_knowledge_passages_search", "search", postgresql_using="gin"),
        Index("ix_knowledge_passages_document", "owner_id", "document_id", "position"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    owner_id: Mapped[str] = mapped_column(String(64))
    # Deleting a document deletes its passages in the same transaction.
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    document_name: Mapped[str] = mapped_column(String(255))
    position: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    terms: Mapped[str] = mapped_column(Text)
    embedding: Mapped[list[float]] = mapped_column(Vector(DIMENSIONS))
    search: Mapped[str] = mapped_column(
        TSVECTOR, Computed("to_tsvector('simple'::regconfig, terms)", persisted=True)
    )
