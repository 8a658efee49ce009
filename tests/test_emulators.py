"""The emulators behave as LINE and Telegram do, as seen through the real SDK clients."""

from __future__ import annotations

import asyncio
import uuid

import aiohttp
import pytest
from linebot.v3.exceptions import InvalidSignatureError
from linebot.v3.messaging import (
    ApiException,
    AsyncApiClient,
    AsyncMessagingApi,
    AsyncMessagingApiBlob,
    Configuration,
    PushMessageRequest,
    ReplyMessageRequest,
    RichMenuArea,
    RichMenuBounds,
    RichMenuRequest,
    RichMenuSize,
    ShowLoadingAnimationRequest,
    TextMessage,
)
from linebot.v3.messaging import PostbackAction as LinePostbackAction
from linebot.v3.webhook import WebhookParser
from linebot.v3.webhooks import (
    FileMessageContent,
    FollowEvent,
    GroupSource,
    ImageMessageContent,
    JoinEvent,
    LocationMessageContent,
    MessageEvent,
    PostbackEvent,
    StickerMessageContent,
    TextMessageContent,
    UnfollowEvent,
    UnsendEvent,
)
from telegram import Bot, BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType, MessageEntityType
from telegram.error import (
    BadRequest,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)

from tests.emulators import (
    LineEmulator,
    TelegramEmulator,
    line_body,
    line_file_event,
    line_follow_event,
    line_group_text_event,
    line_image_event,
    line_join_event,
    line_location_event,
    line_postback_event,
    line_signature,
    line_sticker_event,
    line_text_event,
    line_unfollow_event,
    line_unsend_event,
    redelivered,
    telegram_callback_update,
    telegram_command_update,
    telegram_document_update,
    telegram_edited_message_update,
    telegram_group_text_update,
    telegram_my_chat_member_update,
    telegram_photo_update,
    telegram_text_update,
)

LINE_TOKEN = "test-token"
LINE_SECRET = "8c570fa6dd201bb328f1c1eac23a96d8"
ALICE = "U4af4980629b6a2b1e33de8c6c2b2c0e1"
TG_TOKEN = "123:abc"
SOMCHAI = 1001
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def line() -> LineEmulator:
    async with LineEmulator(access_token=LINE_TOKEN) as emulator:
        yield emulator


@pytest.fixture
async def line_client(line: LineEmulator) -> AsyncApiClient:
    async with AsyncApiClient(Configuration(host=line.url, access_token=LINE_TOKEN)) as client:
        yield client


@pytest.fixture
def api(line_client: AsyncApiClient) -> AsyncMessagingApi:
    return AsyncMessagingApi(line_client)


@pytest.fixture
def blob(line_client: AsyncApiClient) -> AsyncMessagingApiBlob:
    return AsyncMessagingApiBlob(line_client)


@pytest.fixture
async def tg() -> TelegramEmulator:
    async with TelegramEmulator(token=TG_TOKEN) as emulator:
        yield emulator


def make_bot(tg: TelegramEmulator, token: str = TG_TOKEN) -> Bot:
    return Bot(token, base_url=f"{tg.url}/bot", base_file_url=f"{tg.url}/file/bot")


@pytest.fixture
async def bot(tg: TelegramEmulator) -> Bot:
    async with make_bot(tg) as client:
        yield client


def push(text: str, to: str = ALICE) -> PushMessageRequest:
    return PushMessageRequest(to=to, messages=[TextMessage(text=text)])


def reply(token: str, text: str) -> ReplyMessageRequest:
    return ReplyMessageRequest(reply_token=token, messages=[TextMessage(text=text)])


def keyboard(*pairs: tuple[str, str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(t, callback_data=d) for t, d in pairs]])


# -- LINE: reply ---------------------------------------------------------------------------------


async def test_line_reply_token_works_once(line: LineEmulator, api: AsyncMessagingApi) -> None:
    event = line_text_event(ALICE, "ขอเผยแพร่", line=line)

    response = await api.reply_message(reply(event["replyToken"], "เริ่มกันเลย"))
    with pytest.raises(ApiException) as second:
        await api.reply_message(reply(event["replyToken"], "อีกครั้ง"))

    assert len(response.sent_messages) == 1
    assert second.value.status == 400
    assert "Invalid reply token" in second.value.body
    assert [(m.chat, m.via, m.text) for m in line.messages()] == [(ALICE, "reply", "เริ่มกันเลย")]
    assert line.reply_count == 1
    assert line.quota_used == 0  # replies are free


