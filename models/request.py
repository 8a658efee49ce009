"""Categories, requests, their files, decisions and webmaster tasks."""

from tortoise import fields
from tortoise.models import Model

from models.enums import Status, TaskKind, TaskStatus


class Category(Model):
    id = fields.IntField(primary_key=True)
    org = fields.ForeignKeyField("models.Organization", related_name="categories")
    key = fields.CharField(max_length=40)
    name_th = fields.CharField(max_length=200)
    name_en = fields.CharField(max_length=200)
    end_date_required = fields.BooleanField(default=False)
    default_period_days = fields.IntField(default=0)
    link_allowed = fields.BooleanField(default=False)
    position = fields.IntField(default=0)
    active = fields.BooleanField(default=True)

    class Meta:
        table = "category"
        unique_together = (("org", "key"),)

    def name(self, locale: str) -> str:
        return self.name_th if locale == "th" else self.name_en


class ReferenceCounter(Model):
    """The last reference number handed out per organization and Buddhist-era year."""

    id = fields.IntField(primary_key=True)
    org = fields.ForeignKeyField("models.Organization", related_name="counters")
    year_be = fields.IntField()
    last_seq = fields.IntField(default=0)

    class Meta:
        table = "reference_counter"
        unique_together = (("org", "year_be"),)


class Request(Model):
    """A request to publish information, from draft to removal."""

    id = fields.IntField(primary_key=True)
    org = fields.ForeignKeyField("models.Organization", related_name="requests")
    ref = fields.CharField(max_length=20, unique=True, null=True)
    status = fields.CharEnumField(Status, max_length=12, default=Status.DRAFT)
    version = fields.IntField(default=1)
    owner = fields.ForeignKeyField("models.Person", related_name="requests")
    owner_unit = fields.CharField(max_length=200, default="")
    category = fields.ForeignKeyField("models.Category", related_name="requests", null=True)
    title = fields.CharField(max_length=500, default="")
    summary = fields.TextField(default="")
    source = fields.CharField(max_length=300, default="")
    data_from = fields.DateField(null=True)
    data_until = fields.DateField(null=True)
    publish_date = fields.DateField(null=True)
    end_date = fields.DateField(null=True)
    external_link = fields.CharField(max_length=1000, default="")
    remarks = fields.TextField(default="")
    urgent = fields.BooleanField(default=False)
    urgent_reason = fields.CharField(max_length=500, default="")
    certified = fields.BooleanField(default=False)
    revision_of = fields.ForeignKeyField("models.Request", related_name="revisions", null=True)
    revision_no = fields.IntField(default=0)
    assignee = fields.ForeignKeyField("models.Person", related_name="assigned_requests", null=True)
    verbal = fields.BooleanField(default=False)
    verbal_confirmed = fields.BooleanField(null=True)
    published_url = fields.CharField(max_length=1000, default="")
    # The website check of the publication: "" (none yet), "passed", or "unverified" (the
    # webmaster confirmed it published though the check did not pass).
    web_check = fields.CharField(max_length=12, default="", db_default="")
    # The SHA-256 of the file the page carried when last seen right: what the watch compares.
    web_sha256 = fields.CharField(max_length=64, default="", db_default="")
    imported = fields.BooleanField(default=False, db_default=False)  # online before webpub: brought in by import
    submitted_at = fields.DatetimeField(null=True)
    decided_at = fields.DatetimeField(null=True)
    published_at = fields.DatetimeField(null=True)
    expired_at = fields.DatetimeField(null=True)
    removed_at = fields.DatetimeField(null=True)
    review_due = fields.DateField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "request"
        indexes = (
            ("status", "end_date"),
            ("status", "updated_at"),
            ("status", "review_due"),
            ("owner_id", "status"),
        )


class Attachment(Model):
    """A file of a request, stored content-addressed under the data directory."""

    id = fields.IntField(primary_key=True)
    request = fields.ForeignKeyField("models.Request", related_name="attachments")
    original_name = fields.CharField(max_length=255)
    extension = fields.CharField(max_length=16)
    mime_type = fields.CharField(max_length=100)
    size = fields.BigIntField()
    sha256 = fields.CharField(max_length=64)
    # What intake.personal found in the file: probable national IDs and phone numbers, where.
    personal = fields.JSONField(default=dict)
    position = fields.IntField(default=0)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "attachment"


class Decision(Model):
    """Who decided what on a request, when and how."""

    id = fields.IntField(primary_key=True)
    request = fields.ForeignKeyField("models.Request", related_name="decisions")
    person = fields.ForeignKeyField("models.Person", related_name="decisions", null=True)
    action = fields.CharField(max_length=20)
    how = fields.CharField(max_length=20, default="button")
    acting_for = fields.ForeignKeyField("models.Person", related_name="decisions_for", null=True)
    reason_code = fields.CharField(max_length=40, default="")
    reason = fields.TextField(default="")
    verbal_by = fields.CharField(max_length=200, default="")
    verbal_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "decision"


class Task(Model):
    """A job for webmasters: publish an approved request or take a published one down."""

    id = fields.IntField(primary_key=True)
    request = fields.ForeignKeyField("models.Request", related_name="tasks")
    kind = fields.CharEnumField(TaskKind, max_length=10)
    status = fields.CharEnumField(TaskStatus, max_length=10, default=TaskStatus.OPEN)
    version = fields.IntField(default=1)
    claimed_by = fields.ForeignKeyField("models.Person", related_name="tasks", null=True)
    claimed_at = fields.DatetimeField(null=True)
    done_at = fields.DatetimeField(null=True)
    url = fields.CharField(max_length=1000, default="")
    reason = fields.TextField(default="")
    due_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "task"
        indexes = (("status", "created_at"), ("kind", "status"))


class PageCheck(Model):
    """One look at a page of the website: asked for (queued), then what it showed."""

    id = fields.IntField(primary_key=True)
    request = fields.ForeignKeyField("models.Request", related_name="page_checks")
    task = fields.ForeignKeyField("models.Task", related_name="page_checks", null=True)
    actor = fields.ForeignKeyField("models.Person", related_name="page_checks", null=True)
    kind = fields.CharField(max_length=10)  # publish, takedown, watch, import
    url = fields.CharField(max_length=1000)
    state = fields.CharField(max_length=10, default="queued")  # queued, running, done
    result = fields.CharField(max_length=10, default="")  # passed, failed, unchecked
    code = fields.CharField(max_length=20, default="")
    detail = fields.CharField(max_length=500, default="")
    http_status = fields.IntField(null=True)
    attempts = fields.IntField(default=0)
    due_at = fields.DatetimeField()
    checked_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "page_check"
        indexes = (("state", "due_at"), ("request_id", "kind"))


class Reminder(Model):
    """That a reminder of a kind at a lead time was sent: the memory of the scheduler."""

    id = fields.IntField(primary_key=True)
    kind = fields.CharField(max_length=30)
    request = fields.ForeignKeyField("models.Request", related_name="reminders", null=True)
    key = fields.CharField(max_length=60)
    sent_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "reminder"
        unique_together = (("kind", "request", "key"),)
