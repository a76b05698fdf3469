// The authorization-code flow with PKCE in the browser: an application's public client
// sends the user to /oauth2/authorize; they sign in, see the consent page naming the
// application and what each scope allows, and approve — the browser lands on the
// client's redirect URI with a code and the same state, which the client exchanges
// (with its verifier) for tokens. Asked again with prompt=consent, the user denies:
// the client gets error=access_denied.
import { createHash, randomBytes } from 'node:crypto';
import { expect, request, test } from '@playwright/test';
import { PASSWORD } from './helpers';
import { publishApi, Rest, startServer, suffix, userInNewOrg, watchErrors } from './identity-helpers';

/** A PKCE verifier and its S256 challenge. */
function pkce() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** The claims of a JWT (not verified: the gateway tests do that). */
function claims(jwt: string) {
  return JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString());
}

let client: Awaited<ReturnType<typeof startServer>>;
test.beforeAll(async () => {
  client = await startServer(() => ({ received: true }));
});
test.afterAll(() => client?.close());

test('a user approves, then denies, an application in the consent page', async ({ page, baseURL }) => {
  const id = suffix();
  const redirectUri = `${client.url}/callback`;
  const api = await publishApi(baseURL!, `Pets Consent ${id}`, 'http://127.0.0.1:9', {
    auth: 'jwt',
    scopes: [{ name: 'pets:read', description: 'Read your pets' }],
    operations: [{ method: 'GET', path: '/pets', scopes: ['pets:read'] }],
  });

  // The consumer's application, subscribed, with a public client (REST).
  const consumer = await userInNewOrg(baseURL!, 'consumer', 'consumer');
  const rest = await Rest.signIn(baseURL!, consumer.email, PASSWORD);
  const appName = `Consent App ${id}`;
  const app = await rest.send('POST', '/api/portal/v1/applications', { org_id: consumer.orgId, name: appName });
  await rest.send('POST', `/api/portal/v1/applications/${app.id}/subscriptions`, { api_id: api.id, tier: 'Unlimited' });
  const created = await rest.send('POST', `/api/portal/v1/applications/${app.id}/oauth-clients`, {
    environment: 'production', confidential: false, redirect_uris: [redirectUri],
  });
  expect(created.client_secret).toBeNull();
  const clientId = created.client.client_id as string;

  const errors = watchErrors(page);
  const authorize = (state: string, challenge: string, extra = '') =>
    `/oauth2/authorize?${new URLSearchParams({
      response_type: 'code', client_id: clientId, redirect_uri: redirectUri, scope: 'openid pets:read',
      state, code_challenge: challenge, code_challenge_method: 'S256',
    })}${extra}`;

  // Approve: sign in when asked, consent, back at the client with a code and the state.
  const first = pkce();
  await page.goto(authorize('state-approve', first.challenge));
  await expect(page).toHaveURL(/\/login\?next=/);
  await expect(page.locator('body[data-hydrated="true"]')).toHaveCount(1);
  await page.getByLabel('E-mail').fill(consumer.email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/oauth2\/consent\?/);
  const consent = page.getByTestId('consent');
  await expect(consent.getByRole('heading')).toHaveText(`${appName} wants to access your account`);
  await expect(consent).toContainText('pets:read');
  await expect(consent).toContainText('Read your pets');
  await expect(consent).toContainText(`You will be sent back to ${redirectUri}.`);
  await expect(page.locator('body[data-hydrated="true"]')).toHaveCount(1);
  await consent.getByRole('button', { name: 'Allow' }).click();
  await page.waitForURL((url) => url.href.startsWith(redirectUri));
  const approved = new URL(page.url());
  expect(approved.searchParams.get('state')).toBe('state-approve');
  const code = approved.searchParams.get('code');
  expect(code).toBeTruthy();
  expect(approved.searchParams.get('error')).toBeNull();
  // The client got the same code (found by its state: the browser may also ask the client for /favicon.ico).
  const arrived = client.received.find((u) => u.searchParams.get('state') === 'state-approve');
  expect(arrived?.searchParams.get('code')).toBe(code);

  // The client exchanges the code with its verifier (a wrong verifier is refused first, without using the code up).
  const portico = await request.newContext({ baseURL });
  const exchange = (verifier: string) => portico.post('/oauth2/token', {
    form: { grant_type: 'authorization_code', code: code!, redirect_uri: redirectUri, client_id: clientId, code_verifier: verifier },
  });
  const wrong = await exchange(pkce().verifier);
  expect(wrong.status()).toBe(400);
  expect((await wrong.json()).error).toBe('invalid_grant');
  const tokens = await exchange(first.verifier);
  expect(tokens.status(), await tokens.text()).toBe(200);
  const body = await tokens.json();
  expect(body.token_type).toBe('Bearer');
  const access = claims(body.access_token);
  expect(access.client_id).toBe(clientId);
  expect(access.application).toBe(app.id);
  expect(access.scope.split(' ')).toContain('pets:read');
  expect(claims(body.id_token).aud).toBe(clientId);
  expect(body.refresh_token).toMatch(/^pcr_/);

  // Asked again (prompt=consent), the user denies: error=access_denied with the state, no code.
  const second = pkce();
  await page.goto(authorize('state-deny', second.challenge, '&prompt=consent'));
  await expect(page).toHaveURL(/\/oauth2\/consent\?/);
  await expect(page.locator('body[data-hydrated="true"]')).toHaveCount(1);
  await page.getByTestId('consent').getByRole('button', { name: 'Deny' }).click();
  await page.waitForURL((url) => url.href.startsWith(redirectUri));
  const denied = new URL(page.url());
  expect(denied.searchParams.get('error')).toBe('access_denied');
  expect(denied.searchParams.get('state')).toBe('state-deny');
  expect(denied.searchParams.get('code')).toBeNull();
  expect(errors).toEqual([]);
});
