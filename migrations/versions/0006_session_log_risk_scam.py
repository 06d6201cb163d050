"""session log: a risk tick for scams (someone asking the resident for money)

The safeguarding detector gained a fifth risk kind, "scam"; the session log's checklist keeps one boolean column
per kind (listening.safeguarding.RISK_KINDS), so logs get risk_scam, false for every log written before.

Revision ID: 0006
Revises: 0001
Create Date: 2026-12-02 01:05:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0006'
down_revision: Union[str, Sequence[str], None] = '0005'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('session_log') as batch_op:
        batch_op.add_column(sa.Column('risk_scam', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('session_log') as batch_op:
        batch_op.drop_column('risk_scam')
