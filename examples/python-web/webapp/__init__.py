"""python-web: a small Flask (WSGI) service."""

from webapp.app import create_app

__all__ = ["create_app"]
