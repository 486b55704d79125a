// A relying party on the certified openid-client library, driven step by step from pytest:
//   node rp.mjs start  ISSUER CLIENT_ID SECRET REDIRECT_URI          -> {url, verifier, state, nonce}
//   node rp.mjs finish ISSUER CLIENT_ID SECRET CALLBACK_URL VERIFIER STATE NONCE
//        -> {claims, userinfo, refreshed_claims, refresh_token_rotated, old_refresh_refused}
// pytest plays the browser in between. Output is one JSON line on stdout.
import * as client from 'openid-client';

const [step, issuer, clientId, secret, ...rest] = process.argv.slice(2);
const config = await client.discovery(new URL(issuer), clientId, secret, undefined, {
  execute: [client.allowInsecureRequests],
});

if (step === 'start') {
  const [redirectUri] = rest;
  const verifier = client.randomPKCECodeVerifier();
  const challenge = await client.calculatePKCECodeChallenge(verifier);
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope: 'openid profile email groups',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state,
    nonce,
  });
  console.log(JSON.stringify({ url: url.href, verifier, state, nonce }));
} else if (step === 'finish') {
  const [callback, verifier, state, nonce] = rest;
  const tokens = await client.authorizationCodeGrant(config, new URL(callback), {
    pkceCodeVerifier: verifier,
    expectedState: state,
    expectedNonce: nonce,
    idTokenExpected: true,
  });
  const claims = tokens.claims();
  const userinfo = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
  const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token);
  let oldRefused = false;
  try {
    await client.refreshTokenGrant(config, tokens.refresh_token);
  } catch (err) {
    oldRefused = err.error === 'invalid_grant';
  }
  // Reuse of a rotated token revokes the whole family: the newest one dies too.
  let familyRevoked = false;
  try {
    await client.refreshTokenGrant(config, refreshed.refresh_token);
  } catch (err) {
    familyRevoked = err.error === 'invalid_grant';
  }
  console.log(JSON.stringify({
    claims,
    userinfo,
    refreshed_claims: refreshed.claims() ?? null,
    refresh_token_rotated: refreshed.refresh_token !== tokens.refresh_token,
    old_refresh_refused: oldRefused,
    family_revoked_after_reuse: familyRevoked,
  }));
} else {
  console.error(`unknown step ${step}`);
  process.exit(2);
}
