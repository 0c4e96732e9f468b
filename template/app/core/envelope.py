"""The success envelope of `/api/*`: `{code, data, message}`, typed so OpenAPI shows `data`."""

from typing import Generic, TypeVar

from pydantic import BaseModel

DataT = TypeVar("DataT")


class Envelope(BaseModel, Generic[DataT]):
    code: int = 200
    data: DataT
    message: str = "success"


def ok(data: DataT, *, code: int = 200) -> Envelope[DataT]:
    """`code` repeats the HTTP status (201 for a route that creates)."""
    return Envelope[DataT](code=code, data=data)
