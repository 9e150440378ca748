"""The bare page the portal benchmark compares with: Flask answering "ok", served by the same gunicorn."""

from flask import Flask

app = Flask(__name__)


@app.route("/")
def ok() -> str:
    """The least a Flask page can do."""
    return "ok"
