"""The words a keyword search matches on, the same for passages and questions in every store.

Words are lower-cased runs of letters and digits. Chinese, Japanese and Korean text has no
spaces between words, so it is indexed as overlapping pairs of characters (the usual bigram
scheme): "知识库" gives "知识" and "识库", and a question containing "知识" matches it.
"""

import re

_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
_RUNS = re.compile(rf"[{_CJK}]+|[^\W_{_CJK}]+")
_IS_CJK = re.compile(rf"[{_CJK}]")
MAX_QUERY_TERMS = 64


def terms(text: str) -> list[str]:
    found: list[str] = []
    for run in _RUNS.findall(text.lower()):
        if _IS_CJK.match(run):
            found.extend([run] if len(run) == 1 else [run[i : i + 2] for i in range(len(run) - 1)])
        else:
            found.append(run)
    return found


def query_terms(text: str) -> list[str]:
    """A question's distinct terms, in order, bounded (a pasted page is not a query)."""
    return list(dict.fromkeys(terms(text)))[:MAX_QUERY_TERMS]
