from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from accounts import security_views, views
from accounts.forms import PasswordResetRequestForm

app_name = "accounts"

urlpatterns = [
    path("organisations/<int:pk>/cles-api/", views.api_keys, name="api_keys"),
    path("connexion/", security_views.LoginView.as_view(), name="login"),
    path("connexion/code/", security_views.login_code, name="login_code"),
    path("securite/", security_views.security_page, name="security"),
    path(
        "securite/double-authentification/",
        security_views.two_factor_setup,
        name="two_factor_setup",
    ),
    path("securite/codes-de-secours/", security_views.recovery_codes, name="recovery_codes"),
    path("blocages/", security_views.lockouts, name="lockouts"),
    path("journal/", security_views.audit_journal, name="audit_journal"),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "mot-de-passe/oubli/",
        auth_views.PasswordResetView.as_view(
            template_name="accounts/password_reset.html",
            email_template_name="accounts/emails/password_reset.txt",
            subject_template_name="accounts/emails/password_reset_subject.txt",
            form_class=PasswordResetRequestForm,
            success_url=reverse_lazy("accounts:password_reset_done"),
        ),
        name="password_reset",
    ),
    path(
        "mot-de-passe/oubli/envoye/",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "mot-de-passe/nouveau/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "mot-de-passe/change/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="accounts/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
    path("", views.home, name="home"),
    path("organisations/", views.organisation_list, name="organisation_list"),
    path("organisations/nouvelle/", views.organisation_create, name="organisation_create"),
    path("organisations/<int:pk>/", views.organisation_home, name="organisation_home"),
    path("organisations/<int:pk>/membres/", views.members, name="members"),
    path(
        "organisations/<int:pk>/membres/<int:membership_pk>/",
        views.member_update,
        name="member_update",
    ),
    path(
        "organisations/<int:pk>/invitations/<int:invitation_pk>/annuler/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
    path("invitation/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("inscription/", views.signup, name="signup"),
    path("inscription/confirmer/<str:token>/", views.signup_confirm, name="signup_confirm"),
    path("organisations/<int:pk>/inscription/", views.habilitation, name="habilitation"),
    path("inscriptions/", views.habilitations, name="habilitations"),
    path("inscriptions/<int:pk>/", views.habilitation_detail, name="habilitation_detail"),
]
