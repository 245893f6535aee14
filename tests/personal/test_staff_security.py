"""Staff need a second factor (TOTP) for /admin/ and /rapports/; their sessions end after
30 minutes without a request; the admin's login goes through allauth's (and its TOTP step)."""

from datetime import timedelta

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY, format_hotp_value, hotp_value
from django.contrib.auth.models import Group
from django.utils import timezone

from citizens.models import MAYORS_OFFICE, MUNICIPAL_TEAM
from tests.conftest import login
from tests.factories import (
    PASSWORD,
    MayorsOfficeFactory,
    ResidentFactory,
    SuperuserFactory,
    TeamMemberFactory,
    totp_code,
)

pytestmark = pytest.mark.django_db

MFA_SETUP = "/compte/2fa/totp/activate/"

ROLES = {
    "team": lambda mfa: TeamMemberFactory(mfa=mfa),
    "mayors_office": lambda mfa: MayorsOfficeFactory(mfa=mfa),
    "superuser": lambda mfa: SuperuserFactory(mfa=mfa),
    "staff_flag_only": lambda mfa: ResidentFactory(is_staff=True),
}


@pytest.mark.parametrize("role", list(ROLES))
@pytest.mark.parametrize("path", ["/admin/", "/admin/citizens/user/", "/rapports/"])
def test_staff_without_a_second_factor_are_sent_to_set_one_up(role, path):
    user = ROLES[role](False)
    response = login(user).get(path, follow=False)
    assert response.status_code == 302
    assert response["Location"] == MFA_SETUP


@pytest.mark.parametrize("role", ["team", "mayors_office", "superuser"])
@pytest.mark.parametrize("path", ["/admin/", "/rapports/"])
def test_staff_with_a_second_factor_pass_the_check(role, path):
    user = ROLES[role](None)
    response = login(user).get(path)
    # Past the check, the page's own rules apply (the mayor's office is not admin staff;
    # /rapports/ is built in its own branch).
    assert response.get("Location") != MFA_SETUP
    if role != "mayors_office" and path == "/admin/":
        assert response.status_code == 200


@pytest.mark.parametrize("path", ["/admin/", "/rapports/", "/compte/"])
def test_residents_and_visitors_are_not_asked_for_a_second_factor(path, client, resident):
    for viewer in (client, login(resident)):
        assert viewer.get(path).get("Location") != MFA_SETUP


def test_the_message_tells_why_in_french(team_member):
    Authenticator.objects.filter(user=team_member).delete()
    response = login(team_member).get("/admin/", follow=True)
    assert "doivent être protégés par une double authentification" in response.content.decode()


