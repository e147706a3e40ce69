"""The soak's attacker: one session sending oversized and forged inputs while the ordinary sessions work.

Each attack must be answered the way a user is: a refusal in Chinese, or nothing at all, never an exception
or a lost connection. How much the attacker slows everyone else is what `drafting bench --soak --attacker`
measures, by running the same soak without and with it.
"""

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.WidgetStates_pb2 import WidgetState

from loadtest import hostile
from loadtest.client import AppClient, Page

OVERSIZED_QUERY = "职工之家建设" * 16_667  # 100,002 characters; the server takes 500
OVERSIZED_FACTS = (
    "组织职工开展岗位练兵和技能比武活动。\n" * 1_400
)  # 26,600 characters; the server takes 20,000
FORGED_IDS = ("nonsense", "f_facts", "$$ID-00000000000000000000000000000000-regen_forged_0")


@dataclass
class AttackTally:
    sent: Counter[str] = field(default_factory=Counter)
    refused: Counter[str] = field(default_factory=Counter)  # answered with a message naming the limit
    failures: list[tuple[str, str]] = field(default_factory=list)  # exceptions, broken connections

    def lines(self) -> list[str]:
        out = [
            f"attacker: {sum(self.sent.values())} attacks "
            + "，".join(
                f"{name} ×{count}（{self.refused[name]} 次收到中文提示）" for name, count in self.sent.items()
            )
        ]
        out.append(f"attacker failures (exceptions or broken connections): {len(self.failures)}")
        for (attack, message), count in Counter(self.failures).most_common(5):
            out.append(f"  {count}× {attack}: {message[:300]}")
        return out


class Attacker:
    """A hostile member's tab: every attack once, then attacks in turn as fast as the server answers until
    `until`."""

    def __init__(self, url: str, until: float, timeout: float, login: tuple[str, str] | None = None):
        self.url, self.until, self.timeout, self.login = url, until, timeout, login
        self.tally = AttackTally()
        self.client = AppClient(url, timeout=timeout)
        self.page_name = "起草"
        self.attacks: dict[str, Callable[[], Page]] = {
            "oversized search": self.oversized_search,
            "oversized facts": self.oversized_facts,
            "forged widget": self.forged_widget,
            "numbering bomb": self.numbering_bomb,
        }

    def run(self) -> None:
        try:
            self._connect()
            for name, attack in self.attacks.items():  # every attack once, however long that takes
                self._attempt(name, attack)
            while time.monotonic() < self.until:
                for name, attack in self.attacks.items():
                    if time.monotonic() >= self.until:
                        break
                    self._attempt(name, attack)
        except Exception as error:  # noqa: BLE001 - a connection the server broke is a failure to count
            self.tally.failures.append(("connect", f"{type(error).__name__}: {error}"))
        finally:
            self.client.close()

    def oversized_search(self) -> Page:
        self._open("范文库")
        self.client.set("检索范文段落", value=OVERSIZED_QUERY + str(self.tally.sent["oversized search"]))
        return self.client.page

    def oversized_facts(self) -> Page:
        self._open("起草")
        self.client.set(key="f_facts", value=OVERSIZED_FACTS + str(self.tally.sent["oversized facts"]))
        return self.client.click("生成草稿")

    def forged_widget(self) -> Page:
        forged = FORGED_IDS[self.tally.sent["forged widget"] % len(FORGED_IDS)]
        return self.client._run(WidgetState(id=forged, trigger_value=True))

    def numbering_bomb(self) -> Page:
        self._open("范文库")
        self.client.upload("编号.docx", hostile.numbering_amplifier())
        return self.client.click("导入")

    def _attempt(self, name: str, attack: Callable[[], Page]) -> None:
        self.tally.sent[name] += 1
        try:
            page = attack()
        except Exception as error:  # noqa: BLE001 - the tab lost its session: count it, open a new one
            self.tally.failures.append((name, f"{type(error).__name__}: {error}"))
            self._reconnect()
            return
        if exceptions := page.elements("exception"):
            self.tally.failures.append(
                (name, exceptions[0].exception.message or exceptions[0].exception.type)
            )
        elif page.alerts(Alert.ERROR) or page.alerts(Alert.WARNING):
            self.tally.refused[name] += 1

    def _connect(self) -> None:
        self.client.connect()
        if self.login is not None:
            self.client.login(*self.login)

    def _reconnect(self) -> None:
        self.client.close()
        self.client = AppClient(self.url, cookies=self.client.cookies, timeout=self.timeout)
        self.page_name = "起草"
        self._connect()

    def _open(self, name: str) -> None:
        if self.page_name != name:
            self.client.open_page(name)
            self.page_name = name
