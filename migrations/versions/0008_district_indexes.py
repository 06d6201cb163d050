"""district scale: the data version row, and the indexes a district's pages read by

`data_version` holds one number that every write a page could show moves on (listening.core.versions), the key
that keeps reads cached at the edge fresh. A request's history reads the audit trail by (entity, entity_id) in time
order; hours and the home page's figures read session logs by when they started.

Revision ID: 0008
Revises: 0006
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '0008'
down_revision: Union[str, Sequence[str], None] = '0007'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'data_version',
        sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('version', sa.BigInteger(), nullable=False),
        sa.CheckConstraint('id = 1', name='ck_data_version_one_row'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.execute("INSERT INTO data_version (id, version) VALUES (1, 0)")
    op.create_index('ix_audit_event_entity', 'audit_event', ['entity', 'entity_id', 'at'])
    op.create_index('ix_session_log_actual_start', 'session_log', ['actual_start'])


def downgrade() -> None:
    op.drop_index('ix_session_log_actual_start', table_name='session_log')
    op.drop_index('ix_audit_event_entity', table_name='audit_event')
    op.drop_table('data_version')
