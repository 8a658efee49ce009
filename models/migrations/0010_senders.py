from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [('models', '0009_throughput')]

    initial = False

    operations = [
        ops.CreateModel(
            name='OutboxSender',
            fields=[
                ('id', fields.CharField(primary_key=True, max_length=32)),
                ('seen_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'outbox_sender', 'app': 'models', 'pk_attr': 'id', 'table_description': "An outbox worker that is running: instances on one database split the platforms' overall limits by how many of these were seen lately."},
            bases=['Model'],
        ),
    ]
