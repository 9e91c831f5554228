"""telegram_updates keeps each update until it is handled, so one taken in by a gateway that then
died is handled by another

Revision ID: 0008_telegram_inbox
Revises: 0007_scale
"""
from alembic import op
import sqlalchemy as sa


revision = '0008_telegram_inbox'
down_revision = '0007_scale'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('telegram_updates') as batch_op:
        batch_op.add_column(sa.Column('payload', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('handled_at', sa.DateTime(timezone=True), nullable=True))
    # Every update taken in before this revision was handled then.
    op.execute('UPDATE telegram_updates SET handled_at = received_at')


def downgrade() -> None:
    with op.batch_alter_table('telegram_updates') as batch_op:
        batch_op.drop_column('handled_at')
        batch_op.drop_column('claimed_until')
        batch_op.drop_column('payload')
