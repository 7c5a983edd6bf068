"""The expert's pages under /expert/ (config/urls.py includes them) and the invitation link."""
from django.urls import path

from expert import views

urlpatterns = [
    path("", views.queue_page, name="expert-queue"),
    path("next/", views.next_page, name="expert-next"),
    path("items/<int:item_id>/", views.item_page, name="expert-item"),
    path("welcome/<uidb64>/<token>/", views.WelcomeView.as_view(), name="expert-welcome"),
]
