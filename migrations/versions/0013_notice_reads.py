"""notices: the students each one concerns, and the families that said they have read it

- notice_students: a notice's audience resolved to its students when it is written (the families'
  portal finds a child's notices by the child). Existing notices are filled in here from their
  recorded audience and the enrolments of the school year they were written in (those active then).
- notice_reads: one row per guardian record of a family that pressed "I have read it".
- messages: an index for the messages about one child of one guardian, newest first.
- Both new tables are tenant tables under row-level security; the backfill runs as the delivery role
  (PostgreSQL), as the tables it reads are under forced row-level security.

Revision ID: 0013_notice_reads
Revises: 0011_family_sign_in
Create Date: 2026-12-06 06:30:00.000000

"""
from datetime import date

from alembic import op
import sqlalchemy as sa

from contactbook.models.base import UTCDateTime
from contactbook.row_security import DELIVERY_ROLE, protect_tenant_table, unprotect_tenant_table


revision = '0013_notice_reads'
down_revision = '0011_family_sign_in'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'notice_students',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('school_id', sa.Integer(), nullable=False),
        sa.Column('notice_id', sa.Integer(), nullable=False),
        sa.Column('student_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['notice_id'], ['notices.id'], name=op.f('fk_notice_students_notice_id_notices'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_notice_students_school_id_schools')),
        sa.ForeignKeyConstraint(['student_id'], ['students.id'], name=op.f('fk_notice_students_student_id_students'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_notice_students')),
        sa.UniqueConstraint('notice_id', 'student_id', name='uq_notice_students_notice_student'),
    )
    with op.batch_alter_table('notice_students', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notice_students_school_id'), ['school_id'], unique=False)
        batch_op.create_index('ix_notice_students_student_notice', ['student_id', 'notice_id'], unique=False)

    op.create_table(
        'notice_reads',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('school_id', sa.Integer(), nullable=False),
        sa.Column('notice_id', sa.Integer(), nullable=False),
        sa.Column('guardian_id', sa.Integer(), nullable=False),
        sa.Column('read_at', UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['guardian_id'], ['guardians.id'], name=op.f('fk_notice_reads_guardian_id_guardians'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['notice_id'], ['notices.id'], name=op.f('fk_notice_reads_notice_id_notices'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_notice_reads_school_id_schools')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_notice_reads')),
        sa.UniqueConstraint('notice_id', 'guardian_id', name='uq_notice_reads_notice_guardian'),
    )
    with op.batch_alter_table('notice_reads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notice_reads_guardian_id'), ['guardian_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notice_reads_school_id'), ['school_id'], unique=False)

    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.create_index('ix_messages_guardian_student', ['guardian_id', 'student_id', 'id'], unique=False)

    if op.get_bind().dialect.name == 'postgresql':
        protect_tenant_table('notice_students')
        protect_tenant_table('notice_reads')
    _backfill()


def _year_of(years, day):
    """The school year containing `day`, else the latest one (as `roster.services.current_year` chooses)."""
    return next((y for y in years if y.starts_on <= day <= y.ends_on), years[0] if years else None)


def _backfill():
    """Each existing notice's students: its audience among the enrolments of its year active when it was written."""
    postgresql = op.get_bind().dialect.name == 'postgresql'
    if postgresql:
        op.execute(f'SET LOCAL ROLE {DELIVERY_ROLE}')
    bind = op.get_bind()
    notices = sa.table('notices', sa.column('id', sa.Integer), sa.column('school_id', sa.Integer),
                       sa.column('audience', sa.JSON), sa.column('created_at', UTCDateTime()))
    years = sa.table('school_years', sa.column('id', sa.Integer), sa.column('school_id', sa.Integer),
                     sa.column('starts_on', sa.Date), sa.column('ends_on', sa.Date))
    enrolments = sa.table('enrolments', sa.column('student_id', sa.Integer), sa.column('school_id', sa.Integer),
                          sa.column('school_year_id', sa.Integer), sa.column('class_id', sa.Integer),
                          sa.column('status', sa.String), sa.column('left_at', UTCDateTime()))
    classes = sa.table('classes', sa.column('id', sa.Integer), sa.column('grade_level', sa.Integer))
    notice_students = sa.table('notice_students', sa.column('school_id', sa.Integer),
                               sa.column('notice_id', sa.Integer), sa.column('student_id', sa.Integer))
    years_of = {}
    for notice in bind.execute(sa.select(notices).order_by(notices.c.id)).all():
        if notice.school_id not in years_of:
            years_of[notice.school_id] = bind.execute(
                sa.select(years).where(years.c.school_id == notice.school_id).order_by(years.c.starts_on.desc())
            ).all()
        day = notice.created_at.date() if notice.created_at else date.today()
        year = _year_of(years_of[notice.school_id], day)
        audience = notice.audience or {}
        kind, ids = audience.get('kind'), [int(i) for i in audience.get('ids', []) if isinstance(i, int)]
        if year is None or kind not in ('school', 'grades', 'classes', 'students'):
            continue
        query = (
            sa.select(enrolments.c.student_id)
            .join(classes, classes.c.id == enrolments.c.class_id)
            .where(
                enrolments.c.school_id == notice.school_id,
                enrolments.c.school_year_id == year.id,
                sa.or_(enrolments.c.status == 'active', enrolments.c.left_at > notice.created_at),
            )
        )
        if kind == 'grades':
            query = query.where(classes.c.grade_level.in_(ids))
        elif kind == 'classes':
            query = query.where(classes.c.id.in_(ids))
        elif kind == 'students':
            query = query.where(enrolments.c.student_id.in_(ids))
        students = sorted(set(bind.execute(query).scalars()))
        if students:
            bind.execute(
                notice_students.insert(),
                [{'school_id': notice.school_id, 'notice_id': notice.id, 'student_id': s} for s in students],
            )
    if postgresql:
        op.execute('RESET ROLE')


def downgrade():
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_index('ix_messages_guardian_student')
    if op.get_bind().dialect.name == 'postgresql':
        unprotect_tenant_table('notice_reads')
        unprotect_tenant_table('notice_students')
    with op.batch_alter_table('notice_reads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notice_reads_school_id'))
        batch_op.drop_index(batch_op.f('ix_notice_reads_guardian_id'))
    op.drop_table('notice_reads')
    with op.batch_alter_table('notice_students', schema=None) as batch_op:
        batch_op.drop_index('ix_notice_students_student_notice')
        batch_op.drop_index(batch_op.f('ix_notice_students_school_id'))
    op.drop_table('notice_students')
