"""One browser tab on a Streamlit app, spoken over the app's own protocol (no browser, no AppTest).

A load test must go through what a browser goes through: the websocket at `/_stcore/stream`, the server's
per-session script threads and message queues, uploads to `/_stcore/upload_file/…` and downloads from
`/media/…`. So this client does what Streamlit's frontend does (streamlit 1.67, starlette server):

- it asks `/_stcore/health` first, which sets the XSRF cookie, and opens the websocket with the
  subprotocols `streamlit, <xsrf token>` and a Cookie header (any extra cookies, e.g. a login token that
  the app reads from `st.context.cookies`, ride along);
- it sends `BackMsg.rerun_script` with the values of every widget on the page, keeps form widgets' values
  back until their submit button is pressed, and sends a button press as a one-off trigger value;
- it rebuilds the page from `ForwardMsg` deltas (by delta path, per script run) until `script_finished`,
  and keeps the browser's cache of large deltas so the server may send references instead of repeats.
"""

import html
import re
import time
import uuid
from collections.abc import Callable, Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import TypeVar

import httpx
from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ClientState_pb2 import ClientState, ContextInfo
from streamlit.proto.Common_pb2 import FileUploaderState, FileURLsRequest, FileURLsResponse, UploadedFileInfo
from streamlit.proto.Element_pb2 import Element
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.Markdown_pb2 import Markdown
from streamlit.proto.WidgetStates_pb2 import WidgetState, WidgetStates
from streamlit.runtime.state.common import user_key_from_element_id
from websockets.exceptions import ConnectionClosed, InvalidHandshake
from websockets.sync.client import ClientConnection, connect

XSRF_COOKIE = "_streamlit_xsrf"
SERVER_KEEP_ALIVE_SECONDS = 5  # uvicorn's timeout_keep_alive, which Streamlit leaves at its default
END_OF_RUN = {  # a run that stops early for st.rerun() is followed by another run
    ForwardMsg.FINISHED_SUCCESSFULLY,
    ForwardMsg.FINISHED_WITH_COMPILE_ERROR,
    ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY,
}
# The app's cookie script posts a one-time ticket to its session route; the answer sets the cookie.
SESSION_POST = re.compile(r"fetch\('([^']+)', \{method: 'POST'[^}]*body: \"([^\"]*)\"")
T = TypeVar("T")
DeltaPath = tuple[int, ...]  # where an element sits: container, then index at each level


class ProtocolError(Exception):
    """The exchange with the server broke: a closed connection, no answer in time, a refused upload."""


def widget_id(element: Element) -> str:
    """The widget's id ("" for an element that is not a widget); a user key is its last part."""
    proto = _inner(element)
    return (
        proto.id
        if "id" in proto.DESCRIPTOR.fields_by_name and "label" in proto.DESCRIPTOR.fields_by_name
        else ""
    )


def widget_key(element: Element) -> str | None:
    return user_key_from_element_id(widget_id(element))


def shown(markdown: str) -> str:
    """Markdown as a reader sees it: the app escapes markup as HTML entities and backslashes."""
    return re.sub(r"\\(.)", r"\1", html.unescape(markdown))


def _inner(element: Element):  # noqa: ANN202 - the element's own proto: Button, TextArea, ...
    return getattr(element, element.WhichOneof("type"))


@dataclass(frozen=True)
class Page:
    """What one finished script run drew, in document order (sidebar after main)."""

    nodes: tuple[tuple[DeltaPath, Element], ...] = ()
    compile_error: str = ""

    def elements(self, kind: str | None = None) -> list[Element]:
        return [e for _, e in self.nodes if kind is None or e.WhichOneof("type") == kind]

    def widgets(self) -> list[Element]:
        return [e for _, e in self.nodes if widget_id(e)]

    def widget(self, label: str | None = None, *, key: str | None = None, kind: str | None = None) -> Element:
        """The one widget with this label, key and/or kind; LookupError (naming what is there) otherwise."""
        found = [
            e
            for e in self.widgets()
            if (label is None or _inner(e).label == label)
            and (key is None or widget_key(e) == key)
            and (kind is None or e.WhichOneof("type") == kind)
        ]
        if len(found) != 1:
            present = "、".join(
                f"{_inner(e).label}（{widget_key(e) or e.WhichOneof('type')}）" for e in self.widgets()
            )
            wanted = "，".join(f"{n}={v}" for n, v in (("标签", label), ("键", key), ("类型", kind)) if v)
            raise LookupError(f"页面上有 {len(found)} 个控件符合 {wanted}；页面上的控件：{present}")
        return found[0]

    def captions(self) -> list[str]:
        return [
            shown(e.markdown.body)
            for e in self.elements("markdown")
            if e.markdown.element_type == Markdown.CAPTION
        ]

    def alerts(self, kind: "Alert.Format.ValueType") -> list[str]:
        return [shown(e.alert.body) for e in self.elements("alert") if e.alert.format == kind]

    def text(self) -> str:
        """Every piece of text on the page, one per line, as shown."""
        lines = []
        for element in self.elements():
            kind = element.WhichOneof("type")
            if kind in ("markdown", "alert", "heading"):
                lines.append(shown(_inner(element).body))
            elif kind == "text":
                lines.append(element.text.body)
            elif kind == "code":
                lines.append(element.code.code_text)
        return "\n".join(lines)

    def errors(self) -> list[str]:
        """What a user would read as a failure: exceptions, st.error boxes, a script that did not compile."""
        found = [self.compile_error] if self.compile_error else []
        for element in self.elements("exception"):
            found.append(f"{element.exception.type}: {element.exception.message}".strip(": "))
        return found + self.alerts(Alert.ERROR)


