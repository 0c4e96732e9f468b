"""One chat request sent each transport's way to a real server, and what a client receives:
`/api/chat` as JSON or SSE, `/api/chat/batch`, `/ws/chat` and `/v1/chat/completions` (whole
or streamed)."""

import json
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.client import connect

from tests.servers import local_client

TRANSPORTS = ["json", "sse", "batch", "websocket", "openai"]


@dataclass
class Answer:
    status: int  # 200: accepted
    error: str = ""
    content: str = ""
    citations: list[dict[str, Any]] | None = None  # None: the answer carried none
    # What a stream sent, in order: "content", "citations", "usage", "done".
    events: list[str] = field(default_factory=list)


async def exchange(
    transport: str,
    base_url: str,
    headers: dict[str, str],
    *,
    llm_model: str,
    content: str = "hi",
    **fields: Any,
) -> Answer:
    messages = [{"role": "user", "content": content}]
    if transport == "websocket":
        return await _over_websocket(base_url, headers, {"messages": messages, **fields})
    if transport == "batch":
        path, body = "/api/chat/batch", {"prompts": [content], **fields}
    elif transport.startswith("openai"):
        path = "/v1/chat/completions"
        body = {"model": llm_model, "messages": messages, **fields}
        body["stream"] = transport == "openai-stream"
    else:
        path = "/api/chat"
        body = {"messages": messages, "stream": transport == "sse", **fields}
    async with local_client(base_url=base_url, headers=headers) as client:
        response = await client.post(path, json=body, timeout=10)
    if response.status_code != 200:
        return Answer(response.status_code, str(response.json()["message"]))
    if transport in ("sse", "openai-stream"):
        return _from_events(response.text)
    data = response.json()
    if transport == "batch":
        item = data["data"]["items"][0]
        return Answer(200, content=item["content"] or "", citations=item.get("citations"))
    if transport == "openai":
        text = data["choices"][0]["message"]["content"]
        return Answer(200, content=text, citations=data.get("citations"))
    return Answer(200, content=data["data"]["content"], citations=data["data"].get("citations"))


def sse_data(body: str) -> list[str]:
    """The `data:` payloads of an event stream's body, in order (keep-alive comments left out:
    every event this service sends is one line of JSON, or `[DONE]`)."""
    return [line.removeprefix("data: ") for line in body.split("\n") if line.startswith("data: ")]


def _from_events(text: str) -> Answer:
    answer = Answer(200)
    for payload in sse_data(text):
        if payload == "[DONE]":
            answer.events.append("done")
            continue
        data = json.loads(payload)
        if "citations" in data:
            answer.citations = data["citations"]
            answer.events.append("citations")
        elif "content" in data:
            answer.content += data["content"]
            answer.events.append("content")
        elif data.get("choices"):
            answer.content += data["choices"][0]["delta"].get("content", "")
            answer.events.append("content")
        else:
            answer.events.append("usage" if "usage" in data else "other")
    return answer


async def _over_websocket(base_url: str, headers: dict[str, str], body: Any) -> Answer:
    url = base_url.replace("http", "ws", 1) + "/ws/chat"
    answer = Answer(200)
    async with connect(url, additional_headers=headers) as websocket:
        await websocket.send(json.dumps(body))
        while True:
            frame = await websocket.recv()
            if frame == "[DONE]":
                answer.events.append("done")
                return answer
            data = json.loads(frame)
            if "error" in data:
                return Answer(int(data.get("code", 502)), str(data["error"]))
            if "citations" in data:
                answer.citations = data["citations"]
                answer.events.append("citations")
            else:
                answer.content += data["content"]
                answer.events.append("content")
