"""A local LINE Messaging API (api.line.me and api-data.line.me paths on one server).

    async with LineEmulator(access_token="test-token", monthly_quota=300) as line:
        config = Configuration(host=line.url, access_token="test-token")
        token = line.new_reply_token("U…")       # or line_text_event(user, "hi", line=line)
        ...                                     # the code under test calls the real SDK
        assert [m.text for m in line.messages("U…")] == ["สวัสดี"]

Setup: `new_reply_token(chat) -> str`, `register_reply_token(token, chat)`,
`expire_reply_tokens()`, `add_content(message_id, data, content_type=...)`,
`mark_unsent(message_id)`, `mark_transcoding(message_id, transcoding=True)`,
`add_profile(user_id, display_name, *, language="th", picture_url=None)`, the settable
attributes `monthly_quota` (None: no limit), `quota_used` and `group_sizes` (group id ->
members; a push to a group costs its size, 1 if unknown), and from the base class
`faults(rate, kinds, *, seed, after_accept, paths, timeout_seconds)` and
`fail_next(kind, *, times, after_accept, paths, timeout_seconds)`.

Inspection: `messages(chat=None) -> list[LineMessage]` (one per delivered message object,
in order), `pushes_to(user)`, `push_count` and `reply_count` (accepted requests),
`pushes_by_recipient` (Counter of accepted pushes per `to`), `quota_used` (push
recipients this month, what LINE bills), `loading` ((chatId, seconds) pairs),
`rich_menus` (id -> rich menu JSON with "image"/"imageType"), `default_rich_menu`, and
`requests` (every call: method, path, status, fault).

Endpoints: reply, push (X-Line-Retry-Key, 409 with x-line-accepted-request-id, monthly
quota 429), quota and consumption, content (+ preview, transcoding; 404/410/202), loading
animation, profile, rich menu create/list/get/delete/image/default. Every call needs
`Authorization: Bearer <access_token>`; every response carries `x-line-request-id`.
"""

from __future__ import annotations

import itertools
import re
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from ._line_parts import body_error, check_messages, json_body, json_response, new_request_id
from ._line_rich_menus import RichMenuEndpoints
from ._server import ApiError, Clock, EmulatorServer

REPLY_TOKEN_TTL = 60.0  # LINE: use the reply token within one minute
RETRY_KEY_TTL = 24 * 3600.0  # LINE: a retry key is remembered for 24 hours
LOADING_SECONDS = range(5, 61, 5)  # LINE: loadingSeconds 5..60 in steps of 5
UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-?([0-9a-fA-F]{4}-?){3}[0-9a-fA-F]{12}$")
QUOTABLE_TYPES = {"text", "textV2", "sticker", "image", "video", "audio", "location"}
_message_ids = itertools.count(560000000000000001)


@dataclass(frozen=True)
class LineMessage:
    """One message object LINE delivered: to which chat, by reply or push, and when."""

    chat: str
    via: str  # "reply" | "push"
    message: dict[str, Any]
    retry_key: str | None
    time: float
    request_id: str
    sent_id: str
    reply_token: str | None = None  # the token a reply used

    @property
    def type(self) -> str:
        return self.message.get("type", "")

    @property
    def text(self) -> str | None:
        return self.message.get("text")


@dataclass
class _ReplyToken:
    chat: str
    issued_at: float
    used: bool = False
    expired: bool = False


@dataclass
class _Content:
    data: bytes
    content_type: str
    unsent: bool = False
    transcoding: bool = False


@dataclass
class _AcceptedPush:
    request_id: str
    sent_messages: list[dict[str, str]]
    time: float


@dataclass
class _Profile:
    display_name: str
    language: str | None
    picture_url: str | None = None


