"""feedback after each visit, volunteers held after a scam or misconduct answer, complaints; the SMS kinds,
reply intents and escalation source they need

Revision ID: 0013
Revises: 0012
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import listening.models

revision: str = '0013'
down_revision: str | Sequence[str] | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_KINDS = ('request_received', 'visit_scheduled', 'reminder_24h', 'reminder_2h', 'cancellation', 'no_show_followup',
          'safeguarding_alert', 'reply_help', 'reply_ack', 'coordinator_notice', 'account_invite',
          'supervision_reminder', 'application_code')
_NEW_KINDS = ('feedback_request', 'feedback_thanks', 'complaint_received', 'complaint_outcome')
_INTENTS = ('confirm', 'cancel', 'opt_out', 'opt_in', 'help', 'other')
_NEW_INTENTS = ('feedback', 'complaint')
_SOURCES = ('request', 'session_log', 'unanswered_calls')
_NEW_SOURCES = ('scam_or_misconduct',)


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=32)


# (table, column, check name, old values, new values)
_WIDENED = (('outbound_message', 'kind', 'ck_messagekind', _KINDS, _NEW_KINDS),
            ('inbound_message', 'intent', 'ck_replyintentvalue', _INTENTS, _NEW_INTENTS),
            ('escalation', 'source', 'ck_escalationsource', _SOURCES, _NEW_SOURCES))


def upgrade() -> None:
    op.create_table('complaint',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.Enum('web', 'sms', name='ck_complaintchannel', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
    sa.Column('phone', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=True),
    sa.Column('text', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('locale', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('sms_consent', sa.Boolean(), nullable=False),
    sa.Column('client_key', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('status', sa.Enum('open', 'in_progress', 'closed', name='ck_complaintstatus', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('received_at', listening.models.columns.UTCDateTime(timezone=True), nullable=False),
    sa.Column('due_at', listening.models.columns.UTCDateTime(timezone=True), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.Enum('upheld', 'partly_upheld', 'not_upheld', 'withdrawn', name='ck_complaintoutcome', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('closed_by', sa.Integer(), nullable=True),
    sa.Column('closed_at', listening.models.columns.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint('(closed_at IS NULL) = (outcome IS NULL)', name='ck_complaint_closed'),
    sa.CheckConstraint('due_at > received_at', name='ck_complaint_due'),
    sa.ForeignKeyConstraint(['closed_by'], ['account.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['owner_id'], ['account.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['resident_id'], ['resident.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_complaint_client_key'), ['client_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaint_closed_at'), ['closed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaint_phone'), ['phone'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaint_received_at'), ['received_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaint_status'), ['status'], unique=False)

    op.create_table('feedback_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('visit_id', sa.Integer(), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.Enum('sms', 'phone', name='ck_feedbackchannel', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('asked_at', listening.models.columns.UTCDateTime(timezone=True), nullable=False),
    sa.Column('score', sa.Integer(), nullable=True),
    sa.Column('asked_for_money_or_contact', sa.Boolean(), nullable=True),
    sa.Column('answered_at', listening.models.columns.UTCDateTime(timezone=True), nullable=True),
    sa.Column('recorded_by', sa.Integer(), nullable=True),
    sa.Column('escalation_id', sa.Integer(), nullable=True),
    sa.Column('follow_up_due', sa.Boolean(), nullable=False),
    sa.Column('follow_up_outcome', sa.Enum('spoke_with_resident', 'volunteer_supported', 'no_answer', 'no_action_needed', name='ck_followupoutcome', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('follow_up_closed_by', sa.Integer(), nullable=True),
    sa.Column('follow_up_closed_at', listening.models.columns.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint('(answered_at IS NULL) = (score IS NULL)', name='ck_feedback_answered'),
    sa.CheckConstraint('score IS NULL OR score BETWEEN 1 AND 5', name='ck_feedback_score'),
    sa.ForeignKeyConstraint(['escalation_id'], ['escalation.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['follow_up_closed_by'], ['account.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['recorded_by'], ['account.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['resident_id'], ['resident.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['visit_id'], ['visit.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('visit_id')
    )
    with op.batch_alter_table('feedback_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feedback_request_answered_at'), ['answered_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_feedback_request_asked_at'), ['asked_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_feedback_request_resident_id'), ['resident_id'], unique=False)

    op.create_table('volunteer_hold',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('volunteer_id', sa.Integer(), nullable=False),
    sa.Column('escalation_id', sa.Integer(), nullable=True),
    sa.Column('held_at', listening.models.columns.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decision', sa.Enum('release', 'cancel_visits', 'cancel_and_pause', name='ck_holddecision', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.Column('decided_at', listening.models.columns.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint('(decided_at IS NULL) = (decision IS NULL)', name='ck_hold_decided'),
    sa.ForeignKeyConstraint(['decided_by'], ['account.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['escalation_id'], ['escalation.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['volunteer_id'], ['volunteer.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('volunteer_hold', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_volunteer_hold_volunteer_id'), ['volunteer_id'], unique=False)
        batch_op.create_index('uq_volunteer_hold_open', ['volunteer_id'], unique=True, sqlite_where=sa.text('decided_at IS NULL'), postgresql_where=sa.text('decided_at IS NULL'))

    for table, column, name, old, new in _WIDENED:
        with op.batch_alter_table(table) as batch_op:
            batch_op.alter_column(column, existing_type=_enum(name, *old), type_=_enum(name, *old, *new),
                                  existing_nullable=False)


def downgrade() -> None:
    op.execute("DELETE FROM outbound_message WHERE kind IN ('feedback_request', 'feedback_thanks', "
               "'complaint_received', 'complaint_outcome')")
    op.execute("UPDATE inbound_message SET intent = 'other' WHERE intent IN ('feedback', 'complaint')")
    op.execute("DELETE FROM escalation WHERE source = 'scam_or_misconduct'")
    for table, column, name, old, new in _WIDENED:
        with op.batch_alter_table(table) as batch_op:
            batch_op.alter_column(column, existing_type=_enum(name, *old, *new), type_=_enum(name, *old),
                                  existing_nullable=False)
    with op.batch_alter_table('volunteer_hold', schema=None) as batch_op:
        batch_op.drop_index('uq_volunteer_hold_open', sqlite_where=sa.text('decided_at IS NULL'), postgresql_where=sa.text('decided_at IS NULL'))
        batch_op.drop_index(batch_op.f('ix_volunteer_hold_volunteer_id'))

    op.drop_table('volunteer_hold')
    with op.batch_alter_table('feedback_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feedback_request_resident_id'))
        batch_op.drop_index(batch_op.f('ix_feedback_request_asked_at'))
        batch_op.drop_index(batch_op.f('ix_feedback_request_answered_at'))

    op.drop_table('feedback_request')
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_complaint_status'))
        batch_op.drop_index(batch_op.f('ix_complaint_received_at'))
        batch_op.drop_index(batch_op.f('ix_complaint_phone'))
        batch_op.drop_index(batch_op.f('ix_complaint_closed_at'))
        batch_op.drop_index(batch_op.f('ix_complaint_client_key'))

    op.drop_table('complaint')