async def test_line_reply_token_expires(api: AsyncMessagingApi) -> None:
    clock = FakeClock()
    async with LineEmulator(access_token=LINE_TOKEN, clock=clock) as line:
        config = Configuration(host=line.url, access_token=LINE_TOKEN)
        async with AsyncApiClient(config) as client:
            late = line.new_reply_token(ALICE)
            clock.now += 61
            with pytest.raises(ApiException) as too_late:
                await AsyncMessagingApi(client).reply_message(reply(late, "ช้าไป"))
            forced = line.new_reply_token(ALICE)
            line.expire_reply_tokens()
            with pytest.raises(ApiException) as expired:
                await AsyncMessagingApi(client).reply_message(reply(forced, "ช้าไป"))

    assert too_late.value.status == expired.value.status == 400
    assert line.messages() == []


async def test_line_reply_token_unknown_is_rejected(api: AsyncMessagingApi) -> None:
    event = line_text_event(ALICE, "สวัสดี")  # no emulator: LINE never issued this token

    with pytest.raises(ApiException) as rejected:
        await api.reply_message(reply(event["replyToken"], "ตอบ"))

    assert rejected.value.status == 400


async def test_line_reply_to_group_goes_to_group(
    line: LineEmulator, api: AsyncMessagingApi
) -> None:
    group = "Ca56f94637cc4347f90a25382909b24b9"
    event = line_group_text_event(group, ALICE, "ขอเผยแพร่", line=line)

    await api.reply_message(reply(event["replyToken"], "รับทราบ"))

    assert [m.chat for m in line.messages()] == [group]


# -- LINE: push ----------------------------------------------------------------------------------


async def test_line_push_retry_key_is_accepted_once(
    line: LineEmulator, api: AsyncMessagingApi
) -> None:
    key = str(uuid.uuid4())

    first = await api.push_message(push("อนุมัติแล้ว"), x_line_retry_key=key)
    with pytest.raises(ApiException) as again:
        await api.push_message(push("อนุมัติแล้ว"), x_line_retry_key=key)

    assert again.value.status == 409
    assert again.value.headers.get("x-line-accepted-request-id")
    assert first.sent_messages[0].id in again.value.body
    assert [m.text for m in line.pushes_to(ALICE)] == ["อนุมัติแล้ว"]
    assert line.push_count == 1
    assert (await api.get_message_quota_consumption()).total_usage == 1


async def test_line_push_stops_at_monthly_quota(api: AsyncMessagingApi, line: LineEmulator) -> None:
    line.monthly_quota = 2

    await api.push_message(push("หนึ่ง"))
    await api.push_message(push("สอง"))
    with pytest.raises(ApiException) as over:
        await api.push_message(push("สาม"))

    assert over.value.status == 429
    assert "You have reached your monthly limit." in over.value.body
    assert [m.text for m in line.messages()] == ["หนึ่ง", "สอง"]


async def test_line_push_to_group_costs_its_members(
    line: LineEmulator, api: AsyncMessagingApi
) -> None:
    group = "Ca56f94637cc4347f90a25382909b24b9"
    line.group_sizes[group] = 5

    await api.push_message(push("แจ้งเตือน", to=group))
    await api.push_message(push("แจ้งเตือน"))

    assert line.quota_used == 6
    assert line.pushes_by_recipient == {group: 1, ALICE: 1}
    assert line.push_count == 2


async def test_line_reply_refuses_retry_key(line: LineEmulator, api: AsyncMessagingApi) -> None:
    token = line.new_reply_token(ALICE)

    with pytest.raises(ApiException) as refused:
        await api.reply_message_with_http_info(
            reply(token, "x"), _headers={"X-Line-Retry-Key": str(uuid.uuid4())}
        )

    assert refused.value.status == 400
    assert line.messages() == []


async def test_line_quota_reports_limit_and_usage(
    line: LineEmulator, api: AsyncMessagingApi
) -> None:
    line.quota_used = 120

    quota = await api.get_message_quota()
    usage = await api.get_message_quota_consumption()

    assert (quota.type.value, quota.value) == ("limited", 300)
    assert usage.total_usage == 120


