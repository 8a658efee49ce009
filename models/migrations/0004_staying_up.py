from tortoise import migrations
from tortoise.migrations import operations as ops
from models.enums import InboxStatus
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0003_decisions')]

    initial = False

    operations = [
        ops.AlterField(
            model_name='InboxEvent',
            name='status',
            field=fields.CharEnumField(default=InboxStatus.RECEIVED, description='RECEIVED: received\nDONE: done\nFAILED: failed\nDROPPED: dropped', enum_type=InboxStatus, max_length=10),
        ),
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
