"""supervision and the volunteer lifecycle: competency sign-offs, supervisors, supervision sessions with
attendance, pauses and departures, and the SMS kind that reminds a volunteer overdue for supervision

Volunteers who already observed sessions beside a mentor were listening before competencies were signed off: they
get every competency as "carried_over" (nobody signed it), so the ladder does not take them off the rota.

Revision ID: 0011
Revises: 0008
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import listening.models

revision: str = '0011'
down_revision: str | Sequence[str] | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_KINDS = ('request_received', 'visit_scheduled', 'reminder_24h', 'reminder_2h', 'cancellation', 'no_show_followup',
          'safeguarding_alert', 'reply_help', 'reply_ack', 'coordinator_notice', 'account_invite')
_COMPETENCIES = ('opening', 'reflecting_feelings', 'boundaries', 'ending', 'recognising_risk')


def _kind(*values: str) -> sa.Enum:
    return sa.Enum(*values, name='ck_messagekind', native_enum=False, create_constraint=True, length=32)


def upgrade() -> None:
    op.create_table('supervision_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('one_to_one', 'group', name='ck_supervisionkind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('supervisor_id', sa.Integer(), nullable=False),
    sa.Column('recorded_by', sa.Integer(), nullable=True),
    sa.Column('created_at', listening.models.columns.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['recorded_by'], ['account.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['supervisor_id'], ['account.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('supervision_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_supervision_session_held_on'), ['held_on'], unique=False)

    op.create_table('competency_signoff',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('volunteer_id', sa.Integer(), nullable=False),
    sa.Column('competency', sa.Enum('opening', 'reflecting_feelings', 'boundaries', 'ending', 'recognising_risk', name='ck_competency', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('observed_in', sa.Enum('role_play', 'first_session', 'carried_over', name='ck_observedin', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('observed_on', sa.Date(), nullable=False),
    sa.Column('signed_by', sa.Integer(), nullable=True),
    sa.Column('created_at', listening.models.columns.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['signed_by'], ['account.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['volunteer_id'], ['volunteer.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('volunteer_id', 'competency', name='uq_competency_signoff')
    )
    with op.batch_alter_table('competency_signoff', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_competency_signoff_volunteer_id'), ['volunteer_id'], unique=False)

    op.create_table('supervision_attendance',
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('volunteer_id', sa.Integer(), nullable=False),
    sa.Column('attended', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['supervision_session.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['volunteer_id'], ['volunteer.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('session_id', 'volunteer_id')
    )
    with op.batch_alter_table('supervision_attendance', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_supervision_attendance_volunteer_id'), ['volunteer_id'], unique=False)

    op.create_table('volunteer_departure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('volunteer_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Enum('moved_away', 'no_time', 'health', 'not_a_fit', 'other', name='ck_leavereason', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('left_on', sa.Date(), nullable=False),
    sa.Column('recorded_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['recorded_by'], ['account.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['volunteer_id'], ['volunteer.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('volunteer_id')
    )
    with op.batch_alter_table('volunteer_departure', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_volunteer_departure_left_on'), ['left_on'], unique=False)

    op.create_table('volunteer_pause',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('volunteer_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Enum('holiday', 'exams', 'other', name='ck_pausereason', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('until_on', sa.Date(), nullable=True),
    sa.Column('returned_on', sa.Date(), nullable=True),
    sa.Column('recorded_by', sa.Integer(), nullable=True),
    sa.CheckConstraint('until_on IS NULL OR until_on >= starts_on', name='ck_pause_until'),
    sa.ForeignKeyConstraint(['recorded_by'], ['account.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['volunteer_id'], ['volunteer.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('volunteer_pause', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_volunteer_pause_volunteer_id'), ['volunteer_id'], unique=False)

    op.create_table('volunteer_supervisor',
    sa.Column('volunteer_id', sa.Integer(), nullable=False),
    sa.Column('supervisor_id', sa.Integer(), nullable=False),
    sa.Column('assigned_on', sa.Date(), nullable=False),
    sa.Column('assigned_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['assigned_by'], ['account.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['supervisor_id'], ['account.id'], ),
    sa.ForeignKeyConstraint(['volunteer_id'], ['volunteer.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('volunteer_id')
    )
    with op.batch_alter_table('volunteer_supervisor', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_volunteer_supervisor_supervisor_id'), ['supervisor_id'], unique=False)

    with op.batch_alter_table('outbound_message') as batch_op:
        batch_op.alter_column('kind', existing_type=_kind(*_KINDS), type_=_kind(*_KINDS, 'supervision_reminder'),
                              existing_nullable=False)
    for competency in _COMPETENCIES:
        op.execute(sa.text(
            "INSERT INTO competency_signoff (volunteer_id, competency, observed_in, observed_on, created_at) "
            "SELECT DISTINCT volunteer_id, :competency, 'carried_over', CURRENT_DATE, CURRENT_TIMESTAMP "
            "FROM shadow_session").bindparams(competency=competency))


def downgrade() -> None:
    op.execute("DELETE FROM outbound_message WHERE kind = 'supervision_reminder'")
    with op.batch_alter_table('outbound_message') as batch_op:
        batch_op.alter_column('kind', existing_type=_kind(*_KINDS, 'supervision_reminder'), type_=_kind(*_KINDS),
                              existing_nullable=False)
    with op.batch_alter_table('volunteer_supervisor', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_volunteer_supervisor_supervisor_id'))

    op.drop_table('volunteer_supervisor')
    with op.batch_alter_table('volunteer_pause', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_volunteer_pause_volunteer_id'))

    op.drop_table('volunteer_pause')
    with op.batch_alter_table('volunteer_departure', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_volunteer_departure_left_on'))

    op.drop_table('volunteer_departure')
    with op.batch_alter_table('supervision_attendance', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_supervision_attendance_volunteer_id'))

    op.drop_table('supervision_attendance')
    with op.batch_alter_table('competency_signoff', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_competency_signoff_volunteer_id'))

    op.drop_table('competency_signoff')
    with op.batch_alter_table('supervision_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_supervision_session_held_on'))

    op.drop_table('supervision_session')