async def test_line_push_rejects_bad_bodies(line: LineEmulator) -> None:
    headers = {"Authorization": f"Bearer {LINE_TOKEN}"}
    six = [{"type": "text", "text": str(i)} for i in range(6)]
    async with aiohttp.ClientSession(headers=headers) as http:
        url = f"{line.url}/v2/bot/message/push"
        async with http.post(url, json={"to": ALICE, "messages": six}) as too_many:
            too_many_body = await too_many.json()
        async with http.post(url, json={"messages": six[:1]}) as no_to:
            no_to_body = await no_to.json()
        long_data = {"type": "postback", "label": "x", "data": "d" * 301}
        flex = {
            "type": "text",
            "text": "x",
            "quickReply": {"items": [{"type": "action", "action": long_data}]},
        }
        async with http.post(url, json={"to": ALICE, "messages": [flex]}) as long_postback:
            long_body = await long_postback.json()

    assert too_many.status == no_to.status == long_postback.status == 400
    assert too_many_body["details"][0]["property"] == "messages"
    assert no_to_body["details"][0]["property"] == "to"
    assert long_body["details"][0]["property"].endswith(".data")
    assert line.messages() == []


async def test_line_wrong_access_token_is_401(line: LineEmulator) -> None:
    async with AsyncApiClient(Configuration(host=line.url, access_token="wrong")) as client:
        with pytest.raises(ApiException) as denied:
            await AsyncMessagingApi(client).push_message(push("x"))

    assert denied.value.status == 401
    assert '"message"' in denied.value.body


# -- LINE: content, loading, profile, rich menu --------------------------------------------------


async def test_line_content_is_served_as_registered(
    line: LineEmulator, blob: AsyncMessagingApiBlob
) -> None:
    line.add_content("325708", b"%PDF-1.7 ...", "application/pdf")
    line.add_content("325709", b"gone", "image/jpeg")
    line.mark_unsent("325709")
    line.mark_transcoding("325710")

    data = await blob.get_message_content("325708")
    transcoding = await blob.get_message_content("325710")
    with pytest.raises(ApiException) as unknown:
        await blob.get_message_content("999")
    with pytest.raises(ApiException) as unsent:
        await blob.get_message_content("325709")

    assert bytes(data) == b"%PDF-1.7 ..."
    assert transcoding is None  # 202: still transcoding
    assert (unknown.value.status, unsent.value.status) == (404, 410)


async def test_line_loading_and_profile(line: LineEmulator, api: AsyncMessagingApi) -> None:
    line.add_profile(ALICE, "สมศรี ใจดี", language="th")

    await api.show_loading_animation(ShowLoadingAnimationRequest(chat_id=ALICE, loading_seconds=10))
    profile = await api.get_profile(ALICE)

    assert line.loading == [(ALICE, 10)]
    assert (profile.display_name, profile.user_id, profile.language) == ("สมศรี ใจดี", ALICE, "th")


async def test_line_rich_menu_lifecycle(
    line: LineEmulator, api: AsyncMessagingApi, blob: AsyncMessagingApiBlob
) -> None:
    menu = RichMenuRequest(
        size=RichMenuSize(width=2500, height=843),
        selected=True,
        name="webpub",
        chat_bar_text="เมนู",
        areas=[
            RichMenuArea(
                bounds=RichMenuBounds(x=0, y=0, width=2500, height=843),
                action=LinePostbackAction(label="ขอเผยแพร่", data="menu:new"),
            )
        ],
    )

    created = await api.create_rich_menu(menu)
    with pytest.raises(ApiException) as no_image:
        await api.set_default_rich_menu(created.rich_menu_id)
    await blob.set_rich_menu_image(
        created.rich_menu_id, PNG, _headers={"Content-Type": "image/png"}
    )
    await api.set_default_rich_menu(created.rich_menu_id)
    listed = await api.get_rich_menu_list()
    await api.delete_rich_menu(created.rich_menu_id)

    assert no_image.value.status == 400
    assert [m.rich_menu_id for m in listed.richmenus] == [created.rich_menu_id]
    assert listed.richmenus[0].chat_bar_text == "เมนู"
    assert line.rich_menus == {} and line.default_rich_menu is None


# -- LINE: faults --------------------------------------------------------------------------------


async def test_line_push_failing_after_accept_is_delivered_once(
    line: LineEmulator, api: AsyncMessagingApi
) -> None:
    line.faults(rate=1.0, kinds=("500",), after_accept=1.0, paths=("/push",), seed=1)
    key = str(uuid.uuid4())

    with pytest.raises(ApiException) as failed:
        await api.push_message(push("เผยแพร่แล้ว"), x_line_retry_key=key)
    line.faults(rate=0)
    with pytest.raises(ApiException) as retried:
        await api.push_message(push("เผยแพร่แล้ว"), x_line_retry_key=key)

    assert failed.value.status == 500
    assert retried.value.status == 409
    assert [m.text for m in line.messages()] == ["เผยแพร่แล้ว"]