class LineEmulator(RichMenuEndpoints, EmulatorServer):
    """The subset of the LINE Messaging API webpub uses, with LINE's rules and error shapes."""

    def __init__(
        self,
        access_token: str = "test-token",
        *,
        monthly_quota: int | None = 300,
        reply_token_ttl: float = REPLY_TOKEN_TTL,
        retry_key_ttl: float = RETRY_KEY_TTL,
        clock: Clock = time.time,
    ) -> None:
        super().__init__(clock=clock)
        self.access_token = access_token
        self.monthly_quota = monthly_quota
        self.quota_used = 0
        self.group_sizes: dict[str, int] = {}
        self.pushes_by_recipient: Counter[str] = Counter()
        self.reply_token_ttl = reply_token_ttl
        self.retry_key_ttl = retry_key_ttl
        self.push_count = 0
        self.reply_count = 0
        self.loading: list[tuple[str, int]] = []
        self.rich_menus: dict[str, dict[str, Any]] = {}
        self.default_rich_menu: str | None = None
        self._delivered: list[LineMessage] = []
        self._reply_tokens: dict[str, _ReplyToken] = {}
        self._retry_keys: dict[str, _AcceptedPush] = {}
        self._contents: dict[str, _Content] = {}
        self._profiles: dict[str, _Profile] = {}

    # -- setup -----------------------------------------------------------------------------

    def new_reply_token(self, chat: str) -> str:
        """Issue a reply token whose replies go to `chat` (a user, group or room id)."""
        token = uuid.uuid4().hex
        self.register_reply_token(token, chat)
        return token

    def register_reply_token(self, token: str, chat: str) -> None:
        """Accept `token` as a fresh reply token for `chat`."""
        self._reply_tokens[token] = _ReplyToken(chat=chat, issued_at=self.clock())

    def expire_reply_tokens(self) -> None:
        """Make every reply token issued so far too old to use."""
        for token in self._reply_tokens.values():
            token.expired = True

    def add_content(
        self, message_id: str, data: bytes, content_type: str = "application/octet-stream"
    ) -> None:
        """Serve `data` as the content of a user's message (image, file, video, audio)."""
        self._contents[message_id] = _Content(data=data, content_type=content_type)

    def mark_unsent(self, message_id: str) -> None:
        """The user unsent the message: its content answers 410 Gone."""
        self._contents.setdefault(message_id, _Content(b"", "application/octet-stream"))
        self._contents[message_id].unsent = True

    def mark_transcoding(self, message_id: str, transcoding: bool = True) -> None:
        """While transcoding, content answers 202 with no body."""
        self._contents.setdefault(message_id, _Content(b"", "video/mp4"))
        self._contents[message_id].transcoding = transcoding

    def add_profile(
        self,
        user_id: str,
        display_name: str,
        *,
        language: str | None = "th",
        picture_url: str | None = None,
    ) -> None:
        """The profile GET /v2/bot/profile/{userId} returns (others get a generated one)."""
        self._profiles[user_id] = _Profile(display_name, language, picture_url)

    # -- inspection ------------------------------------------------------------------------

    def messages(self, chat: str | None = None) -> list[LineMessage]:
        """Delivered message objects in order, all or to one chat."""
        return [m for m in self._delivered if chat is None or m.chat == chat]

    def pushes_to(self, user: str) -> list[LineMessage]:
        """Message objects pushed (not replied) to `user`."""
        return [m for m in self._delivered if m.via == "push" and m.chat == user]

    # -- server hooks ----------------------------------------------------------------------

    def _routes(self) -> list[web.RouteDef]:
        msg = "/v2/bot/message"
        return [
            web.post(f"{msg}/reply", self._reply),
            web.post(f"{msg}/push", self._push),
            web.get(f"{msg}/quota", self._quota),
            web.get(f"{msg}/quota/consumption", self._consumption),
            web.get(msg + "/{message_id}/content", self._content),
            web.get(msg + "/{message_id}/content/preview", self._content),
            web.get(msg + "/{message_id}/content/transcoding", self._transcoding),
            web.post("/v2/bot/chat/loading/start", self._loading),
            web.get("/v2/bot/profile/{user_id}", self._profile),
            *self._rich_menu_routes(),
        ]

    def _authorize(self, request: web.Request) -> web.Response | None:
        header = request.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            return self._error(
                401,
                "Authorization header required. "
                "Must follow the scheme, 'Authorization: Bearer <ACCESS TOKEN>'",
            )
        if header.removeprefix("Bearer ") != self.access_token:
            return self._error(
                401,
                "Authentication failed. "
                "Confirm that the access token in the authorization header is valid.",
            )
        return None

    def _error(self, status: int, message: str, extra: dict | None = None) -> web.Response:
        return json_response({"message": message, **(extra or {})}, status)

    def _accepts(self, request: web.Request) -> bool:
        return request.method == "POST" and request.path.endswith(("/reply", "/push"))

    # -- messages --------------------------------------------------------------------------

    async def _reply(self, request: web.Request) -> web.Response:
        if "X-Line-Retry-Key" in request.headers:
            raise ApiError(400, "X-Line-Retry-Key is not supported for this API")
        body = await json_body(request)
        details = check_messages(body.get("messages"))
        if not isinstance(body.get("replyToken"), str) or not body["replyToken"]:
            details.insert(0, {"message": "must be specified", "property": "replyToken"})
        if details:
            raise ApiError(400, "", body_error(details))
        token = self._reply_tokens.get(body["replyToken"])
        if token is None or token.used or token.expired or self._too_old(token):
            raise ApiError(400, "Invalid reply token")
        token.used = True
        self.reply_count += 1
        request_id = new_request_id()
        sent = self._deliver(
            token.chat, "reply", body["messages"], None, request_id, body["replyToken"]
        )
        return json_response({"sentMessages": sent}, request_id=request_id)

    async def _push(self, request: web.Request) -> web.Response:
        retry_key = request.headers.get("X-Line-Retry-Key")
        if retry_key is not None and not UUID_RE.match(retry_key):
            raise ApiError(400, "The value of the X-Line-Retry-Key header is invalid")
        body = await json_body(request)
        accepted = self._accepted_push(retry_key)
        if accepted is not None:
            return json_response(
                {
                    "message": "The retry key is already accepted",
                    "sentMessages": accepted.sent_messages,
                },
                409,
                headers={"x-line-accepted-request-id": accepted.request_id},
            )
        details = check_messages(body.get("messages"))
        to = body.get("to")
        if not isinstance(to, str) or not to:
            details.insert(0, {"message": "must be specified", "property": "to"})
        elif to[0] not in "UCR":
            details.insert(0, {"message": "invalid", "property": "to"})
        if details:
            raise ApiError(400, "", body_error(details))
        recipients = self.group_sizes.get(to, 1)  # LINE bills recipients, not message objects
        if self.monthly_quota is not None and self.quota_used + recipients > self.monthly_quota:
            raise ApiError(429, "You have reached your monthly limit.")
        self.quota_used += recipients
        self.push_count += 1
        self.pushes_by_recipient[to] += 1
        request_id = new_request_id()
        sent = self._deliver(to, "push", body["messages"], retry_key, request_id)
        if retry_key is not None:
            self._retry_keys[retry_key.lower()] = _AcceptedPush(request_id, sent, self.clock())
        return json_response({"sentMessages": sent}, request_id=request_id)

    def _accepted_push(self, retry_key: str | None) -> _AcceptedPush | None:
        if retry_key is None:
            return None
        accepted = self._retry_keys.get(retry_key.lower())
        if accepted is None or self.clock() - accepted.time > self.retry_key_ttl:
            return None
        return accepted

    def _too_old(self, token: _ReplyToken) -> bool:
        return self.clock() - token.issued_at > self.reply_token_ttl

    def _deliver(
        self,
        chat: str,
        via: str,
        messages: list[dict[str, Any]],
        retry_key: str | None,
        request_id: str,
        reply_token: str | None = None,
    ) -> list[dict[str, str]]:
        """Record the message objects and return LINE's `sentMessages`."""
        sent = []
        for message in messages:
            sent_id = str(next(_message_ids))
            entry = {"id": sent_id}
            if message.get("type") in QUOTABLE_TYPES:
                entry["quoteToken"] = uuid.uuid4().hex
            sent.append(entry)
            self._delivered.append(
                LineMessage(
                    chat, via, message, retry_key, self.clock(), request_id, sent_id, reply_token
                )
            )
        return sent

    async def _quota(self, request: web.Request) -> web.Response:
        if self.monthly_quota is None:
            return json_response({"type": "none"})
        return json_response({"type": "limited", "value": self.monthly_quota})

    async def _consumption(self, request: web.Request) -> web.Response:
        return json_response({"totalUsage": self.quota_used})

    # -- content, loading, profile -----------------------------------------------------------

    async def _content(self, request: web.Request) -> web.Response:
        content = self._content_of(request.match_info["message_id"])
        if content.transcoding:
            return web.Response(status=202, headers={"x-line-request-id": new_request_id()})
        return web.Response(
            body=content.data,
            content_type=content.content_type,
            headers={"x-line-request-id": new_request_id()},
        )

    async def _transcoding(self, request: web.Request) -> web.Response:
        content = self._content_of(request.match_info["message_id"])
        return json_response({"status": "processing" if content.transcoding else "succeeded"})

    def _content_of(self, message_id: str) -> _Content:
        content = self._contents.get(message_id)
        if content is None:
            raise ApiError(404, "Not found")
        if content.unsent:
            raise ApiError(410, "Gone")
        return content

    async def _loading(self, request: web.Request) -> web.Response:
        body = await json_body(request)
        chat_id = body.get("chatId")
        seconds = body.get("loadingSeconds", 20)
        if not isinstance(chat_id, str) or not chat_id.startswith("U"):
            # The loading animation works in one-to-one chats only.
            raise ApiError(400, "", body_error([{"message": "invalid", "property": "chatId"}]))
        if seconds not in LOADING_SECONDS:
            detail = {"message": "invalid", "property": "loadingSeconds"}
            raise ApiError(400, "", body_error([detail]))
        self.loading.append((chat_id, seconds))
        return json_response({}, 202)

    async def _profile(self, request: web.Request) -> web.Response:
        user_id = request.match_info["user_id"]
        if not user_id.startswith("U"):
            raise ApiError(404, "Not found")
        profile = self._profiles.get(user_id) or _Profile(f"LINE {user_id[-4:]}", "th")
        body: dict[str, Any] = {"displayName": profile.display_name, "userId": user_id}
        if profile.language:
            body["language"] = profile.language
        if profile.picture_url:
            body["pictureUrl"] = profile.picture_url
        return json_response(body)
