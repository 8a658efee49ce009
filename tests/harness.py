"""A whole webpub in a test: the real app and workers, the platform emulators, and people.

world = ...fixture...
somchai = await world.enrol("สมชาย", on="line")
await somchai.says("/new")
await somchai.taps("ประชาสัมพันธ์")
assert "ชื่อเรื่อง" in somchai.last_text
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient, TestServer
from tortoise.expressions import Q

from bot.app import create_app
from bot.keys import RUNTIME
from bot.settings import Settings
from core.org_config import load_org_config
from core.runtime import Runtime
from models.enrol import create_invite
from models.enums import InboxStatus, OutboxStatus, Role
from models.messaging import InboxEvent, OutboxMessage
from models.request import PageCheck
from tests.emulators import (
    LineEmulator,
    TelegramEmulator,
    line_body,
    line_file_event,
    line_postback_event,
    line_signature,
    line_text_event,
    telegram_callback_update,
    telegram_command_update,
    telegram_document_update,
    telegram_text_update,
)
from tests.office_site import OfficeSite

ROOT = Path(__file__).resolve().parent.parent
LINE_SECRET = "line-channel-secret-for-tests"
LINE_TOKEN = "line-access-token"
TG_TOKEN = "123456:telegram-test-token"
TG_SECRET = "telegram-secret-token"
_users = itertools.count(1)


def flex_texts(node: Any) -> list[str]:
    """Every text in a flex message tree, in order."""
    if isinstance(node, dict):
        out = [node["text"]] if node.get("type") == "text" and "text" in node else []
        for key in ("header", "hero", "body", "footer", "contents"):
            if key in node:
                out.extend(flex_texts(node[key]))
        return out
    if isinstance(node, list):
        return [t for item in node for t in flex_texts(item)]
    return []


def line_buttons(message: dict) -> list[dict]:
    """The actions a LINE message offers: quick replies and flex buttons."""
    actions = [item["action"] for item in (message.get("quickReply") or {}).get("items", [])]
    footer = (message.get("contents") or {}).get("footer") or {}
    actions += [b["action"] for b in footer.get("contents", []) if b.get("type") == "button"]
    return actions


@dataclass
class Actor:
    """A person on one platform, who says, sends and taps, and reads what the bot answers."""

    world: World
    channel: str
    user: str
    name: str
    seen: int = 0
    person_id: int | None = None
    language: str = "th"

    # -- what the person sees -----------------------------------------------------------

    def messages(self) -> list[dict]:
        """Everything the bot sent to this person, as {text, buttons, raw} dicts."""
        if self.channel == "line":
            out = []
            for m in self.world.line.messages(self.user):
                body = m.message
                text = (
                    body.get("text")
                    if body.get("type") == "text"
                    else "\n".join(flex_texts(body.get("contents")))
                )
                out.append(
                    {
                        "text": text or body.get("altText", ""),
                        "buttons": line_buttons(body),
                        "raw": m,
                    }
                )
            return out
        return [
            {"text": m.plain or "", "buttons": m.buttons, "raw": m}
            for m in self.world.tg.messages(chat_id=int(self.user))
        ]

    @property
    def texts(self) -> list[str]:
        return [m["text"] for m in self.messages()]

    @property
    def last_text(self) -> str:
        texts = self.texts
        return texts[-1] if texts else ""

    def new_texts(self) -> list[str]:
        texts = self.texts
        fresh, self.seen = texts[self.seen :], len(texts)
        return fresh

    def button_labels(self) -> list[str]:
        """The labels on the buttons of the latest message that has any."""
        for message in reversed(self.messages()):
            if message["buttons"]:
                return [b.get("label") or b.get("text") for b in message["buttons"]]
        return []

    # -- what the person does -----------------------------------------------------------

    async def says(self, text: str) -> list[str]:
        if self.channel == "line":
            event = line_text_event(self.user, text, line=self.world.line)
            await self.world.post_line(event)
        else:
            if text.startswith("/"):
                command, _sep, rest = text.partition(" ")
                args = [rest] if rest else []
                update = telegram_command_update(
                    int(self.user), command, *args, tg=self.world.tg, language_code=self.language
                )
            else:
                update = telegram_text_update(
                    int(self.user), text, tg=self.world.tg, language_code=self.language
                )
            await self.world.post_telegram(update)
        await self.world.settle()
        return self.new_texts()

    async def sends_file(self, name: str, data: bytes, mime: str = "application/pdf") -> list[str]:
        if self.channel == "line":
            message_id = str(next(self.world.ids) + 900000000000)
            self.world.line.add_content(message_id, data, content_type=mime)
            await self.world.post_line(
                line_file_event(self.user, message_id, name, len(data), line=self.world.line)
            )
        else:
            file_id = f"BQACAgUAAx{next(self.world.ids)}"
            self.world.tg.add_file(file_id, data, file_name=name, mime_type=mime)
            update = telegram_document_update(
                int(self.user), file_id, name, len(data), mime, tg=self.world.tg
            )
            await self.world.post_telegram(update)
        await self.world.settle()
        return self.new_texts()

    def find_button(self, label: str) -> tuple[dict, dict]:
        """The newest message with a button whose label contains `label`, and that button."""
        for exact in (True, False):
            for message in reversed(self.messages()):
                for b in message["buttons"]:
                    shown = b.get("label") or b.get("text") or ""
                    if shown == label if exact else label in shown:
                        return message, b
        raise AssertionError(f"{self.name} sees no button {label!r}; last: {self.last_text!r}")

    async def taps(self, label: str, *, date: str | None = None) -> list[str]:
        message, b = self.find_button(label)
        await self.taps_data(b.get("data") or b.get("callback_data"), message=message, date=date)
        return self.new_texts()

    async def taps_data(
        self, data: str, *, message: dict | None = None, date: str | None = None
    ) -> None:
        """Tap a button with this payload (copied from anywhere, as an attacker might)."""
        if self.channel == "line":
            params = {"date": date} if date else None
            await self.world.post_line(
                line_postback_event(self.user, data, params, line=self.world.line)
            )
        else:
            message_id = message["raw"].message_id if message else 1
            update = telegram_callback_update(int(self.user), data, message_id, tg=self.world.tg)
            await self.world.post_telegram(update)
        await self.world.settle()

    async def picks_date(self, iso: str) -> list[str]:
        """LINE: the date picker; Telegram has none, so the date is typed as Thai people do."""
        if self.channel == "line":
            message, b = next(
                (m, b)
                for m in reversed(self.messages())
                for b in m["buttons"]
                if b.get("type") == "datetimepicker"
            )
            await self.taps_data(b["data"], message=message, date=iso)
            return self.new_texts()
        year, month, day = (int(x) for x in iso.split("-"))
        return await self.says(f"{day}/{month}/{year + 543}")


@dataclass
class World:
    line: LineEmulator
    tg: TelegramEmulator
    client: TestClient
    settings: Settings
    ids: Any = field(default_factory=lambda: itertools.count(1))
    workers: bool = True  # False: the test moves the inbox and outbox itself (pump)
    site: Any = None  # the stand-in office website (tests/office_site.py)

    @property
    def rt(self) -> Runtime:
        return self.client.server.app[RUNTIME]

    async def restart(self) -> None:
        """Stop the server (workers, database, clients) and start a fresh one on the same data."""
        await self.client.close()
        app = create_app(
            self.settings,
            load_org_config(self.settings.org_file),
            workers=self.workers,
            scheduler=False,
        )
        self.client = TestClient(TestServer(app))
        await self.client.start_server()

    async def post_line(
        self, *events: dict, signature: str | None = None, raw: bytes | None = None
    ) -> int:
        body = raw if raw is not None else line_body(*events)
        headers = {
            "x-line-signature": signature
            if signature is not None
            else line_signature(body, LINE_SECRET)
        }
        response = await self.client.post("/webhooks/line", data=body, headers=headers)
        return response.status

    async def post_telegram(self, update: dict | bytes, secret: str | None = TG_SECRET) -> int:
        body = update if isinstance(update, bytes) else json.dumps(update).encode()
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        response = await self.client.post("/webhooks/telegram", data=body, headers=headers)
        return response.status

    @property
    def inbox(self) -> Any:
        from bot.keys import INBOX

        return self.client.server.app[INBOX]

    @property
    def outbox(self) -> Any:
        from bot.keys import OUTBOX

        return self.client.server.app[OUTBOX]

    async def pump(self, now: datetime | None = None) -> None:
        """Without background workers: handle what is due and deliver what is due, as at `now`."""
        while True:
            worked = await self.inbox.process_batch(now=now)
            await self.inbox.idle()  # the replies it sends itself, and the files it fetches
            if not worked + await self.outbox.deliver_due(now):
                break

    async def settle(self, within: float = 10.0) -> None:
        """Wait until every recorded event is handled and every due message delivered."""
        if not self.workers:
            await self.pump()
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while loop.time() < deadline:
            now = datetime.now(UTC)
            # In the order work flows (an event may queue a page check, a check writes a
            # message), so that work committed between two counts is never missed.
            waiting = await InboxEvent.filter(status=InboxStatus.RECEIVED).count()
            checking = await PageCheck.filter(
                Q(state="running") | (Q(state="queued") & Q(due_at__lte=now))
            ).count()
            due = await OutboxMessage.filter(
                Q(status=OutboxStatus.SENDING)
                | (
                    Q(status=OutboxStatus.PENDING)
                    & (Q(not_before__isnull=True) | Q(not_before__lte=now))
                    & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
                )
            ).count()
            if not waiting and not due and not checking:
                return
            await asyncio.sleep(0.01)
        raise AssertionError("the bot did not settle in time")

    async def enrol(
        self, name: str, *roles: Role, on: str = "line", language: str = "th", unit: str = "กองคลัง"
    ) -> Actor:
        """A person invited by the admin who sends their code, as a new user would."""
        n = next(_users)
        user = f"U{n:032x}" if on == "line" else str(5000000 + n)
        actor = Actor(self, on, user, name, language=language)
        role = roles[0] if roles else Role.STAFF
        code = await create_invite(self.rt.org_id, role, name, unit=unit, key=self.rt.secret_key)
        await actor.says(f"/start {code}" if on == "telegram" else code)
        from models.people import Identity, RoleAssignment

        identity = await Identity.get(channel=on, platform_user_id=user)
        actor.person_id = identity.person_id
        for extra in roles[1:]:
            await RoleAssignment.get_or_create(person_id=identity.person_id, role=extra)
        if language != "th":
            from models.people import Person

            await Person.filter(id=identity.person_id).update(locale=language)
        actor.new_texts()
        return actor


def world_settings(
    db_url: str, data_dir: Path, line: LineEmulator, tg: TelegramEmulator, **extra: Any
) -> Settings:
    values: dict[str, Any] = dict(
        database_url=db_url,
        data_dir=data_dir,
        org_file=ROOT / "org.example.toml",
        public_url="http://127.0.0.1:8080",
        locale="th",
        line_channel_secret=LINE_SECRET,
        line_channel_access_token=LINE_TOKEN,
        line_api_url=line.url,
        line_data_api_url=line.url,
        telegram_token=TG_TOKEN,
        telegram_secret_token=TG_SECRET,
        telegram_api_url=f"{tg.url}/bot",
        telegram_file_url=f"{tg.url}/file/bot",
        secret_key="test-secret",
    )
    return Settings(_env_file=None, **(values | extra))


@asynccontextmanager
async def running_world(
    db_url: str, data_dir: Path, *, workers: bool = True, **extra: Any
) -> AsyncIterator[World]:
    """Emulators up, the app serving on a local port with its workers, torn down after."""
    from tortoise.backends.base.executor import EXECUTOR_CACHE

    from bot.pacing import ChatPacer

    EXECUTOR_CACHE.clear()
    if not db_url.startswith("sqlite"):
        # Empty the shared PostgreSQL database before any worker starts and sees old rows.
        from models.db import close_db, open_db
        from tests.conftest import _truncate_postgres

        await open_db(db_url)
        await _truncate_postgres()
        await close_db()
    site = await OfficeSite().start()
    async with (
        LineEmulator(access_token=LINE_TOKEN) as line,
        TelegramEmulator(token=TG_TOKEN) as tg,
    ):
        extra.setdefault("org_file", office_org_file(data_dir.parent, site))
        settings = world_settings(db_url, data_dir, line, tg, **extra)
        app = create_app(
            settings, load_org_config(settings.org_file), workers=workers, scheduler=False
        )
        world = World(line, tg, TestClient(TestServer(app)), settings, workers=workers)
        world.site = site
        await world.client.start_server()
        # The emulators enforce no flood limits unless a test asks; the pace a real Telegram
        # chat needs (bot/pacing.py) would only slow every conversation test down.
        world.outbox.pacer = ChatPacer(per_second=1000.0, burst=1000)
        try:
            yield world
        finally:
            await world.client.close()
            await site.close()


def office_org_file(directory: Path, site: OfficeSite) -> Path:
    """The example org file with the website pointed at the stand-in office site (3 s for an answer)."""
    text = (ROOT / "org.example.toml").read_text(encoding="utf-8")
    text = text.replace('website = "https://www.mukdahancity.go.th"', f'website = "{site.url}"')
    text = text.replace("check_timeout_seconds = 10 ", "check_timeout_seconds = 3  ")
    path = directory / "org.toml"
    path.write_text(text, encoding="utf-8")
    return path
