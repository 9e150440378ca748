"""attendance: marks per day/session/period, leave requests, early warnings, preschool daily notes

Tenant tables: row-level security on PostgreSQL from the start.

Revision ID: 0017_attendance
Revises: 0016_data_requests
Create Date: 2026-12-06 09:11:18.650581

"""
from alembic import op
import sqlalchemy as sa

from contactbook.models.base import UTCDateTime
from contactbook.row_security import protect_tenant_table, unprotect_tenant_table


# revision identifiers, used by Alembic.
revision = '0017_attendance'
down_revision = '0016_data_requests'
branch_labels = None
depends_on = None

TABLES = ('attendance_settings', 'daily_notes', 'leave_requests', 'risk_warnings', 'attendance_marks')


def upgrade():
    op.create_table('attendance_settings',
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('unit', sa.Enum('day', 'session', 'period', name='attendance_unit', native_enum=False, length=20), nullable=False),
    sa.Column('warning_thresholds', sa.JSON(), nullable=False),
    sa.Column('changed_at', UTCDateTime(), nullable=True),
    sa.Column('changed_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['changed_by_id'], ['users.id'], name=op.f('fk_attendance_settings_changed_by_id_users')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_attendance_settings_school_id_schools')),
    sa.PrimaryKeyConstraint('school_id', name=op.f('pk_attendance_settings'))
    )
    op.create_table('daily_notes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('class_id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('on', sa.Date(), nullable=False),
    sa.Column('meals', sa.String(length=200), nullable=True),
    sa.Column('nap', sa.String(length=200), nullable=True),
    sa.Column('health', sa.String(length=200), nullable=True),
    sa.Column('activities', sa.String(length=300), nullable=True),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('written_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', UTCDateTime(), nullable=False),
    sa.Column('sent_at', UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['class_id'], ['classes.id'], name=op.f('fk_daily_notes_class_id_classes')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_daily_notes_school_id_schools')),
    sa.ForeignKeyConstraint(['student_id'], ['students.id'], name=op.f('fk_daily_notes_student_id_students')),
    sa.ForeignKeyConstraint(['written_by_id'], ['users.id'], name=op.f('fk_daily_notes_written_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_daily_notes')),
    sa.UniqueConstraint('student_id', 'on', name='uq_daily_notes_student_day')
    )
    with op.batch_alter_table('daily_notes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_daily_notes_class_id'), ['class_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_daily_notes_school_id'), ['school_id'], unique=False)

    op.create_table('leave_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('class_id', sa.Integer(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('slots', sa.String(length=10), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('status', sa.Enum('pending', 'approved', 'declined', 'withdrawn', name='leave_status', native_enum=False, length=20), nullable=False),
    sa.Column('guardian_id', sa.Integer(), nullable=True),
    sa.Column('entered_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', UTCDateTime(), nullable=True),
    sa.Column('decision_note', sa.String(length=300), nullable=True),
    sa.ForeignKeyConstraint(['class_id'], ['classes.id'], name=op.f('fk_leave_requests_class_id_classes')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_leave_requests_decided_by_id_users')),
    sa.ForeignKeyConstraint(['entered_by_id'], ['users.id'], name=op.f('fk_leave_requests_entered_by_id_users')),
    sa.ForeignKeyConstraint(['guardian_id'], ['guardians.id'], name=op.f('fk_leave_requests_guardian_id_guardians')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_leave_requests_school_id_schools')),
    sa.ForeignKeyConstraint(['student_id'], ['students.id'], name=op.f('fk_leave_requests_student_id_students')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_leave_requests'))
    )
    with op.batch_alter_table('leave_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_leave_requests_class_id'), ['class_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_leave_requests_guardian_id'), ['guardian_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_leave_requests_school_id'), ['school_id'], unique=False)
        batch_op.create_index('ix_leave_requests_student_dates', ['student_id', 'starts_on', 'ends_on'], unique=False)

    op.create_table('risk_warnings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('class_id', sa.Integer(), nullable=False),
    sa.Column('rule', sa.String(length=30), nullable=False),
    sa.Column('threshold', sa.String(length=60), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.Column('fired_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['class_id'], ['classes.id'], name=op.f('fk_risk_warnings_class_id_classes')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_risk_warnings_school_id_schools')),
    sa.ForeignKeyConstraint(['student_id'], ['students.id'], name=op.f('fk_risk_warnings_student_id_students')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_risk_warnings')),
    sa.UniqueConstraint('student_id', 'rule', 'threshold', name='uq_risk_warnings_student_rule')
    )
    with op.batch_alter_table('risk_warnings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_risk_warnings_class_id'), ['class_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_risk_warnings_school_id'), ['school_id'], unique=False)

    op.create_table('attendance_marks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('class_id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('on', sa.Date(), nullable=False),
    sa.Column('slot', sa.String(length=10), nullable=False),
    sa.Column('status', sa.Enum('present', 'late', 'excused', 'unexcused', name='attendance_status', native_enum=False, length=20), nullable=False),
    sa.Column('arrived_at', sa.Time(), nullable=True),
    sa.Column('picked_up_at', sa.Time(), nullable=True),
    sa.Column('leave_request_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=300), nullable=True),
    sa.Column('marked_by_id', sa.Integer(), nullable=True),
    sa.Column('marked_at', UTCDateTime(), nullable=False),
    sa.Column('alerted_at', UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['class_id'], ['classes.id'], name=op.f('fk_attendance_marks_class_id_classes')),
    sa.ForeignKeyConstraint(['leave_request_id'], ['leave_requests.id'], name=op.f('fk_attendance_marks_leave_request_id_leave_requests')),
    sa.ForeignKeyConstraint(['marked_by_id'], ['users.id'], name=op.f('fk_attendance_marks_marked_by_id_users')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_attendance_marks_school_id_schools')),
    sa.ForeignKeyConstraint(['student_id'], ['students.id'], name=op.f('fk_attendance_marks_student_id_students')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendance_marks')),
    sa.UniqueConstraint('student_id', 'on', 'slot', name='uq_attendance_marks_student_day_slot')
    )
    with op.batch_alter_table('attendance_marks', schema=None) as batch_op:
        batch_op.create_index('ix_attendance_marks_class_on', ['class_id', 'on'], unique=False)
        batch_op.create_index(batch_op.f('ix_attendance_marks_school_id'), ['school_id'], unique=False)

    if op.get_bind().dialect.name == 'postgresql':
        for table in TABLES:
            protect_tenant_table(table)


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        for table in TABLES:
            unprotect_tenant_table(table)
    with op.batch_alter_table('attendance_marks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attendance_marks_school_id'))
        batch_op.drop_index('ix_attendance_marks_class_on')

    op.drop_table('attendance_marks')
    with op.batch_alter_table('risk_warnings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_risk_warnings_school_id'))
        batch_op.drop_index(batch_op.f('ix_risk_warnings_class_id'))

    op.drop_table('risk_warnings')
    with op.batch_alter_table('leave_requests', schema=None) as batch_op:
        batch_op.drop_index('ix_leave_requests_student_dates')
        batch_op.drop_index(batch_op.f('ix_leave_requests_school_id'))
        batch_op.drop_index(batch_op.f('ix_leave_requests_guardian_id'))
        batch_op.drop_index(batch_op.f('ix_leave_requests_class_id'))

    op.drop_table('leave_requests')
    with op.batch_alter_table('daily_notes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_daily_notes_school_id'))
        batch_op.drop_index(batch_op.f('ix_daily_notes_class_id'))

    op.drop_table('daily_notes')
    op.drop_table('attendance_settings')
