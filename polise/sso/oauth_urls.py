"""The OpenID Connect endpoints under the namespace django-oauth-toolkit reverses
("oauth2_provider"); discovery sits at the root, as the issuer is Polise's base URL."""

from django.urls import path, re_path
from django.views.decorators.csrf import csrf_exempt

from . import oidc

app_name = "oauth2_provider"
urlpatterns = [
    re_path(
        r"^\.well-known/openid-configuration/?$",
        oidc.ConnectDiscoveryInfoView.as_view(),
        name="oidc-connect-discovery-info",
    ),
    # Relying parties' pages may post the authorization request (OIDC Core 3.1.2.1), so the
    # endpoint takes no CSRF token; the consent page answers to its own, CSRF-checked URL.
    path("oauth/authorize/", csrf_exempt(oidc.AuthorizationView.as_view()), name="authorize"),
    path("oauth/authorize/consent/", oidc.ConsentView.as_view(), name="authorize-consent"),
    path("oauth/token/", oidc.TokenView.as_view(), name="token"),
    path("oauth/revoke/", oidc.RevokeTokenView.as_view(), name="revoke-token"),
    path("oauth/introspect/", oidc.IntrospectTokenView.as_view(), name="introspect"),
    path("oauth/userinfo/", oidc.UserInfoView.as_view(), name="user-info"),
    path("oauth/jwks/", oidc.JwksInfoView.as_view(), name="jwks-info"),
    path("oauth/logout/", oidc.RPInitiatedLogoutView.as_view(), name="rp-initiated-logout"),
]
