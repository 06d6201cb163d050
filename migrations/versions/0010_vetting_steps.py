"""vetting steps: interview, reference, real-name check, code of conduct; volunteers already here count as vetted

Revision ID: 0010
Revises: 0008
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import listening.models

revision: str = '0010'
down_revision: str | Sequence[str] | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_STEPS = ('interview', 'reference', 'real_name_check', 'code_of_conduct')


def upgrade() -> None:
    op.create_table('vetting_step',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('volunteer_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum(*_STEPS, name='ck_vettingstepkind', native_enum=False, create_constraint=True,
                              length=32), nullable=False),
    sa.Column('done_on', sa.Date(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('created_at', listening.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['account.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['volunteer_id'], ['volunteer.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('volunteer_id', 'kind', name='uq_vetting_step_volunteer_kind'),
    )
    op.create_index(op.f('ix_vetting_step_volunteer_id'), 'vetting_step', ['volunteer_id'], unique=False)
    # Volunteers already in the database were vetted before this table existed: nothing already matched breaks.
    for kind in _STEPS:
        op.execute(sa.text(
            "INSERT INTO vetting_step (volunteer_id, kind, done_on, owner_id, created_at) "
            "SELECT id, :kind, joined_on, NULL, created_at FROM volunteer").bindparams(kind=kind))


def downgrade() -> None:
    op.drop_index(op.f('ix_vetting_step_volunteer_id'), table_name='vetting_step')
    op.drop_table('vetting_step')
