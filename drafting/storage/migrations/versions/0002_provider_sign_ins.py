"""Used identity-provider sign-ins, shared by every app process (each opens one session).

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "provider_sign_ins",
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key_hash", name=op.f("pk_provider_sign_ins")),
    )
    op.create_index(op.f("ix_provider_sign_ins_issued_at"), "provider_sign_ins", ["issued_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_provider_sign_ins_issued_at"), table_name="provider_sign_ins")
    op.drop_table("provider_sign_ins")
