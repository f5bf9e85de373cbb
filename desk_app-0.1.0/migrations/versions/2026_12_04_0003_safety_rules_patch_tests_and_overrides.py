"""safety rules, patch tests and overrides (issue 13: contraindications checked at planning and
at service start, docs/safety.md)

Revision ID: 0003
Revises: 0002
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import desk_app.db.types


revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DEFAULT_LABEL = "Hair dye allergy (PPD) / 染发剂过敏 (PPD)"
DEFAULT_KEYWORDS = "PPD, hair dye, dye, 染发, 染膏, 对苯二胺"


def upgrade() -> None:
    op.create_table('safety_rules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('keywords', sa.Text(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('service_id', sa.Integer(), nullable=True),
    sa.Column('patch_test_days', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', desk_app.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['service_categories.id'], name=op.f('fk_safety_rules_category_id_service_categories')),
    sa.ForeignKeyConstraint(['service_id'], ['services.id'], name=op.f('fk_safety_rules_service_id_services')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_safety_rules'))
    )
    op.create_table('patch_tests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('product', sa.String(length=200), nullable=False),
    sa.Column('result', sa.String(length=20), nullable=False),
    sa.Column('tested_at', desk_app.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('created_at', desk_app.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_patch_tests_client_id_clients')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_patch_tests_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_patch_tests'))
    )
    with op.batch_alter_table('patch_tests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_patch_tests_client_id'), ['client_id'], unique=False)

    op.create_table('safety_overrides',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('visit_id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('rule_id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('at', desk_app.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_safety_overrides_client_id_clients')),
    sa.ForeignKeyConstraint(['rule_id'], ['safety_rules.id'], name=op.f('fk_safety_overrides_rule_id_safety_rules')),
    sa.ForeignKeyConstraint(['service_id'], ['services.id'], name=op.f('fk_safety_overrides_service_id_services')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_safety_overrides_staff_id_staff')),
    sa.ForeignKeyConstraint(['visit_id'], ['visits.id'], name=op.f('fk_safety_overrides_visit_id_visits')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_safety_overrides'))
    )
    with op.batch_alter_table('safety_overrides', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_safety_overrides_client_id'), ['client_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_safety_overrides_visit_id'), ['visit_id'], unique=False)

    # the shop's colour services need a fresh patch test for a client with a hair-dye (PPD)
    # allergy; the owner edits or removes this rule in Settings
    bind = op.get_bind()
    colour = bind.execute(sa.text("SELECT id FROM service_categories WHERE code = 'colour'")).scalar()
    if colour is not None:
        bind.execute(
            sa.text(
                "INSERT INTO safety_rules (label, keywords, category_id, service_id, patch_test_days, active,"
                " created_at) VALUES (:label, :keywords, :cat, NULL, 7, :active, CURRENT_TIMESTAMP)"
            ),
            {"label": DEFAULT_LABEL, "keywords": DEFAULT_KEYWORDS, "cat": colour, "active": True},
        )


def downgrade() -> None:
    with op.batch_alter_table('safety_overrides', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_safety_overrides_visit_id'))
        batch_op.drop_index(batch_op.f('ix_safety_overrides_client_id'))

    op.drop_table('safety_overrides')
    with op.batch_alter_table('patch_tests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_patch_tests_client_id'))

    op.drop_table('patch_tests')
    op.drop_table('safety_rules')
