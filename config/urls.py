from django.contrib import admin
from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt
from django.views.generic import TemplateView
from django.views.i18n import JavaScriptCatalog, set_language

from arena import api as arena_api
from arena import views as arena_views
from config.api import api, api_not_found, api_urls
from config.auth import login_view, password_reset_view, second_factor_page
from console import views as console_views
from contest import views_panel
from expert import api as expert_api
from voting import api as voting_api
from voting import views as voting_views

# A request failing outside its view: 503 when the database or Redis failed, else 500.
handler500 = "config.errors.server_error"
# A request refused before its view: the API's JSON error under /api/, the site's page elsewhere.
handler400 = "config.errors.bad_request"

# Every JSON route is declared on an app's router; the OpenAPI document lists them all.
api.add_router("", arena_api.router)
api.add_router("", voting_api.router)
api.add_router("", expert_api.router)

urlpatterns = [
    path("", arena_views.battle_page, name="battle"),
    path("shared/<str:token>/", arena_views.battle_shared_page, name="battle-shared"),
    path("leaderboard/", voting_views.leaderboard_page, name="leaderboard"),
    path("panel/join/", views_panel.panel_join_page, name="panel-join"),
    # The footer's pages: what is kept and sent where, the rules, and accessibility.
    path("privacy/", TemplateView.as_view(template_name="pages/privacy.html"), name="privacy"),
    path("terms/", TemplateView.as_view(template_name="pages/terms.html"), name="terms"),
    path("accessibility/", TemplateView.as_view(template_name="pages/accessibility.html"),
         name="accessibility"),
    path("console/expert/", include("expert.urls_console")),
    path("console/", include("console.urls")),
    path("expert/", include("expert.urls")),
    path("results/", console_views.results_public, name="results"),
    path("results/<slug:slug>/<str:name>", console_views.results_public_file,
         name="results-file"),
    path("api/", api_urls()),
    # Anything else under /api/ answers in the API's error shape, not with an HTML page.
    re_path(r"^api/", api_not_found),
    path("accounts/login/", login_view, name="login"),
    path("accounts/password_reset/", password_reset_view, name="password_reset"),
    path("accounts/second-factor/", second_factor_page, name="second-factor"),
    path("accounts/", include("django.contrib.auth.urls")),
    # The language switch is in every page's header. It takes no CSRF token, so that a page
    # for a visitor without a session sets no cookie and can be replayed to the next one
    # (config/read_cache.py); a forged switch could only change a visitor's language.
    path("i18n/setlang/", csrf_exempt(set_language), name="set_language"),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    # The admin signs in at accounts/login/ too, second factor and throttle included
    # (config.auth.AdminSite, the admin app's default site: config/apps.py).
    path("admin/", admin.site.urls),
]
