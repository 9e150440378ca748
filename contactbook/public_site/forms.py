"""Forms of the public page's administration: the school's contact details and an announcement.

The services check every value again (`contactbook.public_site.services`); these only read what was typed.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, EmailField, StringField, TextAreaField
from wtforms.validators import InputRequired

from contactbook.inputs import one_line, paragraphs

DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]


class ContactsForm(FlaskForm):
    address = StringField(_l("Street address"), filters=[one_line])
    phone = StringField(_l("Phone"), filters=[one_line])
    email = EmailField(_l("Email"), filters=[one_line])


class AnnouncementForm(FlaskForm):
    title = StringField(_l("Title"), filters=[one_line])
    body = TextAreaField(_l("Announcement"), filters=[paragraphs])
    published_on = DateField(
        _l("Published on"),
        format=DATE_FORMATS,
        validators=[InputRequired(message=_l("Write the day of publication."))],
    )
