"""WSGI entry point: ``gunicorn wsgi:app`` (settings in gunicorn.conf.py)."""

from webapp import create_app

app = create_app()

if __name__ == "__main__":  # development only: python3 wsgi.py
    import os

    app.run(host="0.0.0.0", port=int(os.environ.get("PORT", "8080")))
