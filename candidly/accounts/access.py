"""Who may see and act on whose work."""

from candidly.accounts.models import User


def is_lead(user: User) -> bool:
    return user.is_superuser or user.teams_led.exists()


def may_act_for(viewer: User, owner: User) -> bool:
    """A recruiter acts on their own queue; a team lead on their members'; an admin on all."""
    if viewer.pk == owner.pk or viewer.is_superuser:
        return True
    return owner.team_id is not None and owner.team.lead_id == viewer.pk


def visible_recruiters(viewer: User):
    """The recruiters whose queues and scorecards `viewer` may open."""
    users = User.objects.filter(is_active=True)
    if viewer.is_superuser:
        return users
    return users.filter(pk=viewer.pk) | users.filter(team__lead=viewer)
