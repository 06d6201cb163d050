"""activities and journeys: the centre's activity catalogue, activities suggested to residents with their
follow-ups at two and six weeks, residents' journey plans and goals, and the SMS kind that sends an activity's
details

Revision ID: 0014
Revises: 0013
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import listening.models

revision: str = '0014'
down_revision: str | Sequence[str] | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_KINDS = ('request_received', 'visit_scheduled', 'reminder_24h', 'reminder_2h', 'cancellation', 'no_show_followup',
          'safeguarding_alert', 'reply_help', 'reply_ack', 'coordinator_notice', 'account_invite',
          'supervision_reminder', 'application_code', 'feedback_request', 'feedback_thanks', 'complaint_received',
          'complaint_outcome')


def _kind(*values: str) -> sa.Enum:
    return sa.Enum(*values, name='ck_messagekind', native_enum=False, create_constraint=True, length=32)


def upgrade() -> None:
    op.create_table('activity',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name_zh', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('name_en', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.Column('kind', sa.Enum('dazi_group', 'sport', 'class', 'volunteering', 'other', name='ck_activitykind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('place', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('schedule', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('free', sa.Boolean(), nullable=False),
    sa.Column('cost', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=True),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('accessibility', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('retired_at', listening.models.columns.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', listening.models.columns.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', listening.models.columns.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('NOT free OR cost IS NULL', name='ck_activity_cost'),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], ),
    sa.ForeignKeyConstraint(['contact_id'], ['account.id'], ),
    sa.ForeignKeyConstraint(['created_by'], ['account.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('activity', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_activity_community_id'), ['community_id'], unique=False)

    op.create_table('activity_language',
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('language', sa.Enum('zh', 'yue', 'hak', 'teochew', 'en', name='ck_language', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.ForeignKeyConstraint(['activity_id'], ['activity.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('activity_id', 'language')
    )
    op.create_table('journey_plan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=False),
    sa.Column('review_after', sa.Integer(), nullable=False),
    sa.Column('planned_sessions', sa.Integer(), nullable=True),
    sa.Column('planned_last_on', sa.Date(), nullable=True),
    sa.Column('counted_since', listening.models.columns.UTCDateTime(timezone=True), nullable=False),
    sa.Column('reviewed_on', sa.Date(), nullable=True),
    sa.Column('recorded_by', sa.Integer(), nullable=True),
    sa.Column('created_at', listening.models.columns.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', listening.models.columns.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('planned_sessions IS NULL OR planned_sessions BETWEEN 1 AND 200', name='ck_journey_planned_sessions'),
    sa.CheckConstraint('review_after BETWEEN 1 AND 52', name='ck_journey_review_after'),
    sa.ForeignKeyConstraint(['recorded_by'], ['account.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['resident_id'], ['resident.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('resident_id')
    )
    op.create_table('journey_goal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('text', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['journey_plan.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('plan_id', 'position', name='uq_journey_goal_position')
    )
    with op.batch_alter_table('journey_goal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_journey_goal_plan_id'), ['plan_id'], unique=False)

    op.create_table('activity_suggestion',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('visit_id', sa.Integer(), nullable=False),
    sa.Column('suggested_by', sa.Integer(), nullable=False),
    sa.Column('suggested_on', sa.Date(), nullable=False),
    sa.Column('created_at', listening.models.columns.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['activity_id'], ['activity.id'], ),
    sa.ForeignKeyConstraint(['resident_id'], ['resident.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['suggested_by'], ['volunteer.id'], ),
    sa.ForeignKeyConstraint(['visit_id'], ['visit.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('visit_id', 'activity_id', name='uq_activity_suggestion')
    )
    with op.batch_alter_table('activity_suggestion', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_activity_suggestion_activity_id'), ['activity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_activity_suggestion_resident_id'), ['resident_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_activity_suggestion_suggested_by'), ['suggested_by'], unique=False)
        batch_op.create_index(batch_op.f('ix_activity_suggestion_suggested_on'), ['suggested_on'], unique=False)

    op.create_table('activity_follow_up',
    sa.Column('suggestion_id', sa.Integer(), nullable=False),
    sa.Column('weeks', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('answer', sa.Enum('went', 'not_went', 'unknown', name='ck_followupanswer', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('recorded_by', sa.Integer(), nullable=True),
    sa.Column('recorded_at', listening.models.columns.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('weeks IN (2, 6)', name='ck_follow_up_weeks'),
    sa.ForeignKeyConstraint(['recorded_by'], ['account.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['suggestion_id'], ['activity_suggestion.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('suggestion_id', 'weeks')
    )
    with op.batch_alter_table('outbound_message') as batch_op:
        batch_op.alter_column('kind', existing_type=_kind(*_KINDS), type_=_kind(*_KINDS, 'activity_suggestion'),
                              existing_nullable=False)


def downgrade() -> None:
    op.execute("DELETE FROM outbound_message WHERE kind = 'activity_suggestion'")
    with op.batch_alter_table('outbound_message') as batch_op:
        batch_op.alter_column('kind', existing_type=_kind(*_KINDS, 'activity_suggestion'), type_=_kind(*_KINDS),
                              existing_nullable=False)
    op.drop_table('activity_follow_up')
    with op.batch_alter_table('activity_suggestion', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_activity_suggestion_suggested_on'))
        batch_op.drop_index(batch_op.f('ix_activity_suggestion_suggested_by'))
        batch_op.drop_index(batch_op.f('ix_activity_suggestion_resident_id'))
        batch_op.drop_index(batch_op.f('ix_activity_suggestion_activity_id'))

    op.drop_table('activity_suggestion')
    with op.batch_alter_table('journey_goal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_journey_goal_plan_id'))

    op.drop_table('journey_goal')
    op.drop_table('journey_plan')
    op.drop_table('activity_language')
    with op.batch_alter_table('activity', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_activity_community_id'))

    op.drop_table('activity')
