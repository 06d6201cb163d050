"""the oldest request of a status from an index

The coordinator's home shows how long the oldest new request has waited: min(created_at) of the new requests. With
an index on created_at alone PostgreSQL walked it from two years back, past 98,000 requests no longer new (36 ms
on a district); (status, created_at) answers it from the index's first entry.

Revision ID: 0017
Revises: 0016
"""
from collections.abc import Sequence

from alembic import op

revision: str = '0017'
down_revision: str | Sequence[str] | None = '0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index('ix_listening_request_status_created', 'listening_request', ['status', 'created_at'])


def downgrade() -> None:
    op.drop_index('ix_listening_request_status_created', table_name='listening_request')
