import pytest

from webapp import create_app


@pytest.fixture()
def client():
    app = create_app()
    app.config.update(TESTING=True)
    return app.test_client()


def test_index(client):
    resp = client.get("/")
    assert resp.status_code == 200
    assert resp.get_data(as_text=True) == "hello from python-web\n"


def test_healthz(client):
    resp = client.get("/healthz")
    assert resp.status_code == 200
    assert resp.get_data(as_text=True).strip() == "ok"


def test_hello_json(client):
    resp = client.get("/hello/Grace")
    assert resp.status_code == 200
    assert resp.get_json() == {"message": "hello Grace, from python-web"}


def test_unknown_path_is_404(client):
    assert client.get("/nope").status_code == 404
