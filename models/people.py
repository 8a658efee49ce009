"""Organizations, people, their platform identities, roles, delegations and invite codes."""

from tortoise import fields
from tortoise.models import Model

from models.enums import Channel, Role


class Organization(Model):
    id = fields.IntField(primary_key=True)
    slug = fields.CharField(max_length=40, unique=True)
    name_th = fields.CharField(max_length=200)
    name_en = fields.CharField(max_length=200)
    website = fields.CharField(max_length=300)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "organization"


class Person(Model):
    id = fields.IntField(primary_key=True)
    org = fields.ForeignKeyField("models.Organization", related_name="people")
    name = fields.CharField(max_length=200)
    unit = fields.CharField(max_length=200, default="")
    position = fields.CharField(max_length=200, default="")
    locale = fields.CharField(max_length=5, null=True)
    # Where notifications go for a person on both platforms; None means Telegram (free) first.
    notify_channel = fields.CharEnumField(Channel, max_length=10, null=True)
    active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "person"


class Identity(Model):
    """An account of a person on one platform, the chat id is where pushes go."""

    id = fields.IntField(primary_key=True)
    person = fields.ForeignKeyField("models.Person", related_name="identities")
    channel = fields.CharEnumField(Channel, max_length=10)
    platform_user_id = fields.CharField(max_length=100)
    chat_id = fields.CharField(max_length=100)
    language_code = fields.CharField(max_length=10, null=True)
    display_name = fields.CharField(max_length=200, default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "identity"
        unique_together = (("channel", "platform_user_id"),)


class RoleAssignment(Model):
    id = fields.IntField(primary_key=True)
    person = fields.ForeignKeyField("models.Person", related_name="roles")
    role = fields.CharEnumField(Role, max_length=12)
    granted_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "role_assignment"
        unique_together = (("person", "role"),)


class Delegation(Model):
    """An acting approver (รักษาราชการแทน) for a date range."""

    id = fields.IntField(primary_key=True)
    org = fields.ForeignKeyField("models.Organization", related_name="delegations")
    approver = fields.ForeignKeyField("models.Person", related_name="delegated_away", null=True)
    acting = fields.ForeignKeyField("models.Person", related_name="acting_for")
    starts_on = fields.DateField()
    ends_on = fields.DateField()
    revoked = fields.BooleanField(default=False)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "delegation"
        indexes = (("org_id", "starts_on", "ends_on"),)


class InviteCode(Model):
    """A one-time code: enrols a new person (kind invite) or links a second platform (kind link)."""

    id = fields.IntField(primary_key=True)
    org = fields.ForeignKeyField("models.Organization", related_name="invites")
    kind = fields.CharField(max_length=10, default="invite")
    code_hash = fields.CharField(max_length=64, unique=True)
    role = fields.CharEnumField(Role, max_length=12, null=True)
    name = fields.CharField(max_length=200, default="")
    unit = fields.CharField(max_length=200, default="")
    position = fields.CharField(max_length=200, default="")
    person = fields.ForeignKeyField("models.Person", related_name="link_codes", null=True)
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)
    used_by = fields.ForeignKeyField("models.Person", related_name="used_invites", null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "invite_code"


class GroupChat(Model):
    """A group chat the bot serves, such as the webmasters group that gets the task cards."""

    id = fields.IntField(primary_key=True)
    org = fields.ForeignKeyField("models.Organization", related_name="group_chats")
    purpose = fields.CharField(max_length=20, default="webmasters")
    channel = fields.CharEnumField(Channel, max_length=10)
    chat_id = fields.CharField(max_length=100)
    registered_by = fields.ForeignKeyField(
        "models.Person", related_name="registered_groups", null=True, on_delete=fields.SET_NULL
    )
    active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "group_chat"
        unique_together = (("org", "purpose", "channel", "chat_id"),)


class CodeThrottle(Model):
    """Wrong codes from one platform account: counted per window, so guessing soon stops."""

    id = fields.IntField(primary_key=True)
    org = fields.ForeignKeyField("models.Organization", related_name="code_throttles")
    channel = fields.CharEnumField(Channel, max_length=10)
    platform_user_id = fields.CharField(max_length=100)
    failures = fields.IntField(default=0)
    window_started_at = fields.DatetimeField()
    alerted_at = fields.DatetimeField(null=True)

    class Meta:
        table = "code_throttle"
        unique_together = (("channel", "platform_user_id"),)
