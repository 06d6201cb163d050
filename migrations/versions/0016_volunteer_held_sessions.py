"""district pages: each volunteer's last or first held session from an index

The home page's volunteers to look after take, for every active volunteer, the last held session; the reports
take each new volunteer's first. Over a district's 95,000 session logs SQLite read the table (0.2 s a run);
(volunteer_id, outcome, actual_start) answers both from the index alone (0.02 s).

Revision ID: 0016
Revises: 0015
"""
from collections.abc import Sequence

from alembic import op

revision: str = '0016'
down_revision: str | Sequence[str] | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index('ix_session_log_volunteer_held', 'session_log', ['volunteer_id', 'outcome', 'actual_start'])


def downgrade() -> None:
    op.drop_index('ix_session_log_volunteer_held', table_name='session_log')
