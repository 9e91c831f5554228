"""messages.answered_at: a resent message whose first delivery was never answered gets its answer

Revision ID: 0007_scale
Revises: 0006_reminders_mood_leaving
"""
from alembic import op
import sqlalchemy as sa


revision = '0007_scale'
down_revision = '0006_reminders_mood_leaving'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('messages') as batch_op:
        batch_op.add_column(sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('messages') as batch_op:
        batch_op.drop_column('answered_at')
