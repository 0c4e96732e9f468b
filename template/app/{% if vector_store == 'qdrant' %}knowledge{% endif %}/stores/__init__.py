"""This service's vector store: Qdrant, a server or embedded.

Every store offers the protocol in `app.knowledge.stores.base`.
"""

from app.knowledge.stores.qdrant import open_vector_store

__all__ = ["open_vector_store"]
