"""sign-in throttle: failed attempts per account, address and known browser, kept across restarts and processes

Revision ID: 0004
Revises: 0001
"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (AutoString)
from alembic import op

import listening.models  # noqa: F401  (UTCDateTime)

revision: str = '0004'
down_revision: Union[str, Sequence[str], None] = '0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('sign_in_throttle',
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('last_failure_at', listening.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('not_before', listening.models.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('key'),
    )
    op.create_index(op.f('ix_sign_in_throttle_last_failure_at'), 'sign_in_throttle', ['last_failure_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_sign_in_throttle_last_failure_at'), table_name='sign_in_throttle')
    op.drop_table('sign_in_throttle')
