from tortoise import migrations
from tortoise.migrations import operations as ops
from models.enums import Channel
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0002_scheduler')]

    initial = False

    operations = [
        ops.CreateModel(
            name='GroupChat',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('org', fields.ForeignKeyField('models.Organization', source_field='org_id', db_constraint=True, to_field='id', related_name='group_chats', on_delete=OnDelete.CASCADE)),
                ('purpose', fields.CharField(default='webmasters', max_length=20)),
                ('channel', fields.CharEnumField(description='LINE: line\nTELEGRAM: telegram\nSANDBOX: sandbox', enum_type=Channel, max_length=10)),
                ('chat_id', fields.CharField(max_length=100)),
                ('registered_by', fields.ForeignKeyField('models.Person', source_field='registered_by_id', null=True, db_constraint=True, to_field='id', related_name='registered_groups', on_delete=OnDelete.SET_NULL)),
                ('active', fields.BooleanField(default=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'group_chat', 'app': 'models', 'unique_together': (('org', 'purpose', 'channel', 'chat_id'),), 'pk_attr': 'id', 'table_description': 'A group chat the bot serves, such as the webmasters group that gets the task cards.'},
            bases=['Model'],
        ),
        ops.AddIndex(
            model_name='OutboxMessage',
            index=Index(fields=['request_id', 'channel']),
        ),
    ]
