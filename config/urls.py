from django.contrib import admin
from django.urls import include, path, re_path
from django.views.i18n import JavaScriptCatalog

from arena import api as arena_api
from arena import views as arena_views
from config.api import api_not_found
from voting import api as voting_api
from voting import views as voting_views

api_patterns = [
    path("battles", arena_api.battles),
    path("battles/<uuid:battle_id>", arena_api.battle_detail),
    path("battles/<uuid:battle_id>/turns", arena_api.battle_turns),
    path("battles/<uuid:battle_id>/vote", voting_api.battle_vote),
    path("leaderboard", voting_api.leaderboard),
    # Anything else under /api/ answers in the API's error shape, not with an HTML page.
    re_path(r"^.*$", api_not_found),
]

urlpatterns = [
    path("", arena_views.battle_page, name="battle"),
    path("leaderboard/", voting_views.leaderboard_page, name="leaderboard"),
    path("api/", include(api_patterns)),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("admin/", admin.site.urls),
]
