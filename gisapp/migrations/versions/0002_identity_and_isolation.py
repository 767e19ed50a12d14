"""Identity (users, memberships, sessions, API tokens) and isolation: database roles,
privileges and row-level security (``gisapp/sql/0002_isolation_*.sql``).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 02:55:22.052713
"""

from __future__ import annotations

import geoalchemy2
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from gisapp.migrations.sqlfiles import run_sql
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('app_user',
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('username', sa.Text(), nullable=False),
    sa.Column('display_name', sa.Text(), server_default='', nullable=False),
    sa.Column('email', sa.Text(), nullable=True),
    sa.Column('password_hash', sa.Text(), nullable=True),
    sa.Column('is_active', sa.Boolean(), server_default='true', nullable=False),
    sa.Column('is_superuser', sa.Boolean(), server_default='false', nullable=False),
    sa.Column('preferred_language', sa.Text(), nullable=True),
    sa.Column('oidc_issuer', sa.Text(), nullable=True),
    sa.Column('oidc_subject', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('created_by', sa.Text(), nullable=True),
    sa.CheckConstraint("preferred_language IN ('de', 'en', 'fr')", name=op.f('ck_app_user_language')),
    sa.CheckConstraint("username ~ '^[a-z0-9][a-z0-9._@-]{1,63}$'", name=op.f('ck_app_user_username_format')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_app_user')),
    sa.UniqueConstraint('username', name=op.f('uq_app_user_username'))
    )
    op.create_index('uq_app_user_oidc', 'app_user', ['oidc_issuer', 'oidc_subject'], unique=True, postgresql_where=sa.text('oidc_subject IS NOT NULL'))
    op.create_table('login_failure',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=True), nullable=False),
    sa.Column('account', sa.Text(), nullable=False),
    sa.Column('address', postgresql.INET(), nullable=True),
    sa.Column('failed_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_failure'))
    )
    op.create_index('ix_login_failure_account', 'login_failure', ['account', 'failed_at'], unique=False)
    op.create_index('ix_login_failure_address', 'login_failure', ['address', 'failed_at'], unique=False)
    op.create_table('api_token',
    sa.Column('municipality_id', sa.UUID(), nullable=False),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('token_hash', sa.LargeBinary(), nullable=False),
    sa.Column('prefix', sa.Text(), nullable=False),
    sa.Column('role', sa.Text(), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('created_by', sa.Text(), nullable=True),
    sa.CheckConstraint("role IN ('admin', 'planner', 'crew')", name=op.f('ck_api_token_role')),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], name=op.f('fk_api_token_municipality_id'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('municipality_id', 'id', name=op.f('pk_api_token'))
    )
    op.create_index('uq_api_token_hash', 'api_token', ['token_hash'], unique=True)
    op.create_table('membership',
    sa.Column('municipality_id', sa.UUID(), nullable=False),
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('role', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('created_by', sa.Text(), nullable=True),
    sa.CheckConstraint("role IN ('admin', 'planner', 'crew')", name=op.f('ck_membership_role')),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], name=op.f('fk_membership_municipality_id'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_membership_user_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('municipality_id', 'user_id', name=op.f('pk_membership'))
    )
    op.create_index('ix_membership_user', 'membership', ['user_id'], unique=False)
    op.create_table('user_session',
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('token_hash', sa.LargeBinary(), nullable=False),
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('csrf_token', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('user_agent', sa.Text(), server_default='', nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_user_session_user_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_session')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_user_session_token_hash'))
    )
    op.create_index('ix_user_session_user', 'user_session', ['user_id'], unique=False)
    op.add_column('asset', sa.Column('public_attributes', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False))
    run_sql("0002_isolation_up.sql")


def downgrade() -> None:
    run_sql("0002_isolation_down.sql")
    op.drop_column('asset', 'public_attributes')
    op.drop_index('ix_user_session_user', table_name='user_session')
    op.drop_table('user_session')
    op.drop_index('ix_membership_user', table_name='membership')
    op.drop_table('membership')
    op.drop_index('uq_api_token_hash', table_name='api_token')
    op.drop_table('api_token')
    op.drop_index('ix_login_failure_address', table_name='login_failure')
    op.drop_index('ix_login_failure_account', table_name='login_failure')
    op.drop_table('login_failure')
    op.drop_index('uq_app_user_oidc', table_name='app_user', postgresql_where=sa.text('oidc_subject IS NOT NULL'))
    op.drop_table('app_user')
