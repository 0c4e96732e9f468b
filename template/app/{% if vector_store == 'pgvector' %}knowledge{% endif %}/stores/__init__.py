"""This service's vector store: pgvector, in the service's PostgreSQL.

Every store offers the protocol in `app.knowledge.stores.base`.
"""

from app.knowledge.stores.pgvector import open_vector_store

__all__ = ["open_vector_store"]