def initial_state(element: Element) -> WidgetState | None:
    """The value the browser gives a widget it draws: the one the server set, else the default."""
    kind, proto = element.WhichOneof("type"), _inner(element)
    state = WidgetState(id=proto.id)
    if kind in ("text_input", "text_area"):
        field_name = "value" if proto.set_value else "default"
        if not proto.HasField(field_name):
            return None
        state.string_value = getattr(proto, field_name)
    elif kind == "checkbox":
        state.bool_value = proto.value if proto.set_value else proto.default
    elif kind in ("radio", "selectbox"):
        if proto.set_value and proto.HasField("raw_value"):
            state.string_value = proto.raw_value
        elif proto.HasField("default") and proto.options:
            state.string_value = proto.options[proto.default]
        else:
            return None
    elif kind == "multiselect":
        chosen = proto.raw_values if proto.set_value else [proto.options[i] for i in proto.default]
        state.string_array_value.data[:] = chosen
    elif kind == "slider" and not proto.options:  # a select_slider (with options) is not needed here
        state.double_array_value.data[:] = proto.value if proto.set_value else proto.default
    else:
        return None
    return state


def encode(element: Element, value: object) -> WidgetState:
    """The widget state a user produces by typing, ticking or choosing `value`."""
    kind, proto = element.WhichOneof("type"), _inner(element)
    state = WidgetState(id=proto.id)
    if kind in ("text_input", "text_area"):
        state.string_value = str(value)
    elif kind == "checkbox":
        state.bool_value = bool(value)
    elif kind in ("radio", "selectbox"):
        if value not in proto.options:
            raise ValueError(f"“{proto.label}”没有选项“{value}”；可选：{'、'.join(proto.options)}")
        state.string_value = str(value)
    elif kind == "multiselect":
        chosen = list(value)  # type: ignore[call-overload]
        if missing := [v for v in chosen if v not in proto.options]:
            raise ValueError(f"“{proto.label}”没有选项：{'、'.join(map(str, missing))}")
        state.string_array_value.data[:] = chosen
    elif kind == "slider" and not proto.options:
        state.double_array_value.data[:] = list(value) if isinstance(value, list | tuple) else [float(value)]
    else:
        raise ValueError(f"不支持设置 {kind} 控件“{proto.label}”的值")
    return state


@dataclass
class MessageCache:
    """The browser's cache of large deltas: the server sends only a reference to a delta the client
    reports having, and the client forgets what no run has used for `max_age` runs."""

    max_age: int = 2
    runs: int = 0
    entries: dict[str, tuple[ForwardMsg, int]] = field(default_factory=dict)

    def resolve(self, msg: ForwardMsg) -> ForwardMsg:
        if msg.WhichOneof("type") == "ref_hash":
            if msg.ref_hash not in self.entries:
                raise ProtocolError(f"服务器引用了客户端没有缓存的消息 {msg.ref_hash}")
            cached, _ = self.entries[msg.ref_hash]
            self.entries[msg.ref_hash] = (cached, self.runs)
            full = ForwardMsg()
            full.CopyFrom(cached)
            full.metadata.CopyFrom(msg.metadata)
            return full
        if msg.metadata.cacheable:
            self.entries[msg.hash] = (msg, self.runs)
        return msg

    def run_finished(self) -> None:
        self.runs += 1
        self.entries = {
            h: (m, seen) for h, (m, seen) in self.entries.items() if self.runs - seen <= self.max_age
        }


