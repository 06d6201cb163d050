"""volunteer applications from the public page, the one-time codes that prove the applicant's number, the
interview's notes, and the SMS kind and recipient of those codes

Revision ID: 0012
Revises: 0011
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import listening.models

revision: str = '0012'
down_revision: str | Sequence[str] | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_KINDS = ('request_received', 'visit_scheduled', 'reminder_24h', 'reminder_2h', 'cancellation', 'no_show_followup',
          'safeguarding_alert', 'reply_help', 'reply_ack', 'coordinator_notice', 'account_invite',
          'supervision_reminder')
_RECIPIENTS = ('resident', 'volunteer', 'coordinator')


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=32)


def upgrade() -> None:
    op.create_table('phone_code',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('phone_key', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('client_key', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('code_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_at', listening.models.columns.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', listening.models.columns.UTCDateTime(timezone=True), nullable=False),
    sa.Column('wrong_attempts', sa.Integer(), nullable=False),
    sa.Column('used_at', listening.models.columns.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', listening.models.columns.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('phone_code', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_phone_code_client_key'), ['client_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_phone_code_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_phone_code_phone_key'), ['phone_key'], unique=False)

    op.create_table('volunteer_application',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('full_name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('gender', sa.Enum('f', 'm', 'x', name='ck_gender', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('phone', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('motivation', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('locale', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('status', sa.Enum('submitted', 'accepted', 'declined', name='ck_applicationstatus', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('consent_at', listening.models.columns.UTCDateTime(timezone=True), nullable=False),
    sa.Column('code_of_conduct_seen_at', listening.models.columns.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_at', listening.models.columns.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_at', listening.models.columns.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.Column('decline_reason', sa.Enum('not_reachable', 'withdrew', 'not_a_fit', 'duplicate', 'other', name='ck_declinereason', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('volunteer_id', sa.Integer(), nullable=True),
    sa.Column('resident_id', sa.Integer(), nullable=True),
    sa.Column('entered_by', sa.Integer(), nullable=True),
    sa.CheckConstraint("(status = 'accepted') = (volunteer_id IS NOT NULL)", name='ck_application_volunteer'),
    sa.CheckConstraint("(status = 'declined') = (decline_reason IS NOT NULL)", name='ck_application_reason'),
    sa.CheckConstraint("(status = 'submitted') = (decided_at IS NULL)", name='ck_application_decided'),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], ),
    sa.ForeignKeyConstraint(['decided_by'], ['account.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['entered_by'], ['account.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['resident_id'], ['resident.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['volunteer_id'], ['volunteer.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('volunteer_id')
    )
    with op.batch_alter_table('volunteer_application', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_volunteer_application_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_volunteer_application_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_volunteer_application_phone'), ['phone'], unique=False)
        batch_op.create_index(batch_op.f('ix_volunteer_application_status'), ['status'], unique=False)

    op.create_table('volunteer_application_language',
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('language', sa.Enum('zh', 'yue', 'hak', 'teochew', 'en', name='ck_language', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['volunteer_application.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('application_id', 'language')
    )
    op.create_table('volunteer_application_time',
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('days', sa.Enum('weekdays', 'weekends', name='ck_daykind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('part_of_day', sa.Enum('morning', 'afternoon', 'evening', name='ck_partofday', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['volunteer_application.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('application_id', 'days', 'part_of_day')
    )
    with op.batch_alter_table('vetting_step', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notes', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False,
                                      server_default=''))
    with op.batch_alter_table('vetting_step', schema=None) as batch_op:
        batch_op.alter_column('notes', server_default=None)
    with op.batch_alter_table('outbound_message') as batch_op:
        batch_op.alter_column('kind', existing_type=_enum('ck_messagekind', *_KINDS),
                              type_=_enum('ck_messagekind', *_KINDS, 'application_code'), existing_nullable=False)
        batch_op.alter_column('recipient_kind', existing_type=_enum('ck_recipientkind', *_RECIPIENTS),
                              type_=_enum('ck_recipientkind', *_RECIPIENTS, 'applicant'), existing_nullable=False)



def downgrade() -> None:
    op.execute(sa.text("DELETE FROM outbound_message WHERE kind = 'application_code' OR recipient_kind = 'applicant'"))
    with op.batch_alter_table('outbound_message') as batch_op:
        batch_op.alter_column('kind', existing_type=_enum('ck_messagekind', *_KINDS, 'application_code'),
                              type_=_enum('ck_messagekind', *_KINDS), existing_nullable=False)
        batch_op.alter_column('recipient_kind', existing_type=_enum('ck_recipientkind', *_RECIPIENTS, 'applicant'),
                              type_=_enum('ck_recipientkind', *_RECIPIENTS), existing_nullable=False)
    with op.batch_alter_table('vetting_step', schema=None) as batch_op:
        batch_op.drop_column('notes')

    op.drop_table('volunteer_application_time')
    op.drop_table('volunteer_application_language')
    with op.batch_alter_table('volunteer_application', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_volunteer_application_status'))
        batch_op.drop_index(batch_op.f('ix_volunteer_application_phone'))
        batch_op.drop_index(batch_op.f('ix_volunteer_application_created_at'))
        batch_op.drop_index(batch_op.f('ix_volunteer_application_community_id'))

    op.drop_table('volunteer_application')
    with op.batch_alter_table('phone_code', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_phone_code_phone_key'))
        batch_op.drop_index(batch_op.f('ix_phone_code_created_at'))
        batch_op.drop_index(batch_op.f('ix_phone_code_client_key'))

    op.drop_table('phone_code')
