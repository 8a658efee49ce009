from tortoise import fields, migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [('models', '0008_website')]

    initial = False

    # Events recorded before this have no keys: they share the key "" and are handled in
    # their order of arrival, as before.
    operations = [
        ops.AddField(
            model_name='InboxEvent',
            name='chat_key',
            field=fields.CharField(default='', max_length=120),
        ),
        ops.AddField(
            model_name='InboxEvent',
            name='user_key',
            field=fields.CharField(default='', max_length=120),
        ),
        ops.AddField(
            model_name='OutboxMessage',
            name='priority',
            field=fields.SmallIntField(default=1),
        ),
        ops.AddIndex(model_name='InboxEvent', index=Index(fields=['chat_key', 'status'])),
        ops.AddIndex(model_name='InboxEvent', index=Index(fields=['user_key', 'status'])),
        ops.AddIndex(
            model_name='OutboxMessage', index=Index(fields=['status', 'priority', 'id'])
        ),
    ]
