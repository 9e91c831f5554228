"""messages.answered_at: a resent message whose first delivery was never answered gets its answer

Revision ID: 0003_scale
Revises: 0002
"""
from alembic import op
import sqlalchemy as sa


revision = '0003_scale'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('messages') as batch_op:
        batch_op.add_column(sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('messages') as batch_op:
        batch_op.drop_column('answered_at')
