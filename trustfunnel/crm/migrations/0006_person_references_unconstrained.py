"""crm_person's workspace and organisation are references Django keeps, not database
foreign keys: each constraint was a trigger per inserted row checked at commit, about a
fifth of the database time of a million-row people import (decision 82). The
organisation keeps its index (its people, and SET NULL when it goes); Django applies
on_delete (CASCADE for the workspace, SET NULL for the organisation) itself.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('crm', '0005_person_fewer_indexes'),
        ('workspaces', '0001_initial'),
    ]

    operations = [
        migrations.AlterField(
            model_name='person',
            name='organization',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='people', to='crm.organization', verbose_name='organisation'),
        ),
        migrations.AlterField(
            model_name='person',
            name='workspace',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='workspaces.workspace'),
        ),
    ]
