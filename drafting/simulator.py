"""A local OpenAI-compatible chat endpoint that can misbehave on purpose: for failure tests and the benchmark.

It answers like a diligent but plain writer (the facts from the prompt, enumerated verbatim), at a set
token rate after a set delay, and injects faults on request: 429 with Retry-After, 500, 400, malformed
JSON, a stall in the middle of a stream, or invented values in the prose. Only ever bound to loopback:
in tests through `running`, for anyone through `serve` (`drafting simulator`).
"""

import asyncio
import itertools
import json
import re
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Literal

import uvicorn
from pydantic import BaseModel
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from drafting.models.tokens import count_tokens
from drafting.text.numerals import chinese_numeral as numeral
from drafting.writing.template_writer import enumerate_facts
from drafting.writing.themes import keyword_theme, theme_by_key

FaultKind = Literal["429", "500", "400", "malformed", "stall", "invent"]
FAULT_KINDS: tuple[str, ...] = FaultKind.__args__  # type: ignore[attr-defined]
LOOPBACK = "127.0.0.1"


class Fault(BaseModel):
    kind: FaultKind
    match: str = ""  # only requests whose prompt contains this text
    times: int | None = 1  # how many matching requests it hits; None: every one
    retry_after: float = 0.2


class Behaviour(BaseModel):
    first_token_delay: float = 0.0
    tokens_per_second: float = 0.0  # 0: as fast as possible
    stall_seconds: float = 30.0
    faults: list[Fault] = []


def _block(tag: str, text: str) -> list[str]:
    m = re.search(rf"<{tag}>\n(.*?)\n</{tag}>", text, re.S)
    return [line.strip() for line in m.group(1).splitlines() if line.strip()] if m else []


# Padding without numbers, names or levels, in clauses of under eight characters: short formulas a
# proofreader accepts when they recur (a repeated long clause is a finding; see checks/proof.py).
FILLERS = [
    f"{lead}，{action}。"
    for lead in (
        "坚持问题导向",
        "注重统筹协调",
        "强化责任落实",
        "加强制度建设",
        "突出服务职能",
        "坚持守正创新",
    )
    for action in (
        "推动工作落地",
        "提升服务质效",
        "增强工作实效",
        "提高工作水平",
        "营造良好氛围",
        "推进规范运行",
    )
]
# What an `invent` fault adds to prose: a number, a date, a level and names that no facts file here uses.
INVENTION = "此外，11月18日开展专项行动99场，张卫国等3名职工获省级一等奖，经验收入《职工之家建设白皮书》。"


def scripted_reply(system: str, user: str) -> str:
    """What the simulated model writes for each prompt, padded to the length the prompt asks for."""
    reply = _content(system, user)
    if m := re.search(r"篇幅约 (\d+) 字", system):
        for filler in itertools.cycle(FILLERS):
            if len(reply) + len(filler) > int(m.group(1)):
                break
            reply += filler
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
            if fault.times is None:
                if fault.match in prompt:
                    return fault
            elif fault.times > 0 and fault.match in prompt:
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
        if fault and fault.kind == "invent" and not reply.startswith("{"):
            reply += INVENTION  # prose only: the outline stays JSON
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


def loopback_socket(port: int = 0) -> socket.socket:
    """A listening socket on 127.0.0.1 (0: any free port); clients can connect as soon as it returns."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # a restart may reuse the port at once
    sock.bind((LOOPBACK, port))
    sock.listen(128)
    return sock


def _start(simulator: Simulator, sock: socket.socket) -> tuple[uvicorn.Server, threading.Thread]:
    """Serve on `sock` in a background thread (so signal handling stays with the caller)."""
    server = uvicorn.Server(uvicorn.Config(simulator.app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    return server, thread


def _stop(server: uvicorn.Server, thread: threading.Thread) -> None:
    server.should_exit = True
    thread.join(timeout=10)


@contextmanager
def running(behaviour: Behaviour | None = None) -> Iterator[tuple[str, Simulator]]:
    """Serve a Simulator on a free loopback port for the duration of the block; yields (base_url, simulator)."""
    simulator = Simulator(behaviour)
    sock = loopback_socket()
    server, thread = _start(simulator, sock)
    deadline = time.time() + 10
    while not server.started and time.time() < deadline:
        time.sleep(0.02)
    try:
        yield f"http://{LOOPBACK}:{sock.getsockname()[1]}/v1", simulator
    finally:
        _stop(server, thread)
        sock.close()


def serve(behaviour: Behaviour, port: int, on_ready: Callable[[str], None]) -> None:
    """Serve in the foreground until SIGINT or SIGTERM, then return normally (a clean stop, not an error).

    `on_ready` gets the base URL once the port is listening. Raises OSError if the port is taken.
    """
    stop = threading.Event()
    sock = loopback_socket(port)
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
    server, thread = _start(Simulator(behaviour), sock)
    try:
        on_ready(f"http://{LOOPBACK}:{sock.getsockname()[1]}/v1")
        while thread.is_alive() and not stop.wait(0.2):
            pass
    finally:
        _stop(server, thread)
        sock.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def parse_fault(spec: str) -> Fault:
    """'429' → a 429 on every request; '429:1' → on the first request only. ValueError names the problem."""
    kind, _, count = spec.partition(":")
    if kind not in FAULT_KINDS:
        raise ValueError(f"未知的故障类型“{kind}”，可选：{'、'.join(FAULT_KINDS)}")
    if not count:
        return Fault(kind=kind, times=None)  # type: ignore[arg-type]
    if not count.isdigit() or int(count) < 1:
        raise ValueError(f"“{spec}”中的次数应是正整数，如 {kind}:1")
    return Fault(kind=kind, times=int(count))  # type: ignore[arg-type]
