"""URLs of the organizers' console, mounted at /console/."""
from django.urls import path

from console import views, views_blindness, views_decision

urlpatterns = [
    path("", views.console_page, name="console"),
    path("data.json", views.console_data, name="console-data"),
    path("transition/", views.console_transition, name="console-transition"),
    path("exports/", views.console_export_start, name="console-export-start"),
    path("exports/<slug:job_id>/", views.console_export_page, name="console-export"),
    path("exports/<slug:job_id>/status.json", views.console_export_status,
         name="console-export-status"),
    path("exports/<slug:job_id>/files/<str:name>", views.console_export_file,
         name="console-export-file"),
    path("results/", views.console_results, name="console-results"),
    path("decision/", views_decision.console_decision, name="console-decision"),
    path("decision/rule/", views_decision.console_rule_set, name="console-rule-set"),
    path("decision/next-round/", views_decision.console_next_round, name="console-next-round"),
    path("blindness/", views_blindness.console_blindness_run, name="console-blindness-run"),
]