async def test_line_timeout_after_accept_then_retry_gets_409(
    line: LineEmulator, api: AsyncMessagingApi
) -> None:
    line.fail_next("timeout", after_accept=True, paths=["/push"], timeout_seconds=5)
    key = str(uuid.uuid4())

    with pytest.raises(TimeoutError):
        await asyncio.wait_for(api.push_message(push("ครบกำหนด"), x_line_retry_key=key), 0.3)
    with pytest.raises(ApiException) as retried:
        await api.push_message(push("ครบกำหนด"), x_line_retry_key=key)

    assert retried.value.status == 409
    assert len(line.pushes_to(ALICE)) == 1


async def test_line_fault_before_accept_delivers_nothing(
    line: LineEmulator, api: AsyncMessagingApi
) -> None:
    line.fail_next("429")
    line.fail_next("500")

    with pytest.raises(ApiException) as limited:
        await api.push_message(push("x"))
    with pytest.raises(ApiException) as broken:
        await api.push_message(push("x"))
    await api.push_message(push("x"))

    assert limited.value.status == 429 and "Too Many Requests" in limited.value.body
    assert broken.value.status == 500
    assert len(line.messages()) == 1
    assert [r.fault for r in line.requests] == ["429", "500", None]


async def test_line_fault_rate_is_a_seeded_share(
    line: LineEmulator, api: AsyncMessagingApi
) -> None:
    async def failures() -> int:
        failed = 0
        for _ in range(40):
            try:
                await api.get_message_quota()
            except ApiException:
                failed += 1
        return failed

    line.faults(rate=0.5, kinds=("500", "429"), seed=7)
    first = await failures()
    line.faults(rate=0.5, kinds=("500", "429"), seed=7)
    second = await failures()
    line.faults(rate=0)
    none = await failures()

    assert 5 < first < 35 and first == second
    assert none == 0


# -- LINE: webhooks ------------------------------------------------------------------------------


def test_line_signature_matches_official_vector() -> None:
    body = b'{"destination":"U8e742f61d673b39c7fff3cecb7536ef0","events":[]}'

    assert line_signature(body, LINE_SECRET) == "GhRKmvmHys4Pi8DxkF4+EayaH0OqtJtaZxgTD9fMDLs="


def test_line_events_parse_into_sdk_classes() -> None:
    group = "Ca56f94637cc4347f90a25382909b24b9"
    body = line_body(
        line_text_event(ALICE, "ขอเผยแพร่"),
        line_postback_event(ALICE, "date:k3", params={"date": "2026-11-25"}),
        line_file_event(ALICE, "325708", "ประกาศ.pdf", 120_432),
        line_image_event(ALICE, "325709"),
        line_sticker_event(ALICE),
        line_location_event(ALICE),
        line_follow_event(ALICE),
        line_unfollow_event(ALICE),
        line_unsend_event(ALICE, "325708"),
        line_join_event(group),
        line_group_text_event(group, ALICE, "สวัสดี"),
    )

    events = WebhookParser(LINE_SECRET).parse(body.decode(), line_signature(body, LINE_SECRET))

    text, postback, file, image, sticker, location, follow, unfollow, unsend, join, chat = events
    assert isinstance(text, MessageEvent) and isinstance(text.message, TextMessageContent)
    assert text.message.text == "ขอเผยแพร่" and text.source.user_id == ALICE
    assert len(text.webhook_event_id) == 26 and text.delivery_context.is_redelivery is False
    assert isinstance(postback, PostbackEvent) and postback.postback.params == {
        "date": "2026-11-25"
    }
    assert isinstance(file.message, FileMessageContent)
    assert (file.message.file_name, file.message.file_size, file.message.id) == (
        "ประกาศ.pdf",
        120_432,
        "325708",
    )
    assert isinstance(image.message, ImageMessageContent)
    assert image.message.content_provider.type == "line"
    assert isinstance(sticker.message, StickerMessageContent)
    assert isinstance(location.message, LocationMessageContent)
    assert isinstance(follow, FollowEvent) and follow.follow.is_unblocked is False
    assert isinstance(unfollow, UnfollowEvent)
    assert isinstance(unsend, UnsendEvent) and unsend.unsend.message_id == "325708"
    assert isinstance(join, JoinEvent) and isinstance(join.source, GroupSource)
    assert isinstance(chat.source, GroupSource) and chat.source.user_id == ALICE


