"""URLs of the organizers' console, mounted at /console/."""
from django.urls import path

from console import views, views_blindness

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
    path("blindness/", views_blindness.console_blindness_run, name="console-blindness-run"),
]
