from tortoise import migrations
from tortoise.migrations import operations as ops
from models.enums import TaskStatus
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0003_decisions')]

    initial = False

    operations = [
        ops.AlterField(
            model_name='Task',
            name='status',
            field=fields.CharEnumField(default=TaskStatus.OPEN, description='SCHEDULED: scheduled\nOPEN: open\nCLAIMED: claimed\nDONE: done\nRETURNED: returned\nCANCELLED: cancelled', enum_type=TaskStatus, max_length=10),
        ),
    ]
