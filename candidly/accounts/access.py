"""Who may see and act on whose work."""

from candidly.accounts.models import User
from candidly.lib.compiled import Compiled


def is_lead(user: User) -> bool:
    return user.is_superuser or user.teams_led.exists()


def may_act_for(viewer: User, owner: User) -> bool:
    """A recruiter acts on their own queue; a team lead on their members'; an admin on all."""
    if viewer.pk == owner.pk or viewer.is_superuser:
        return True
    return owner.team_id is not None and owner.team.lead_id == viewer.pk


def visible_recruiters(viewer: User):
    """The recruiters whose queues and scorecards `viewer` may open."""
    return _visible(viewer.is_superuser, viewer.pk)


def _visible(everyone: bool, viewer_id: int):
    users = User.objects.filter(is_active=True)
    if everyone:
        return users
    return users.filter(pk=viewer_id) | users.filter(team__lead_id=viewer_id)


def visible_recruiter_rows(viewer: User) -> list[tuple[int, str, str, str]]:
    """`visible_recruiters` as (id, username, first name, last name), in name order: compiled
    once a connection (`lib.compiled`), as the Today page asks at every visit."""
    return _VISIBLE_ROWS.rows(viewer.is_superuser, viewer_id=viewer.pk)


_VISIBLE_ROWS = Compiled(
    lambda everyone, viewer_id: _visible(everyone, viewer_id).values_list(
        "pk", "username", "first_name", "last_name"
    )
)
