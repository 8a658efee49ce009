from tortoise import migrations
from tortoise.migrations import operations as ops
from models.enums import Channel
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0003_decisions')]

    initial = False

    operations = [
        ops.CreateModel(
            name='CodeThrottle',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('org', fields.ForeignKeyField('models.Organization', source_field='org_id', db_constraint=True, to_field='id', related_name='code_throttles', on_delete=OnDelete.CASCADE)),
                ('channel', fields.CharEnumField(description='LINE: line\nTELEGRAM: telegram\nSANDBOX: sandbox', enum_type=Channel, max_length=10)),
                ('platform_user_id', fields.CharField(max_length=100)),
                ('failures', fields.IntField(default=0)),
                ('window_started_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('alerted_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'code_throttle', 'app': 'models', 'unique_together': (('channel', 'platform_user_id'),), 'pk_attr': 'id', 'table_description': 'Wrong codes from one platform account: counted per window, so guessing soon stops.'},
            bases=['Model'],
        ),
    ]