def test_line_signature_mismatch_is_rejected() -> None:
    body = line_body(line_text_event(ALICE, "x"))

    with pytest.raises(InvalidSignatureError):
        WebhookParser(LINE_SECRET).parse(body.decode(), line_signature(body, "another-secret"))


def test_line_redelivery_keeps_event_id_and_token() -> None:
    event = line_text_event(ALICE, "ขอเผยแพร่")
    again = redelivered(event)
    standby = line_text_event(ALICE, "x", mode="standby")

    assert again["webhookEventId"] == event["webhookEventId"]
    assert again["replyToken"] == event["replyToken"]
    assert again["deliveryContext"] == {"isRedelivery": True}
    assert "replyToken" not in standby


# -- Telegram: sending and editing -------------------------------------------------------------


async def test_telegram_initialize_calls_get_me(tg: TelegramEmulator, bot: Bot) -> None:
    assert bot.username == "webpub_test_bot"
    assert bot.id == 123
    assert [r.name for r in tg.requests] == ["getMe"]


async def test_telegram_wrong_token_and_unknown_method(tg: TelegramEmulator, bot: Bot) -> None:
    with pytest.raises(InvalidToken):
        async with make_bot(tg, "123:wrong"):
            pass
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("frobnicate")


async def test_telegram_send_message_with_keyboard(tg: TelegramEmulator, bot: Bot) -> None:
    sent = await bot.send_message(
        SOMCHAI,
        "<b>WP-2569-0042</b> รออนุมัติ &lt;ด่วน&gt;",
        parse_mode="HTML",
        reply_markup=keyboard(("อนุมัติ", "approve:9f3k"), ("ไม่อนุมัติ", "reject:9f3k")),
    )

    assert sent.text == "WP-2569-0042 รออนุมัติ <ด่วน>"
    assert sent.entities[0].type == MessageEntityType.BOLD
    assert sent.reply_markup.inline_keyboard[0][0].callback_data == "approve:9f3k"
    assert sent.from_user.is_bot and sent.chat.id == SOMCHAI
    [recorded] = tg.messages(SOMCHAI)
    assert recorded.parse_mode == "HTML" and recorded.plain == sent.text
    assert [b["callback_data"] for b in recorded.buttons] == ["approve:9f3k", "reject:9f3k"]


async def test_telegram_message_ids_increase_per_chat(bot: Bot) -> None:
    a1 = await bot.send_message(SOMCHAI, "1")
    b1 = await bot.send_message(2002, "1")
    a2 = await bot.send_message(SOMCHAI, "2")

    assert (a1.message_id, b1.message_id, a2.message_id) == (1, 1, 2)


async def test_telegram_edits_update_the_message(tg: TelegramEmulator, bot: Bot) -> None:
    sent = await bot.send_message(SOMCHAI, "รออนุมัติ", reply_markup=keyboard(("อนุมัติ", "a:1")))

    edited = await bot.edit_message_reply_markup(SOMCHAI, sent.message_id, reply_markup=None)
    with pytest.raises(BadRequest, match=r"(?i)not modified"):
        await bot.edit_message_reply_markup(SOMCHAI, sent.message_id, reply_markup=None)
    await bot.edit_message_text("อนุมัติแล้ว", SOMCHAI, sent.message_id)
    with pytest.raises(BadRequest, match=r"(?i)not found"):
        await bot.edit_message_text("x", SOMCHAI, 999)

    assert edited.reply_markup is None and edited.edit_date is not None
    assert [e.method for e in tg.edits] == ["editMessageReplyMarkup", "editMessageText"]
    assert tg.messages(SOMCHAI)[0].plain == "อนุมัติแล้ว"


async def test_telegram_callback_data_limit_is_bytes(tg: TelegramEmulator, bot: Bot) -> None:
    fits = "ก" * 21  # 63 bytes in UTF-8
    too_long = "ก" * 22  # 22 characters but 66 bytes

    await bot.send_message(SOMCHAI, "x", reply_markup=keyboard(("ok", fits)))
    with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
        await bot.send_message(SOMCHAI, "x", reply_markup=keyboard(("no", too_long)))

    assert len(tg.messages()) == 1


@pytest.mark.parametrize(
    "html",
    ["a < b", "<b>ตัวหนา", "<b><i>x</b></i>", "บรรทัด<br>ใหม่", "</b>", '<span class="x">y</span>'],
)
async def test_telegram_bad_html_is_rejected(tg: TelegramEmulator, bot: Bot, html: str) -> None:
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.send_message(SOMCHAI, html, parse_mode="HTML")

    assert tg.messages() == []


