from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0006_records')]

    initial = False

    # InboxStatus gained DROPPED and OutboxStatus comments only: a CharEnumField's choices are
    # not in the schema, and an AlterField would rebuild inbox_event on SQLite without its
    # unique (channel, event_id).
    operations = [
        ops.AddField(
            model_name='InboxEvent',
            name='next_attempt_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='OutboxMessage',
            name='died_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='OutboxMessage',
            name='failures',
            field=fields.IntField(default=0),
        ),
        ops.AddField(
            model_name='OutboxMessage',
            name='give_up_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='OutboxMessage',
            name='maybe_sent',
            field=fields.BooleanField(default=False),
        ),
        ops.AddField(
            model_name='OutboxMessage',
            name='reported_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
    ]
