"""schemathesis hooks (loaded through SCHEMATHESIS_HOOKS by `test_api_schema.py`): every
generated request carries a valid credential, so the run explores past the 401.

The credential comes from the environment: fixed headers (`SCHEMA_TEST_HEADERS`, JSON), or
an account to sign in with (`SCHEMA_TEST_SIGN_IN`, JSON `{url, username, password}`). A
signed-in token that a generated request revoked (sign-out) is answered by a 401, after
which schemathesis asks for a new one.
"""

import json
import os
import urllib.parse
import urllib.request
from typing import Any

import schemathesis

Headers = dict[str, str]


def _sign_in(url: str, username: str, password: str) -> Headers:
    form = urllib.parse.urlencode({"username": username, "password": password}).encode()
    with urllib.request.urlopen(url, data=form, timeout=10) as answer:  # noqa: S310 - test server
        token = json.load(answer)["access_token"]
    return {"Authorization": f"Bearer {token}"}


@schemathesis.auth()
class ServiceCredential:
    def get(self, case: Any, context: Any) -> Headers:
        sign_in = os.environ.get("SCHEMA_TEST_SIGN_IN")
        if sign_in:
            account = json.loads(sign_in)
            return _sign_in(account["url"], account["username"], account["password"])
        headers: Headers = json.loads(os.environ.get("SCHEMA_TEST_HEADERS", "{}"))
        return headers

    def set(self, case: Any, data: Headers, context: Any) -> None:
        case.headers = {**(case.headers or {}), **data}
