"""Sign-in locks per name and client address, instead of one lock per account.

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sign_in_locks",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_failure", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", "source", name=op.f("pk_sign_in_locks")),
    )
    op.create_index(op.f("ix_sign_in_locks_last_failure"), "sign_in_locks", ["last_failure"])


def downgrade() -> None:
    op.drop_index(op.f("ix_sign_in_locks_last_failure"), table_name="sign_in_locks")
    op.drop_table("sign_in_locks")
