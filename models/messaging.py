"""Rows that carry messages: outbox (out), inbox (in), dialog state and button tokens."""

from tortoise import fields
from tortoise.models import Model

from models.enums import Channel, InboxStatus, OutboxStatus

REPLY_PRIORITY = 0  # an answer to someone waiting in the conversation
NOTICE_PRIORITY = 1  # a notification


class OutboxMessage(Model):
    """One message to one chat, written in the transaction that caused it."""

    id = fields.BigIntField(primary_key=True)
    person = fields.ForeignKeyField("models.Person", related_name="outbox", null=True)
    request = fields.ForeignKeyField("models.Request", related_name="outbox", null=True)
    kind = fields.CharField(max_length=40, default="reply")
    # Answers in a conversation (REPLY) go out before notifications (NOTICE), always.
    priority = fields.SmallIntField(default=NOTICE_PRIORITY)
    channel = fields.CharEnumField(Channel, max_length=10)
    chat_id = fields.CharField(max_length=100)
    payload = fields.JSONField()
    reply_token = fields.CharField(max_length=200, null=True)
    reply_until = fields.DatetimeField(null=True)
    status = fields.CharEnumField(OutboxStatus, max_length=10, default=OutboxStatus.PENDING)
    attempts = fields.IntField(default=0)
    failures = fields.IntField(default=0)  # failed tries since the last replay; 429s not counted
    not_before = fields.DatetimeField(null=True)
    next_attempt_at = fields.DatetimeField(null=True)
    give_up_at = fields.DatetimeField(null=True)  # set at the first failure: the retry deadline
    retry_key = fields.CharField(max_length=36)
    last_error = fields.TextField(default="")
    platform_message_id = fields.CharField(max_length=100, null=True)
    used_push = fields.BooleanField(default=False)
    # Telegram has no duplicate suppression: a send that may have reached it before we knew.
    maybe_sent = fields.BooleanField(default=False)
    created_at = fields.DatetimeField(auto_now_add=True)
    sent_at = fields.DatetimeField(null=True)
    died_at = fields.DatetimeField(null=True)
    reported_at = fields.DatetimeField(null=True)  # the admins were told it died

    class Meta:
        table = "outbox_message"
        indexes = (
            ("status", "next_attempt_at"),
            ("channel", "chat_id", "status"),
            ("request_id", "channel"),  # the copies of a request's cards, to retire their buttons
            ("status", "priority", "id"),  # what the worker sends next: replies first
        )


class InboxEvent(Model):
    """A webhook event, recorded once (unique per channel and event id) before it is handled."""

    id = fields.BigIntField(primary_key=True)
    channel = fields.CharEnumField(Channel, max_length=10)
    event_id = fields.CharField(max_length=100)
    payload = fields.JSONField()
    # Who and where: an event waits only for earlier events of its own chat or sender.
    chat_key = fields.CharField(max_length=120, default="")
    user_key = fields.CharField(max_length=120, default="")
    status = fields.CharEnumField(InboxStatus, max_length=10, default=InboxStatus.RECEIVED)
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField(null=True)  # after a fault that can pass
    error = fields.TextField(default="")
    received_at = fields.DatetimeField(auto_now_add=True)
    processed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "inbox_event"
        unique_together = (("channel", "event_id"),)
        indexes = (("status", "received_at"), ("chat_key", "status"), ("user_key", "status"))


class OutboxSender(Model):
    """An outbox worker that is running: instances on one database split the platforms'
    overall limits by how many of these were seen lately."""

    id = fields.CharField(max_length=32, primary_key=True)
    seen_at = fields.DatetimeField()

    class Meta:
        table = "outbox_sender"


class Dialog(Model):
    """Where a person is in a conversation, one row per person."""

    id = fields.IntField(primary_key=True)
    person = fields.OneToOneField("models.Person", related_name="dialog")
    flow = fields.CharField(max_length=30)
    step = fields.CharField(max_length=60)
    data = fields.JSONField(default=dict)
    request = fields.ForeignKeyField("models.Request", related_name="dialogs", null=True)
    version = fields.IntField(default=1)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "dialog"


class ButtonToken(Model):
    """The server side of a button: the token in the button maps to an action and its target."""

    token = fields.CharField(max_length=16, primary_key=True)
    action = fields.CharField(max_length=30)
    request = fields.ForeignKeyField("models.Request", related_name="buttons", null=True)
    task = fields.ForeignKeyField("models.Task", related_name="buttons", null=True)
    person = fields.ForeignKeyField("models.Person", related_name="buttons", null=True)
    data = fields.JSONField(default=dict)
    expires_at = fields.DatetimeField(null=True)
    used_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "button_token"
