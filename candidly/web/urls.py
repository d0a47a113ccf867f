from django.contrib.auth import views as auth_views
from django.urls import path

from candidly.web import litmus, pipeline, today, views

urlpatterns = [
    # A recruiter's home is their Today queue: logging in lands there.
    path("login/", auth_views.LoginView.as_view(next_page="home"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", today.today, name="home"),
    path("today/<str:username>/", today.today, name="today"),
    path("obligations/<int:pk>/act/", today.obligation_act, name="obligation_act"),
    path("obligations/<int:pk>/waive/", today.obligation_waive_view, name="obligation_waive"),
    path("litmus/", litmus.scorecard_page, name="litmus"),
    path("litmus/obligations/", litmus.obligation_list, name="litmus_obligations"),
    path("candidates/", views.candidate_list, name="candidate_list"),
    path("candidates/new/", views.candidate_new, name="candidate_new"),
    path("candidates/<int:pk>/", views.candidate_detail, name="candidate_detail"),
    path("candidates/<int:pk>/log/", views.candidate_log_activity, name="candidate_log"),
    path("companies/", views.company_list, name="company_list"),
    path("companies/<int:pk>/", views.company_detail, name="company_detail"),
    path("managers/", views.manager_list, name="manager_list"),
    path("managers/<int:pk>/", views.manager_detail, name="manager_detail"),
    path("managers/<int:pk>/log/", views.manager_log_activity, name="manager_log"),
    path("requisitions/", views.requisition_list, name="requisition_list"),
    path("requisitions/<int:pk>/", views.requisition_detail, name="requisition_detail"),
    path(
        "requisitions/<int:pk>/submissions/",
        pipeline.requisition_add_candidate,
        name="requisition_add_candidate",
    ),
    path("submissions/<int:pk>/move/", pipeline.submission_move, name="submission_move"),
    path("submissions/<int:pk>/interviews/", pipeline.interview_new, name="interview_new"),
    path("submissions/<int:pk>/offers/", pipeline.offer_new, name="offer_new"),
    path("submissions/<int:pk>/placement/", pipeline.placement_new, name="placement_new"),
    path("offers/<int:pk>/outcome/", pipeline.offer_outcome, name="offer_outcome"),
]
