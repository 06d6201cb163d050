"""the SMS send schedule every worker shares, so the account's rate limit holds across workers

One row (`sms_send_slot`): the earliest moment, in epoch seconds, the next message may reach the provider
(listening/sms/send_slots.py). It is created by the first reservation.

Revision ID: 0009
Revises: 0008
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '0009'
down_revision: Union[str, Sequence[str], None] = '0008'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'sms_send_slot',
        sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('next_at', sa.Double(), nullable=False),
        sa.CheckConstraint('id = 1', name='ck_sms_send_slot_one_row'),
        sa.PrimaryKeyConstraint('id'),
    )


def downgrade() -> None:
    op.drop_table('sms_send_slot')
