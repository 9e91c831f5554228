"""consent at first contact, the client's name, pronouns and language

Revision ID: 0003_consent_language
Revises: 0002
"""
from alembic import op
import sqlalchemy as sa


revision = '0003_consent_language'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('consent_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('decision', sa.String(length=16), nullable=False),
    sa.Column('version', sa.String(length=32), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('clients', schema=None) as batch_op:
        batch_op.add_column(sa.Column('consent', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('consent_version', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('consent_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('consent_asked_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('preferred_name', sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column('pronouns', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('name_asked_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('name_settled_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('language', sa.String(length=8), nullable=True))
        batch_op.add_column(
            sa.Column('language_chosen', sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table('clients', schema=None) as batch_op:
        for column in ('language_chosen', 'language', 'name_settled_at', 'name_asked_at',
                       'pronouns', 'preferred_name', 'consent_asked_at', 'consent_at',
                       'consent_version', 'consent'):
            batch_op.drop_column(column)
    op.drop_table('consent_records')
