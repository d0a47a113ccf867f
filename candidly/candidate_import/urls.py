"""Pages of this app; included from candidly/urls.py."""

urlpatterns: list = []