def test_until_they_set_one_up_then_they_reach_the_admin(client):
    user = TeamMemberFactory(mfa=False)
    response = client.post("/compte/login/", {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/admin/")["Location"] == MFA_SETUP
    # allauth asks for the password again before adding a factor.
    response = client.get(MFA_SETUP)
    assert response["Location"].startswith("/compte/reauthenticate/")
    client.post(response["Location"], {"password": PASSWORD})
    assert client.get(MFA_SETUP).status_code == 200
    secret = client.session[SECRET_SESSION_KEY]
    code = format_hotp_value(hotp_value(secret, int(timezone.now().timestamp()) // 30))
    response = client.post(MFA_SETUP, {"code": code})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=user, type="totp").exists()
    assert client.get("/admin/").status_code == 200


def test_admin_login_goes_through_allauth_and_its_second_factor(client, team_member):
    response = client.get("/admin/")
    assert response["Location"] == "/admin/login/?next=/admin/"
    response = client.get("/admin/login/?next=/admin/citizens/user/")
    assert response["Location"] == "/compte/login/?next=%2Fadmin%2Fcitizens%2Fuser%2F"
    # The admin's own form is never used: a POST to it is sent to allauth too.
    response = client.post("/admin/login/", {"username": team_member.email, "password": PASSWORD})
    assert response["Location"].startswith("/compte/login/")
    assert "_auth_user_id" not in client.session
    # Password, then the code from the authenticator app.
    response = client.post(
        "/compte/login/?next=/admin/projects/",
        {"login": team_member.email, "password": PASSWORD, "next": "/admin/projects/"},
    )
    assert response["Location"].startswith("/compte/2fa/authenticate/")
    assert "_auth_user_id" not in client.session
    response = client.post("/compte/2fa/authenticate/", {"code": "000000"})
    assert response.status_code == 200 and "_auth_user_id" not in client.session
    response = client.post("/compte/2fa/authenticate/", {"code": totp_code(team_member)})
    assert response["Location"] == "/admin/projects/"
    assert client.get("/admin/").status_code == 200


def test_admin_login_ignores_foreign_next_and_turns_residents_away(client, resident):
    response = client.get("/admin/login/?next=https://ailleurs.example/")
    assert response["Location"] == "/compte/login/?next=%2Fadmin%2F"
    response = login(resident).get("/admin/login/", follow=True)
    assert "n&#x27;a pas accès à l&#x27;administration" in response.content.decode()
    response = login(TeamMemberFactory()).get("/admin/login/?next=/admin/citizens/")
    assert response["Location"] == "/admin/citizens/"


@pytest.mark.parametrize("role", ["team", "mayors_office", "superuser"])
def test_staff_sessions_end_after_30_minutes_idle(role):
    user = ROLES[role](None)
    client = login(user)
    start = timezone.now()
    with time_machine.travel(start + timedelta(minutes=29)):
        assert client.get("/compte/").status_code == 200
    # Each request gives another 30 minutes.
    with time_machine.travel(start + timedelta(minutes=58)):
        assert client.get("/compte/").status_code == 200
    with time_machine.travel(start + timedelta(minutes=89)):
        response = client.get("/compte/")
        assert response.status_code == 302
        assert response["Location"].startswith("/compte/login/")


def test_residents_keep_the_normal_session(resident):
    client = login(resident)
    with time_machine.travel(timezone.now() + timedelta(hours=5)):
        assert client.get("/compte/").status_code == 200


def test_a_resident_promoted_while_logged_in_is_checked_at_once(resident):
    client = login(resident)
    assert client.get("/rapports/").get("Location") != MFA_SETUP
    resident.groups.add(Group.objects.get(name=MAYORS_OFFICE))
    assert client.get("/rapports/")["Location"] == MFA_SETUP
    # From then on their session is a staff session too.
    with time_machine.travel(timezone.now() + timedelta(minutes=31)):
        assert client.get("/compte/").status_code == 302


def test_factories_give_staff_a_second_factor_unless_told_otherwise():
    assert Authenticator.objects.filter(user=TeamMemberFactory()).count() == 1
    assert not Authenticator.objects.filter(user=TeamMemberFactory(mfa=False)).exists()
    assert not Authenticator.objects.filter(user=ResidentFactory()).exists()
    assert Group.objects.get(name=MUNICIPAL_TEAM).user_set.count() == 2


def test_expired_sessions_are_cleared_daily(settings, resident):
    from citizens.models import AccountSession
    from citizens.tasks import clear_expired_sessions

    assert "clear-expired-sessions" in settings.CELERY_BEAT_SCHEDULE
    login(resident)
    staff = login(TeamMemberFactory())
    assert AccountSession.objects.count() == 2
    with time_machine.travel(timezone.now() + timedelta(hours=1)):
        clear_expired_sessions.delay().get()
    assert list(AccountSession.objects.values_list("account_id", flat=True)) == [resident.pk]
    assert staff.get("/compte/").status_code == 302


def test_a_resident_given_a_staff_group_by_the_factory_has_a_second_factor():
    user = ResidentFactory(groups=[MAYORS_OFFICE])
    assert Authenticator.objects.filter(user=user, type="totp").count() == 1
    assert login(user).get("/rapports/").get("Location") != MFA_SETUP


def test_the_idle_clock_writes_the_session_at_most_once_a_minute(team_member):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(team_member)
    start = timezone.now()
    writes = []
    for seconds in (70, 80, 90, 140):
        with time_machine.travel(start + timedelta(seconds=seconds)):
            with CaptureQueriesContext(connection) as queries:
                assert client.get("/compte/").status_code == 200
        writes.append(sum('UPDATE "citizens_accountsession"' in q["sql"] for q in queries))
    assert writes == [1, 0, 0, 1]
