"""One-time tickets by which the server sets the HttpOnly session cookie.

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "used_cookie_tickets",
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key_hash", name=op.f("pk_used_cookie_tickets")),
    )
    op.create_index(op.f("ix_used_cookie_tickets_used_at"), "used_cookie_tickets", ["used_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_used_cookie_tickets_used_at"), table_name="used_cookie_tickets")
    op.drop_table("used_cookie_tickets")
