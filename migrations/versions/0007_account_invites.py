"""account invites: one-time codes for a volunteer to set (or reset) a password, and the SMS kind that carries one

Revision ID: 0007
Revises: 0006
"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (AutoString)
from alembic import op

import listening.models  # noqa: F401  (UTCDateTime)

revision: str = '0007'
down_revision: Union[str, Sequence[str], None] = '0006'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

_KINDS = ('request_received', 'visit_scheduled', 'reminder_24h', 'reminder_2h', 'cancellation', 'no_show_followup',
          'safeguarding_alert', 'reply_help', 'reply_ack', 'coordinator_notice')


def _kind(*values: str) -> sa.Enum:
    return sa.Enum(*values, name='ck_messagekind', native_enum=False, create_constraint=True, length=32)


def upgrade() -> None:
    op.create_table('account_invite',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.Enum('invite', 'reset', name='ck_codepurpose', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('code_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('sent_by_sms', sa.Boolean(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', listening.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', listening.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('wrong_attempts', sa.Integer(), nullable=False),
    sa.Column('used_at', listening.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', listening.models.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by'], ['account.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    )
    op.create_index(op.f('ix_account_invite_account_id'), 'account_invite', ['account_id'], unique=False)
    # The outbox's kind CHECK gains account_invite (SQLite rebuilds the table; PostgreSQL swaps the constraint).
    with op.batch_alter_table('outbound_message') as batch_op:
        batch_op.alter_column('kind', existing_type=_kind(*_KINDS), type_=_kind(*_KINDS, 'account_invite'),
                              existing_nullable=False)


def downgrade() -> None:
    op.execute("DELETE FROM outbound_message WHERE kind = 'account_invite'")
    with op.batch_alter_table('outbound_message') as batch_op:
        batch_op.alter_column('kind', existing_type=_kind(*_KINDS, 'account_invite'), type_=_kind(*_KINDS),
                              existing_nullable=False)
    op.drop_index(op.f('ix_account_invite_account_id'), table_name='account_invite')
    op.drop_table('account_invite')