async def test_telegram_text_limits(bot: Bot) -> None:
    await bot.send_message(SOMCHAI, "ก" * 4096)
    with pytest.raises(BadRequest, match=r"(?i)too long"):
        await bot.send_message(SOMCHAI, "ก" * 4097)
    with pytest.raises(BadRequest, match=r"(?i)empty"):
        await bot.send_message(SOMCHAI, "<b></b>", parse_mode="HTML")


async def test_telegram_blocked_chat_is_forbidden(tg: TelegramEmulator, bot: Bot) -> None:
    tg.block(SOMCHAI)

    with pytest.raises(Forbidden):
        await bot.send_message(SOMCHAI, "x")


async def test_telegram_send_document_and_photo_record_bytes(
    tg: TelegramEmulator, bot: Bot
) -> None:
    document = await bot.send_document(SOMCHAI, b"%PDF-1.7", filename="ประกาศ.pdf", caption="ไฟล์")
    photo = await bot.send_photo(SOMCHAI, PNG)
    again = await bot.send_document(SOMCHAI, document.document.file_id)

    sent_document, sent_photo, _ = tg.messages(SOMCHAI)
    assert document.document.file_name == "ประกาศ.pdf" and document.caption == "ไฟล์"
    assert (sent_document.document.file_name, sent_document.document.data) == (
        "ประกาศ.pdf",
        b"%PDF-1.7",
    )
    assert sent_photo.photo.data == PNG and photo.photo[-1].file_id == sent_photo.photo.file_id
    assert again.document.file_id == document.document.file_id


# -- Telegram: callbacks, files, webhook, commands, updates --------------------------------------


async def test_telegram_callback_answered_once(tg: TelegramEmulator, bot: Bot) -> None:
    sent = await bot.send_message(SOMCHAI, "ส่งคำขอ?", reply_markup=keyboard(("ส่งคำขอ", "submit:1")))
    update = Update.de_json(
        telegram_callback_update(SOMCHAI, "submit:1", sent.message_id, tg=tg), bot
    )

    await update.callback_query.answer("ส่งแล้ว")
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await update.callback_query.answer()
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_callback_query("never-issued")

    assert update.callback_query.message.text == "ส่งคำขอ?"
    assert [a.text for a in tg.callback_answers] == ["ส่งแล้ว"]


async def test_telegram_callback_too_late(bot: Bot) -> None:
    clock = FakeClock()
    async with TelegramEmulator(token=TG_TOKEN, clock=clock) as tg, make_bot(tg) as late_bot:
        update = telegram_callback_update(SOMCHAI, "approve:1", 1, tg=tg)
        clock.now += 60
        with pytest.raises(BadRequest, match=r"(?i)query is too old"):
            await late_bot.answer_callback_query(update["callback_query"]["id"])


async def test_telegram_get_file_downloads_bytes(tg: TelegramEmulator, bot: Bot) -> None:
    tg.add_file("BQACAgUAAxkBAAIB", b"%PDF-1.7 data", file_name="ประกาศ.pdf")
    tg.add_file("BIG", b"x", file_size=21 * 1024 * 1024)

    file = await bot.get_file("BQACAgUAAxkBAAIB")
    data = await file.download_as_bytearray()
    with pytest.raises(BadRequest, match=r"(?i)file is too big"):
        await bot.get_file("BIG")
    with pytest.raises(BadRequest):
        await bot.get_file("unknown")

    assert bytes(data) == b"%PDF-1.7 data"
    assert file.file_path.startswith(f"{tg.url}/file/bot{TG_TOKEN}/")


async def test_telegram_webhook_settings(tg: TelegramEmulator, bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)https"):
        await bot.set_webhook("http://example.org/webhooks/telegram")
    await bot.set_webhook(
        "https://webpub.example.go.th/webhooks/telegram",
        secret_token="s3cret-Token_1",
        allowed_updates=["message", "callback_query", "my_chat_member"],
    )
    info = await bot.get_webhook_info()
    with pytest.raises(Conflict):
        await bot.get_updates()
    await bot.delete_webhook()

    assert tg.webhook is None
    assert info.url == "https://webpub.example.go.th/webhooks/telegram"
    assert info.allowed_updates == ("message", "callback_query", "my_chat_member")


async def test_telegram_webhook_is_recorded(tg: TelegramEmulator, bot: Bot) -> None:
    await bot.set_webhook("https://webpub.example.go.th/webhooks/telegram", secret_token="abc")

    assert tg.webhook.secret_token == "abc"
    assert tg.webhook.url.endswith("/webhooks/telegram")


