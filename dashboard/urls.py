"""Dashboard pages."""

from django.contrib.auth import views as auth_views
from django.urls import path

from dashboard import views

app_name = "dashboard"

urlpatterns = [
    path("", views.scanner, name="scanner"),
    path("trader", views.trader, name="trader"),
    path("signals", views.signals, name="signals"),
    path("strategies", views.strategies, name="strategies"),
    path("symbol/<str:symbol>", views.symbol, name="symbol"),
    path("settings", views.settings_page, name="settings"),
    path("backtests", views.backtests, name="backtests"),
    path("backtests/<int:run_id>", views.backtest, name="backtest"),
    path("backtests/studies/<int:study_id>", views.backtest_study, name="backtest-study"),
    path("login/", auth_views.LoginView.as_view(template_name="dashboard/login.html",
                                                redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
]
