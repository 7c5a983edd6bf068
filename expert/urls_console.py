"""The organizers' expert-track pages under /console/expert/ (config/urls.py includes them)."""
from django.urls import path

from expert import views_console

urlpatterns = [
    path("", views_console.overview_page, name="console-expert"),
    path("sets/<int:prompt_set_id>/", views_console.prompt_set_action, name="console-expert-action"),
    path("import/", views_console.import_page, name="console-expert-import"),
    path("invite/", views_console.invite_page, name="console-expert-invite"),
    path("results/", views_console.results_page, name="console-expert-results"),
    path("disputes/", views_console.disputes_page, name="console-expert-disputes"),
    path("disputes/<int:pair_id>/", views_console.adjudicate, name="console-expert-adjudicate"),
]
