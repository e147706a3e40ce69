"""A local OpenAI-compatible chat endpoint that can misbehave on purpose: for failure tests and the benchmark.

It answers like a diligent but plain writer (the facts from the prompt, enumerated verbatim), at a set
token rate after a set delay, and injects faults on request: 429 with Retry-After, 500, malformed
JSON, or a stall in the middle of a stream. Only ever bound to loopback.
"""

import asyncio
import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal

import uvicorn
from pydantic import BaseModel
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from drafting.models.tokens import count_tokens
from drafting.writing.template_writer import enumerate_facts, numeral
from drafting.writing.themes import keyword_theme, theme_by_key


class Fault(BaseModel):
    kind: Literal["429", "500", "400", "malformed", "stall", "invent"]
    match: str = ""  # only requests whose prompt contains this text
    times: int = 1
    retry_after: float = 0.2


class Behaviour(BaseModel):
    first_token_delay: float = 0.0
    tokens_per_second: float = 0.0  # 0: as fast as possible
    stall_seconds: float = 30.0
    faults: list[Fault] = []


def _block(tag: str, text: str) -> list[str]:
    m = re.search(rf"<{tag}>\n(.*?)\n</{tag}>", text, re.S)
    return [line.strip() for line in m.group(1).splitlines() if line.strip()] if m else []


FILLER = "工会将坚持问题导向，持续抓好各项工作的落实。"


def scripted_reply(system: str, user: str) -> str:
    """What the simulated model writes for each prompt, padded to the length the prompt asks for."""
    reply = _content(system, user)
    if m := re.search(r"篇幅约 (\d+) 字", system):
        while len(reply) + len(FILLER) <= int(m.group(1)):
            reply += FILLER
    return reply


def _content(system: str, user: str) -> str:
    if "拟定提纲" in system:
        facts = re.findall(r"^(F\d+)：(.*)$", user, re.M)
        groups: dict[str, list[str]] = {}
        for fact_id, fact in facts:
            groups.setdefault(keyword_theme(fact) or "other", []).append(fact_id)
        sections = [
            {"theme": key, "heading": theme_by_key(key).headings["default"], "fact_ids": ids}
            for key, ids in groups.items()
        ]
        return json.dumps({"sections": sections}, ensure_ascii=False)
    if "中的一节" in system:
        return "工会扎实推进相关工作。" + "".join(enumerate_facts(_block("facts", user)))
    if "存在的问题和不足" in system:
        return "在肯定成绩的同时，我们也清醒地认识到工作中还存在一些不足：" + "".join(
            enumerate_facts(_block("problems", user))
        )
    if "开头段" in system:
        return "在上级工会和单位党组织的正确领导下，工会围绕中心、服务大局，扎实开展各项工作。现将有关情况报告如下："
    if "结尾段" in system:
        return "我们将在上级工会和单位党组织的领导下，再接再厉，为单位发展作出新的更大贡献。"
    lines = _block("plans", user) + [f"针对{p}的问题，加强改进" for p in _block("problems", user)]
    return "\n".join(f"（{numeral(i)}）{line}。" for i, line in enumerate(lines, start=1))


class Simulator:
    def __init__(self, behaviour: Behaviour | None = None):
        self.behaviour = behaviour or Behaviour()
        self.requests = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self.app = Starlette(
            routes=[
                Route("/v1/chat/completions", self.chat, methods=["POST"]),
                Route("/v1/models", self.models, methods=["GET"]),
            ]
        )

    async def models(self, request: Request) -> JSONResponse:
        return JSONResponse({"object": "list", "data": [{"id": "simulated", "object": "model"}]})

    def _fault(self, prompt: str) -> Fault | None:
        for fault in self.behaviour.faults:
            if fault.times > 0 and fault.match in prompt:
                fault.times -= 1
                return fault
        return None

    async def chat(self, request: Request) -> Response:
        self.requests += 1
        body = await request.json()
        messages = body.get("messages", [])
        system = next((m["content"] for m in messages if m["role"] == "system"), "")
        user = "\n".join(m["content"] for m in messages if m["role"] == "user")
        fault = self._fault(system + user)
        if fault and fault.kind == "429":
            return JSONResponse(
                {"error": {"message": "rate limited"}},
                status_code=429,
                headers={"Retry-After": str(fault.retry_after)},
            )
        if fault and fault.kind in ("500", "400"):
            return JSONResponse({"error": {"message": "simulated failure"}}, status_code=int(fault.kind))
        reply = scripted_reply(system, user)
        if fault and fault.kind == "invent":  # a model that makes up a number
            reply += "此外开展活动99场。"
        usage = {"prompt_tokens": count_tokens(system + user), "completion_tokens": count_tokens(reply)}
        usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
        if not body.get("stream"):
            await asyncio.sleep(self.behaviour.first_token_delay + self._duration(reply))
            if fault and fault.kind == "malformed":
                reply = reply[: len(reply) // 2] + "，}{"
            return JSONResponse(
                {
                    "id": "sim",
                    "object": "chat.completion",
                    "created": int(time.time()),
                    "model": body.get("model"),
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": reply},
                            "finish_reason": "stop",
                        }
                    ],
                    "usage": usage,
                }
            )
        return StreamingResponse(self._stream(reply, usage, body, fault), media_type="text/event-stream")

    def _duration(self, reply: str) -> float:
        rate = self.behaviour.tokens_per_second
        return count_tokens(reply) / rate if rate else 0.0

    async def _stream(self, reply: str, usage: dict, body: dict, fault: Fault | None):  # noqa: ANN202 - an async generator
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            await asyncio.sleep(self.behaviour.first_token_delay)
            pieces = [reply[i : i + 2] for i in range(0, len(reply), 2)]
            delay = (self._duration(reply) / len(pieces)) if pieces else 0
            for index, piece in enumerate(pieces):
                if fault and fault.kind == "stall" and index == len(pieces) // 2:
                    await asyncio.sleep(self.behaviour.stall_seconds)
                if fault and fault.kind == "malformed" and index == len(pieces) // 2:
                    yield "data: {not json\n\n"
                    return
                chunk = {
                    "id": "sim",
                    "object": "chat.completion.chunk",
                    "created": 0,
                    "model": body.get("model"),
                    "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}],
                }
                yield f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n"
                if delay:
                    await asyncio.sleep(delay)
            final = {
                "id": "sim",
                "object": "chat.completion.chunk",
                "created": 0,
                "model": body.get("model"),
                "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
            }
            yield f"data: {json.dumps(final)}\n\n"
            if (body.get("stream_options") or {}).get("include_usage"):
                yield f"data: {json.dumps({'id': 'sim', 'object': 'chat.completion.chunk', 'choices': [], 'usage': usage})}\n\n"
            yield "data: [DONE]\n\n"
        finally:
            self.in_flight -= 1


@contextmanager
def running(behaviour: Behaviour | None = None) -> Iterator[tuple[str, Simulator]]:
    """Serve a Simulator on a free loopback port for the duration of the block; yields (base_url, simulator)."""
    simulator = Simulator(behaviour)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(simulator.app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 10
    while not server.started and time.time() < deadline:
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}/v1", simulator
    finally:
        server.should_exit = True
        thread.join(timeout=10)
