"""The web's entry point: `gunicorn wsgi:app`."""

from contactbook import create_app

app = create_app()
