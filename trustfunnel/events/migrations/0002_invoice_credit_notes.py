"""Credit notes: an invoice row gets a kind, the invoice a credit note corrects, and the
sum credited so far.

Safe on a filled table: every existing row is an invoice (the column's default), with
nothing credited. The new uniqueness (workspace, kind, number) is implied by the old
(workspace, number), so it is created *before* the old one is dropped and the numbers
are never unguarded. The partial index of overdue candidates is rebuilt to leave credit
notes out (they are never "unpaid past due").
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('crm', '0002_workspace_id_indexes'),
        ('events', '0001_initial'),
        ('workspaces', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='invoice',
            name='kind',
            field=models.CharField(choices=[('invoice', 'Invoice'), ('credit_note', 'Credit note')], default='invoice', max_length=12, verbose_name='kind'),
        ),
        migrations.AddField(
            model_name='invoice',
            name='credited_amount',
            field=models.DecimalField(decimal_places=2, default=0, max_digits=12, verbose_name='credited'),
        ),
        migrations.AddField(
            model_name='invoice',
            name='credited_number',
            field=models.CharField(blank=True, max_length=60, verbose_name='corrects invoice number'),
        ),
        migrations.AddField(
            model_name='invoice',
            name='credits',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='credit_notes', to='events.invoice', verbose_name='credits invoice'),
        ),
        migrations.AddConstraint(
            model_name='invoice',
            constraint=models.UniqueConstraint(fields=('workspace', 'kind', 'number'), name='invoice_unique_kind_number'),
        ),
        migrations.RemoveConstraint(
            model_name='invoice',
            name='invoice_unique_number',
        ),
        migrations.RemoveIndex(
            model_name='invoice',
            name='inv_unpaid_due',
        ),
        migrations.AddIndex(
            model_name='invoice',
            index=models.Index(condition=models.Q(('kind', 'invoice'), ('paid_on__isnull', True), ('unpaid_recorded', False)), fields=['due_date'], name='inv_unpaid_due'),
        ),
    ]
