"""The OpenID Connect endpoints under the namespace django-oauth-toolkit reverses
("oauth2_provider"); discovery sits at the root, as the issuer is Polise's base URL."""

from django.urls import path, re_path

from . import oidc

app_name = "oauth2_provider"
urlpatterns = [
    re_path(
        r"^\.well-known/openid-configuration/?$",
        oidc.ConnectDiscoveryInfoView.as_view(),
        name="oidc-connect-discovery-info",
    ),
    path("oauth/authorize/", oidc.AuthorizationView.as_view(), name="authorize"),
    path("oauth/token/", oidc.TokenView.as_view(), name="token"),
    path("oauth/revoke/", oidc.RevokeTokenView.as_view(), name="revoke-token"),
    path("oauth/introspect/", oidc.IntrospectTokenView.as_view(), name="introspect"),
    path("oauth/userinfo/", oidc.UserInfoView.as_view(), name="user-info"),
    path("oauth/jwks/", oidc.JwksInfoView.as_view(), name="jwks-info"),
    path("oauth/logout/", oidc.RPInitiatedLogoutView.as_view(), name="rp-initiated-logout"),
]