async def test_telegram_commands_round_trip(tg: TelegramEmulator, bot: Bot) -> None:
    await bot.set_my_commands([BotCommand("new", "ขอเผยแพร่ข้อมูล"), BotCommand("status", "สถานะ")])
    await bot.set_my_commands([BotCommand("new", "Request publication")], language_code="en")

    commands = await bot.get_my_commands()
    with pytest.raises(BadRequest):
        await bot.set_my_commands([BotCommand("New!", "x")])

    assert [c.command for c in commands] == ["new", "status"]
    assert tg.get_commands("en") == [{"command": "new", "description": "Request publication"}]


async def test_telegram_get_updates_honours_offset_and_timeout(
    tg: TelegramEmulator, bot: Bot
) -> None:
    first, second = telegram_text_update(SOMCHAI, "1"), telegram_text_update(SOMCHAI, "2")
    tg.queue_update(first)
    tg.queue_update(second)

    both = await bot.get_updates(timeout=0)
    rest = await bot.get_updates(offset=first["update_id"] + 1, timeout=0)
    waiter = asyncio.create_task(bot.get_updates(offset=second["update_id"] + 1, timeout=5))
    await asyncio.sleep(0.05)
    third = telegram_text_update(SOMCHAI, "3")
    tg.queue_update(third)
    woken = await asyncio.wait_for(waiter, 2)
    empty = await bot.get_updates(offset=third["update_id"] + 1, timeout=0.1)

    assert [u.message.text for u in both] == ["1", "2"]
    assert [u.message.text for u in rest] == ["2"]
    assert [u.message.text for u in woken] == ["3"]
    assert empty == ()


# -- Telegram: faults ----------------------------------------------------------------------------


