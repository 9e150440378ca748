from flask.testing import FlaskClient

from tests.factories import World, login


def test_admin_logs_in_and_sees_staff(client: FlaskClient, world: World) -> None:
    response = login(client, "admin", world.a.slug)
    assert response.status_code == 302
    assert client.get(f"/s/{world.a.slug}/staff/").status_code == 200
