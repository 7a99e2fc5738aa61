"""case status in case scopes for case lists

Revision ID: a580332e4d80
Revises: b42bcc0cc855
Create Date: 2026-11-26 23:37:43.985047
"""
from alembic import op
import sqlalchemy as sa


revision = 'a580332e4d80'
down_revision = 'b42bcc0cc855'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # case_scopes carries its case's status (a scope's cases are counted by status from one index), filled
    # from the cases before it becomes required.
    with op.batch_alter_table('case_scopes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.String(length=20), nullable=True))
    op.execute("UPDATE case_scopes SET status = (SELECT cases.status FROM cases WHERE cases.id = case_scopes.case_id)")
    with op.batch_alter_table('case_scopes', schema=None) as batch_op:
        batch_op.alter_column('status', existing_type=sa.String(length=20), nullable=False)
        batch_op.create_index('ix_case_scopes_scope_status', ['scope', 'status', 'case_id'], unique=False)

    # A case list filtered by status walks (status, created_at, id) newest first, without a case row.
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index('ix_cases_status_created', ['status', 'created_at', 'id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_status_created')

    with op.batch_alter_table('case_scopes', schema=None) as batch_op:
        batch_op.drop_index('ix_case_scopes_scope_status')
        batch_op.drop_column('status')
