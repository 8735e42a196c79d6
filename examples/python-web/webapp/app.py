"""Flask application factory."""

from flask import Flask, Response, jsonify

from webapp.greeting import SERVICE_NAME, greeting_line


def _text(body: str, status: int = 200) -> Response:
    return Response(body + "\n", status=status, mimetype="text/plain")


def create_app() -> Flask:
    app = Flask(SERVICE_NAME)

    @app.get("/")
    def index() -> Response:
        return _text(greeting_line())

    @app.get("/healthz")
    def healthz() -> Response:
        return _text("ok")

    @app.get("/hello/<name>")
    def hello(name: str):
        try:
            return jsonify(message=greeting_line(name))
        except ValueError as exc:
            return jsonify(error=str(exc)), 400

    return app
