"""reminders, moods, stop and deletion marks, retention marks, shared scheduled jobs

Revision ID: 0006_reminders_mood_leaving
Revises: 0005_telegram
"""
from alembic import op
import sqlalchemy as sa


revision = '0006_reminders_mood_leaving'
down_revision = '0005_telegram'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('clients', schema=None) as batch_op:
        batch_op.add_column(sa.Column('timezone', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('stopped_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('data_deleted_at', sa.DateTime(timezone=True), nullable=True))
    # On SQLite the table is rebuilt with AUTOINCREMENT, so message ids never repeat after a
    # client's messages are deleted (the widget resumes from the last id it saw).
    sqlite = op.get_bind().dialect.name == 'sqlite'
    with op.batch_alter_table('messages', schema=None, recreate='always' if sqlite else 'auto',
                              table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.add_column(sa.Column('anonymised_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('checkins', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mood_offered_at', sa.DateTime(timezone=True), nullable=True))
    op.create_table('reminders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('schedule', sa.String(length=64), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('next_due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('suggestion_sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_reminders_client_id', 'reminders', ['client_id'], unique=False)
    op.create_index('ix_reminders_status_next_due_at', 'reminders', ['status', 'next_due_at'], unique=False)
    op.create_table('moods',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('checkin_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['checkin_id'], ['checkins.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('checkin_id')
    )
    op.create_index('ix_moods_client_id', 'moods', ['client_id'], unique=False)
    op.create_table('scheduled_jobs',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('next_run_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_run_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('name')
    )


def downgrade() -> None:
    op.drop_table('scheduled_jobs')
    op.drop_index('ix_moods_client_id', table_name='moods')
    op.drop_table('moods')
    op.drop_index('ix_reminders_status_next_due_at', table_name='reminders')
    op.drop_index('ix_reminders_client_id', table_name='reminders')
    op.drop_table('reminders')
    with op.batch_alter_table('checkins', schema=None) as batch_op:
        batch_op.drop_column('mood_offered_at')
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_column('anonymised_at')
    with op.batch_alter_table('clients', schema=None) as batch_op:
        batch_op.drop_column('data_deleted_at')
        batch_op.drop_column('stopped_at')
        batch_op.drop_column('timezone')