async def test_telegram_429_is_retry_after(
    tg: TelegramEmulator, bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Without PTB_TIMEDELTA, PTB 22 warns (an error here) when it builds RetryAfter.
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    tg.retry_after = 3
    tg.fail_next("429", paths=["sendMessage"])

    with pytest.raises(RetryAfter) as limited:
        await bot.send_message(SOMCHAI, "x")
    await bot.send_message(SOMCHAI, "x")

    assert limited.value.retry_after.total_seconds() == 3
    assert len(tg.messages()) == 1


async def test_telegram_send_failing_after_accept_is_delivered(
    tg: TelegramEmulator, bot: Bot
) -> None:
    tg.faults(rate=1.0, kinds=("500",), after_accept=1.0, paths=["sendMessage"])

    with pytest.raises(NetworkError):
        await bot.send_message(SOMCHAI, "อนุมัติแล้ว")
    tg.faults(rate=0)

    assert [m.plain for m in tg.messages()] == ["อนุมัติแล้ว"]
    assert tg.requests[-1].status == 500


async def test_telegram_timeout_fault_times_out(tg: TelegramEmulator, bot: Bot) -> None:
    tg.fail_next("timeout", paths=["sendMessage"], timeout_seconds=5)

    with pytest.raises(TimedOut):
        await bot.send_message(SOMCHAI, "x", read_timeout=0.3)

    assert tg.messages() == []


async def test_telegram_limits_refuse_the_31st_send_in_a_second(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    clock = FakeClock()
    async with TelegramEmulator(token=TG_TOKEN, clock=clock) as tg, make_bot(tg) as bot:
        tg.enforce_limits(overall=30)
        for i in range(30):
            await bot.send_message(SOMCHAI + i, f"ประกาศ {i}")
            clock.now += 0.02
        with pytest.raises(RetryAfter) as limited:
            await bot.send_message(SOMCHAI + 30, "ประกาศ 30")
        clock.now += 1.0
        await bot.send_message(SOMCHAI + 30, "ประกาศ 30")

    assert limited.value.retry_after.total_seconds() == 1
    assert tg.limited == 1 and tg.limited_calls[0].chat_id == SOMCHAI + 30
    assert tg.limited_calls[0].limit == "overall"
    assert [m.plain for m in tg.messages(chat_id=SOMCHAI + 30)] == ["ประกาศ 30"]
    assert tg.requests[-2].status == 429 and tg.requests[-2].fault is None


async def test_telegram_limits_tolerate_a_short_burst_to_a_chat(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    clock = FakeClock()
    async with TelegramEmulator(token=TG_TOKEN, clock=clock) as tg, make_bot(tg) as bot:
        tg.enforce_limits(per_chat=1.0, chat_burst=3)
        for i in range(3):
            await bot.send_message(SOMCHAI, f"{i}")
        with pytest.raises(RetryAfter) as limited:
            await bot.send_message(SOMCHAI, "3")
        await bot.send_message(SOMCHAI + 1, "another chat")
        clock.now += 1.0
        await bot.send_message(SOMCHAI, "3")

    assert limited.value.retry_after.total_seconds() == 1
    assert [m.plain for m in tg.messages(chat_id=SOMCHAI)] == ["0", "1", "2", "3"]
    assert tg.sends_to(SOMCHAI) == [clock.now - 1.0] * 3 + [clock.now]
    assert [c.limit for c in tg.limited_calls] == ["chat"]


async def test_telegram_limits_allow_twenty_a_minute_to_a_group(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    clock = FakeClock()
    group = -1001234567890
    async with TelegramEmulator(token=TG_TOKEN, clock=clock) as tg, make_bot(tg) as bot:
        tg.enforce_limits(group_per_minute=20)
        for i in range(20):
            await bot.send_message(group, f"{i}")
            clock.now += 1.0
        with pytest.raises(RetryAfter) as limited:
            await bot.send_message(group, "20")
        clock.now += 40.0
        await bot.send_message(group, "20")

    assert limited.value.retry_after.total_seconds() == 40
    assert [c.limit for c in tg.limited_calls] == ["group"]
    assert len(tg.messages(chat_id=group)) == 21


async def test_telegram_limits_are_off_by_default(tg: TelegramEmulator, bot: Bot) -> None:
    for i in range(40):
        await bot.send_message(SOMCHAI, f"{i}")

    assert len(tg.messages()) == 40 and tg.limited == 0


async def test_telegram_limits_skip_answers_and_count_edits(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    clock = FakeClock()
    async with TelegramEmulator(token=TG_TOKEN, clock=clock) as tg, make_bot(tg) as bot:
        tg.enforce_limits(chat_burst=2)
        sent = await bot.send_message(SOMCHAI, "ส่งคำขอ?", reply_markup=keyboard(("ส่ง", "s:1")))
        update = telegram_callback_update(SOMCHAI, "s:1", sent.message_id, tg=tg)
        await bot.answer_callback_query(update["callback_query"]["id"])
        await bot.edit_message_text("ส่งแล้ว", chat_id=SOMCHAI, message_id=sent.message_id)
        with pytest.raises(RetryAfter):
            await bot.send_message(SOMCHAI, "x")

    assert len(tg.callback_answers) == 1 and tg.limited == 1


# -- Telegram: update factories ------------------------------------------------------------------


def test_telegram_updates_parse_with_ptb() -> None:
    text = Update.de_json(telegram_text_update(SOMCHAI, "ขอเผยแพร่"), None)
    command = Update.de_json(telegram_command_update(SOMCHAI, "/start", "K7Q2"), None)
    callback = Update.de_json(telegram_callback_update(SOMCHAI, "approve:9f3k", 42), None)
    document = Update.de_json(
        telegram_document_update(SOMCHAI, "BQAC1", "ประกาศ.pdf", 120_432, "application/pdf"), None
    )
    photo = Update.de_json(telegram_photo_update(SOMCHAI, "AgAC1"), None)
    edited = Update.de_json(telegram_edited_message_update(SOMCHAI, "แก้ไข", 7), None)
    blocked = Update.de_json(telegram_my_chat_member_update(SOMCHAI), None)
    unblocked = Update.de_json(telegram_my_chat_member_update(SOMCHAI, blocked=False), None)
    group = Update.de_json(telegram_group_text_update(-1001234567890, SOMCHAI, "สวัสดี"), None)

    assert text.message.text == "ขอเผยแพร่" and text.effective_user.language_code == "th"
    assert command.message.entities[0].type == MessageEntityType.BOT_COMMAND
    assert command.message.text == "/start K7Q2"
    assert callback.callback_query.data == "approve:9f3k"
    assert callback.callback_query.message.message_id == 42
    assert document.message.document.file_name == "ประกาศ.pdf"
    assert document.message.document.file_size == 120_432
    assert photo.message.photo[-1].file_id == "AgAC1"
    assert edited.edited_message.text == "แก้ไข" and edited.edited_message.message_id == 7
    assert blocked.my_chat_member.new_chat_member.status == "kicked"
    assert unblocked.my_chat_member.new_chat_member.status == "member"
    assert group.effective_chat.type == ChatType.SUPERGROUP
    assert text.update_id < command.update_id < group.update_id
