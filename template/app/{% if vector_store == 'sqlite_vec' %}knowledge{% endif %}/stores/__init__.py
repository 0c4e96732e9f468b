"""This service's vector store: SQLite + sqlite-vec, embedded in this process.

Every store offers the protocol in `app.knowledge.stores.base`.
"""

from app.knowledge.stores.sqlite_vec import open_vector_store

__all__ = ["open_vector_store"]
