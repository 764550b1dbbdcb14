"""Phone change requests: a verified caller's corrected phone number, pending until staff confirm it.

Date-times are stored as naive Asia/Shanghai wall-clock time (see bot.db.models.ShanghaiDateTime).
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0002'
down_revision: Union[str, None] = '0001'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('phone_change_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=24), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('new_phone', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('conversation_id', sa.String(length=128), nullable=True),
    sa.Column('channel', sa.String(length=32), nullable=True),
    sa.Column('requested_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("status IN ('pending', 'approved', 'rejected', 'cancelled')", name='ck_phone_change_status'),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], ),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('reference')
    )
    with op.batch_alter_table('phone_change_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_phone_change_requests_account_id'), ['account_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('phone_change_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_phone_change_requests_account_id'))

    op.drop_table('phone_change_requests')
