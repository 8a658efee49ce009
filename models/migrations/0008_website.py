from tortoise import migrations
from tortoise.migrations import operations as ops
from models.enums import TaskKind
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0007_staying_up')]

    initial = False

    operations = [
        ops.CreateModel(
            name='PageCheck',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('request', fields.ForeignKeyField('models.Request', source_field='request_id', db_constraint=True, to_field='id', related_name='page_checks', on_delete=OnDelete.CASCADE)),
                ('task', fields.ForeignKeyField('models.Task', source_field='task_id', null=True, db_constraint=True, to_field='id', related_name='page_checks', on_delete=OnDelete.CASCADE)),
                ('actor', fields.ForeignKeyField('models.Person', source_field='actor_id', null=True, db_constraint=True, to_field='id', related_name='page_checks', on_delete=OnDelete.CASCADE)),
                ('kind', fields.CharField(max_length=10)),
                ('url', fields.CharField(max_length=1000)),
                ('state', fields.CharField(default='queued', max_length=10)),
                ('result', fields.CharField(default='', max_length=10)),
                ('code', fields.CharField(default='', max_length=20)),
                ('detail', fields.CharField(default='', max_length=500)),
                ('http_status', fields.IntField(null=True)),
                ('attempts', fields.IntField(default=0)),
                ('due_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('checked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'page_check', 'app': 'models', 'indexes': [Index(fields=['state', 'due_at']), Index(fields=['request_id', 'kind'])], 'pk_attr': 'id', 'table_description': 'One look at a page of the website: asked for (queued), then what it showed.'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Request',
            name='imported',
            field=fields.BooleanField(default=False, db_default=False),
        ),
        ops.AddField(
            model_name='Request',
            name='web_check',
            field=fields.CharField(default='', db_default='', max_length=12),
        ),
        ops.AddField(
            model_name='Request',
            name='web_sha256',
            field=fields.CharField(default='', db_default='', max_length=64),
        ),
        ops.AlterField(
            model_name='Task',
            name='kind',
            field=fields.CharEnumField(description='PUBLISH: publish\nTAKEDOWN: takedown\nREPAIR: repair', enum_type=TaskKind, max_length=10),
        ),
    ]