class AppClient:
    """A browser tab: connect, then set widgets, press buttons, upload and download; each call that makes
    the app run returns the page once the run (and any st.rerun() it asked for) has finished."""

    def __init__(self, base_url: str, cookies: Mapping[str, str] | None = None, timeout: float = 120.0):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        # Streamlit serves through uvicorn, which closes a keep-alive connection idle for 5 s: httpx's own
        # default. A download sent on a pooled connection just as the server closed it was reset (a soak
        # on a loaded machine); a browser resends such a request, this client keeps no connection that old.
        limits = httpx.Limits(keepalive_expiry=SERVER_KEEP_ALIVE_SECONDS / 2)
        self.http = httpx.Client(base_url=self.base_url, timeout=timeout, limits=limits, trust_env=False)
        self._host = httpx.URL(self.base_url).host  # cookies are the host's, as the server's own are
        for name, value in (cookies or {}).items():
            self.http.cookies.set(name, value, domain=self._host)
        self.page = Page()
        self.session_id = ""
        self._socket: ClientConnection | None = None
        self._closing = ExitStack()
        self._page_script_hash = ""
        self.pages: dict[str, str] = {}  # the menu (st.navigation): page title -> its script hash
        self._states: dict[str, WidgetState] = {}
        self._unsubmitted: dict[str, dict[str, WidgetState]] = {}  # form id -> widget id -> value
        self._uploads: dict[str, UploadedFileInfo] = {}  # file uploader id -> the file it holds
        self._cache = MessageCache()
        self._drawn: dict[DeltaPath, Element] = {}
        self._fragment_at: dict[DeltaPath, str] = {}  # the st.fragment an element was drawn by
        self._fragments_running: set[str] = set()  # empty for a full run
        self._drawn_this_run: set[DeltaPath] = set()
        self._compile_error = ""
        self._runs_finished = 0
        self._replies: dict[str, FileURLsResponse] = {}

    # --- connection ---------------------------------------------------------------------------------------

    def connect(self) -> Page:
        """Open the session as a browser does and wait for the first page."""
        try:
            self.http.get("/_stcore/health").raise_for_status()  # sets the XSRF cookie
            self._socket = self._closing.enter_context(
                connect(
                    "ws" + self.base_url.removeprefix("http") + "/_stcore/stream",
                    origin=self.base_url,  # type: ignore[arg-type]
                    subprotocols=["streamlit", self._xsrf],  # type: ignore[list-item]
                    additional_headers={
                        "Cookie": "; ".join(f"{n}={v}" for n, v in self.http.cookies.items())
                    },
                    proxy=None,
                    open_timeout=self.timeout,
                    ping_interval=None,  # the server pings; the connection's own thread answers
                    max_size=None,
                    max_queue=None,  # never stop reading, or the server's pings would go unanswered
                )
            )
        except (httpx.HTTPError, InvalidHandshake, OSError) as error:
            raise ProtocolError(f"连不上 {self.base_url}：{error}") from error
        return self.rerun()

    def close(self) -> None:
        self._closing.close()
        self.http.close()

    def __enter__(self) -> "AppClient":
        self.connect()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def _xsrf(self) -> str:
        return self.http.cookies.get(XSRF_COOKIE) or ""

    # --- what a user does ---------------------------------------------------------------------------------

    def rerun(self) -> Page:
        return self._run()

    def open_page(self, title: str) -> Page:
        """Click `title` in the menu (a ProtocolError when the menu does not offer it)."""
        if title not in self.pages:
            raise ProtocolError(f"菜单里没有“{title}”（有：{'、'.join(self.pages)}）")
        self._page_script_hash = self.pages[title]
        return self._run()

    def set(self, label: str | None = None, *, key: str | None = None, value: object) -> Page:
        """Type, tick or choose. Outside a form the app runs (as on blur or a click); a value equal to the
        current one changes nothing, as in a browser. Inside a form it waits for the submit button."""
        element = self.page.widget(label, key=key)
        return self._change(element, encode(element, value))

    def click(self, label: str | None = None, *, key: str | None = None) -> Page:
        """Press a button; a form's submit button sends the form's values with it, and the form keeps
        showing them, as in a browser, for the next submit."""
        element = self.page.widget(label, key=key, kind="button")
        if element.button.is_form_submitter:
            self._states.update(self._unsubmitted.get(element.button.form_id, {}))
        return self._run(WidgetState(id=element.button.id, trigger_value=True), self._fragment_of(element))

    def download(self, label: str | None = None, *, key: str | None = None) -> bytes:
        """Fetch a download button's file from /media/…, then let the app run if the button asks for it."""
        button = self.page.widget(label, key=key, kind="download_button").download_button
        if not button.url:
            raise ProtocolError(f"下载按钮“{button.label}”没有文件地址（按需生成的文件本客户端不支持）")
        try:
            response = self.http.get(button.url)
            response.raise_for_status()
        except httpx.HTTPError as error:
            raise ProtocolError(f"下载“{button.label}”失败：{error}") from error
        if not button.ignore_rerun:
            self._run(WidgetState(id=button.id, trigger_value=True))
        return response.content

    def upload(self, name: str, data: bytes, label: str | None = None, *, key: str | None = None) -> Page:
        """Choose a file in a file uploader (the page's only one unless a label or key is given): ask the
        server where to put it, PUT it there, drop the file it replaces, then report the uploader's state."""
        element = self.page.widget(label, key=key, kind="file_uploader")
        request_id = uuid.uuid4().hex
        self._send(
            BackMsg(
                file_urls_request=FileURLsRequest(
                    request_id=request_id, file_names=[name], session_id=self.session_id
                )
            )
        )
        reply = self._pump(lambda: self._replies.pop(request_id, None), "等待上传地址")
        if reply.error_msg or len(reply.file_urls) != 1:
            raise ProtocolError(f"服务器没有给出上传地址：{reply.error_msg}")
        urls = reply.file_urls[0]
        headers = {"X-Xsrftoken": self._xsrf}
        try:
            self.http.put(urls.upload_url, files={"file": (name, data)}, headers=headers).raise_for_status()
            if previous := self._uploads.get(element.file_uploader.id):
                self.http.delete(previous.file_urls.delete_url, headers=headers).raise_for_status()
        except httpx.HTTPError as error:
            raise ProtocolError(f"上传 {name} 失败：{error}") from error
        info = UploadedFileInfo(file_id=urls.file_id, name=name, size=len(data), file_urls=urls)
        self._uploads[element.file_uploader.id] = info
        state = WidgetState(
            id=element.file_uploader.id,
            file_uploader_state_value=FileUploaderState(uploaded_file_info=[info]),
        )
        return self._change(element, state, always=True)

    def login(self, user: str, password: str) -> Page:
        """Fill 用户名 and 密码 and press 登录 (in a form or not)."""
        self.set("用户名", value=user)
        self.set("密码", value=password)
        return self.click("登录")

    # --- the protocol -------------------------------------------------------------------------------------

    def _change(self, element: Element, state: WidgetState, always: bool = False) -> Page:
        form = _inner(element).form_id
        if form:
            self._unsubmitted.setdefault(form, {})[state.id] = state
            return self.page
        if not always and self._states.get(state.id) == state:
            return self.page
        self._states[state.id] = state
        return self._run(fragment=self._fragment_of(element))

    def _fragment_of(self, element: Element) -> str:
        """The st.fragment that drew this widget ("" outside one): a browser reruns only that fragment."""
        return next((self._fragment_at.get(path, "") for path, e in self._drawn.items() if e is element), "")

    def _run(self, trigger: WidgetState | None = None, fragment: str = "") -> Page:
        widgets = {**self._states, **({trigger.id: trigger} if trigger else {})}
        before = self._runs_finished
        self._send(
            BackMsg(
                rerun_script=ClientState(
                    page_script_hash=self._page_script_hash,
                    widget_states=WidgetStates(widgets=widgets.values()),
                    cached_message_hashes=list(self._cache.entries),
                    fragment_id=fragment,
                    context_info=ContextInfo(
                        timezone="Asia/Shanghai",
                        timezone_offset=-480,
                        locale="zh-CN",
                        url=self.base_url + "/",
                    ),
                )
            )
        )
        self._pump(lambda: self._runs_finished > before, "等待页面运行完")
        return self.page

    def _send(self, msg: BackMsg) -> None:
        if self._socket is None:
            raise ProtocolError("尚未连接")
        try:
            self._socket.send(msg.SerializeToString())
        except (ConnectionClosed, OSError) as error:
            raise ProtocolError(f"连接已断开：{error}") from error

    def _pump(self, done: Callable[[], T | None], what: str) -> T:
        """Read and apply the server's messages until `done()` gives something."""
        deadline = time.monotonic() + self.timeout
        while not (result := done()):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ProtocolError(f"{what}：{self.timeout:.0f} 秒内没有完成")
            try:
                data = self._socket.recv(timeout=remaining)  # type: ignore[union-attr]
            except TimeoutError:
                continue
            except (ConnectionClosed, OSError) as error:
                raise ProtocolError(f"连接已断开：{error}") from error
            self._receive(ForwardMsg.FromString(data))  # type: ignore[arg-type]
        return result

    def _receive(self, msg: ForwardMsg) -> None:
        kind = msg.WhichOneof("type")
        if kind == "new_session":  # sent as every run starts
            self.session_id = msg.new_session.initialize.session_id or self.session_id
            self._page_script_hash = msg.new_session.page_script_hash
            self._cache.max_age = msg.new_session.config.max_cached_message_age or self._cache.max_age
            self._fragments_running = set(msg.metadata.run.fragment_ids)
            self._drawn_this_run, self._compile_error = set(), ""
            if not self._fragments_running:  # a full run draws the whole page afresh
                self._drawn, self._fragment_at = {}, {}
        elif kind == "navigation":  # the menu this run offers, and the page it runs
            self.pages = {p.page_name: p.page_script_hash for p in msg.navigation.app_pages}
            self._page_script_hash = msg.navigation.page_script_hash
        elif kind in ("delta", "ref_hash"):
            self._draw(self._cache.resolve(msg))
        elif kind == "script_finished" and msg.script_finished in END_OF_RUN:
            self._finish(msg.script_finished)
        elif kind == "file_urls_response":
            self._replies[msg.file_urls_response.response_id] = msg.file_urls_response
        elif (
            kind == "session_event" and msg.session_event.WhichOneof("type") == "script_compilation_exception"
        ):
            error = msg.session_event.script_compilation_exception
            self._compile_error = f"{error.type}: {error.message}"

    def _draw(self, msg: ForwardMsg) -> None:
        path = tuple(msg.metadata.delta_path)
        kind = msg.delta.WhichOneof("type")
        if kind not in ("new_element", "add_block"):
            return  # transient elements (toasts) are not part of the page
        for drawn in [
            p for p in self._drawn if p[: len(path)] == path and (kind == "new_element" or p == path)
        ]:
            del self._drawn[drawn]  # an element replaces what was there, children included
        self._drawn_this_run.add(path)
        self._fragment_at[path] = msg.delta.fragment_id
        if kind == "new_element":
            self._drawn[path] = msg.delta.new_element

    def _finish(self, status: int) -> None:
        for path in [p for p in self._drawn if self._fragment_at.get(p) in self._fragments_running]:
            if path not in self._drawn_this_run:  # what the fragment no longer draws is gone
                del self._drawn[path]
        for element in self._drawn.values():
            if element.WhichOneof("type") == "html" and element.html.unsafe_allow_javascript:
                self._post_session_tickets(element.html.body)
        self.page = Page(
            tuple(sorted(self._drawn.items())),
            self._compile_error
            or ("脚本无法运行" if status == ForwardMsg.FINISHED_WITH_COMPILE_ERROR else ""),
        )
        self._cache.run_finished()
        self._keep_states_of(self.page.widgets())
        self._runs_finished += 1

    def _post_session_tickets(self, script: str) -> None:
        """Do what the page's session script does in a browser: post its ticket from the page's origin and
        keep the cookie the answer sets (or clears), so a reconnect stays signed in as a reload would."""
        for route, ticket in SESSION_POST.findall(script):
            self.http.post(route, content=ticket, headers={"Origin": self.base_url})

    @property
    def cookies(self) -> dict[str, str]:
        """The cookies a browser would now send to the app (the XSRF cookie included)."""
        return dict(self.http.cookies.items())

    def _keep_states_of(self, drawn: list[Element]) -> None:
        """As the browser does after a run: give new widgets their value, take the values the server set,
        and forget widgets that are gone."""
        present = {widget_id(e) for e in drawn}
        self._states = {i: s for i, s in self._states.items() if i in present}
        self._unsubmitted = {
            form: {i: s for i, s in values.items() if i in present}
            for form, values in self._unsubmitted.items()
        }
        self._uploads = {i: f for i, f in self._uploads.items() if i in present}
        for element in drawn:
            state = initial_state(element)
            form = _inner(element).form_id
            values = self._unsubmitted.setdefault(form, {}) if form else self._states
            if state is not None and (state.id not in values or getattr(_inner(element), "set_value", False)):
                values[state.id] = state
