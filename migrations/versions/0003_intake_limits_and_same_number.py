"""public form: same-number requests kept apart, persistent submission limits, held SMS reasons

A request sent from the public form with a number the centre already knows is stored as its own request marked
`same_number_as_id` (the open-request-per-resident index leaves those out), with the details it gave in
`unverified_details`; `intake_attempt` counts submissions per client address and number across reloads.

Revision ID: 0003
Revises: 0001
Create Date: 2026-12-02 01:00:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (AutoString)
from alembic import op

import listening.models  # noqa: F401  (UTCDateTime)

revision: str = '0003'
down_revision: Union[str, Sequence[str], None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

OLD_WHERE = "status IN ('new','matched','scheduled','confirmed')"
NEW_WHERE = "status IN ('new','matched','scheduled','confirmed') AND same_number_as_id IS NULL"


def upgrade() -> None:
    op.create_table('intake_attempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', listening.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('client_key', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('phone_key', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('new_number', sa.Boolean(), nullable=False),
    sa.Column('sms_queued', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('intake_attempt', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_intake_attempt_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_intake_attempt_client_key'), ['client_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_intake_attempt_phone_key'), ['phone_key'], unique=False)
        batch_op.create_index('ix_intake_attempt_new_sms', ['new_number', 'sms_queued', 'at'], unique=False)

    with op.batch_alter_table('listening_request', schema=None) as batch_op:
        batch_op.add_column(sa.Column('same_number_as_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('same_number_decision', sa.Enum('merged', 'kept', name='ck_samenumberdecision', native_enum=False, create_constraint=True, length=32), nullable=True))
        batch_op.add_column(sa.Column('sms_held', sa.Enum('same_number', 'per_address', 'per_phone', 'new_numbers', name='ck_smshold', native_enum=False, create_constraint=True, length=32), nullable=True))
        batch_op.create_foreign_key('fk_listening_request_same_number_as_id', 'listening_request', ['same_number_as_id'], ['id'])
        batch_op.drop_index('uq_request_open_per_resident', sqlite_where=sa.text(OLD_WHERE), postgresql_where=sa.text(OLD_WHERE))
        batch_op.create_index('uq_request_open_per_resident', ['resident_id'], unique=True, sqlite_where=sa.text(NEW_WHERE), postgresql_where=sa.text(NEW_WHERE))

    op.create_table('unverified_details',
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('display_name', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('address', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('locale', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('sms_consent', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], ),
    sa.ForeignKeyConstraint(['request_id'], ['listening_request.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('request_id')
    )


def downgrade() -> None:
    op.drop_table('unverified_details')
    with op.batch_alter_table('listening_request', schema=None) as batch_op:
        batch_op.drop_index('uq_request_open_per_resident', sqlite_where=sa.text(NEW_WHERE), postgresql_where=sa.text(NEW_WHERE))
        batch_op.create_index('uq_request_open_per_resident', ['resident_id'], unique=True, sqlite_where=sa.text(OLD_WHERE), postgresql_where=sa.text(OLD_WHERE))
        batch_op.drop_constraint('fk_listening_request_same_number_as_id', type_='foreignkey')
        batch_op.drop_column('sms_held')
        batch_op.drop_column('same_number_decision')
        batch_op.drop_column('same_number_as_id')
    with op.batch_alter_table('intake_attempt', schema=None) as batch_op:
        batch_op.drop_index('ix_intake_attempt_new_sms')
        batch_op.drop_index(batch_op.f('ix_intake_attempt_phone_key'))
        batch_op.drop_index(batch_op.f('ix_intake_attempt_client_key'))
        batch_op.drop_index(batch_op.f('ix_intake_attempt_at'))
    op.drop_table('intake_attempt')
