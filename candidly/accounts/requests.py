"""The two reads every logged-in request makes, its session and its user, compiled once a
connection (`lib.compiled`): through the ORM each cost more to build than to run.

`SessionStore` is the database session store (SESSION_ENGINE); `Backend` is the model
backend (first of AUTHENTICATION_BACKENDS). Both read exactly what Django's own would.
"""

from django.contrib.auth.backends import ModelBackend
from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.utils import timezone

from candidly.accounts.models import User
from candidly.lib.compiled import Compiled

_SESSION_DATA = Compiled(
    lambda key, now: Session.objects.filter(session_key=key, expire_date__gt=now).values_list(
        "session_data"
    )
)

_USER_FIELDS = [f.attname for f in User._meta.concrete_fields]
_USER_ROW = Compiled(lambda pk: User._default_manager.filter(pk=pk).values_list(*_USER_FIELDS))


class SessionStore(db.SessionStore):
    def _get_session_from_db(self):
        """The unexpired session of this key, as `Session` with its data, or None (and the key
        forgotten, as Django's store does)."""
        key = self.session_key
        found = _SESSION_DATA.rows(key=key, now=timezone.now()) if key else []
        if not found:
            self._session_key = None
            return None
        return Session(session_key=key, session_data=found[0][0])


class Backend(ModelBackend):
    def get_user(self, user_id):
        found = _USER_ROW.rows(pk=user_id) if user_id is not None else []
        if not found:
            return None
        user = User.from_db(User._default_manager.db, _USER_FIELDS, found[0])
        return user if self.user_can_authenticate(user) else None
