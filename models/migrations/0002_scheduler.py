from tortoise import migrations
from tortoise.migrations import operations as ops

class Migration(migrations.Migration):
    dependencies = [('models', '0001_initial')]

    initial = False

    operations = [
        ops.AlterModelOptions(
            name='AuditHead',
            options={'table': 'audit_head', 'app': 'models', 'pk_attr': 'org_id', 'table_description': 'The tip of the chain per organization, updating it first serializes appends.'},
        ),
        # Reminders that belong to no request (digests, reports, checkpoints, failure notices)
        # are claimed once per kind and key: NULLs never collide in the table's unique
        # (kind, request, key), so a partial unique index covers them (SQLite and PostgreSQL).
        ops.RunSQL(
            sql='CREATE UNIQUE INDEX "uid_reminder_kind_key_global" ON "reminder" ("kind", "key") WHERE "request_id" IS NULL',
            reverse_sql='DROP INDEX "uid_reminder_kind_key_global"',
        ),
    ]
