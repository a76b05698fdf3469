// Single sign-on in the browser: the platform admin registers a test OpenID Connect
// provider in /admin/sso, then a new user clicks "Sign in with …" on the sign-in page,
// goes through the provider and lands signed in where they were going, provisioned into
// the chosen organization. A callback that does not belong to the browser ends on the
// sign-in page with a clear message.
//
// The provider runs inside this test (Node's http server and crypto, ES256 keys); the
// browser and Portico both reach it on 127.0.0.1.
import { createHash, generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { expect, Page, test } from '@playwright/test';
import { admin, adminApi, open, signIn } from './helpers';

const CLIENT_ID = 'portico-e2e';
const CLIENT_SECRET = `secret-${randomUUID()}`;
const userEmail = `sso-${Date.now()}@corp.example`;

let idp: Server;
let issuer: string;

const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'e2e-key', alg: 'ES256', use: 'sig' };
const b64 = (data: string | Buffer) => Buffer.from(data).toString('base64url');

function idToken(claims: Record<string, unknown>): string {
  const signingInput = `${b64(JSON.stringify({ alg: 'ES256', kid: 'e2e-key', typ: 'JWT' }))}.${b64(JSON.stringify(claims))}`;
  const signature = sign('sha256', Buffer.from(signingInput), { key: privateKey, dsaEncoding: 'ieee-p1363' });
  return `${signingInput}.${b64(signature)}`;
}

type Grant = { nonce: string; challenge: string; redirectUri: string };
const grants = new Map<string, Grant>();

test.beforeAll(async () => {
  idp = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', issuer);
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (url.pathname === '/.well-known/openid-configuration') {
      return json(200, {
        issuer, authorization_endpoint: `${issuer}/authorize`, token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/jwks`, response_types_supported: ['code'], id_token_signing_alg_values_supported: ['ES256'],
      });
    }
    if (url.pathname === '/jwks') return json(200, { keys: [jwk] });
    if (url.pathname === '/authorize') {
      const q = url.searchParams;
      if (q.get('client_id') !== CLIENT_ID || q.get('code_challenge_method') !== 'S256') return json(400, { error: 'invalid_request' });
      const code = randomUUID();
      grants.set(code, { nonce: q.get('nonce')!, challenge: q.get('code_challenge')!, redirectUri: q.get('redirect_uri')! });
      res.writeHead(302, { location: `${q.get('redirect_uri')}?code=${code}&state=${encodeURIComponent(q.get('state')!)}` });
      return res.end();
    }
    if (url.pathname === '/token' && req.method === 'POST') {
      let body = '';
      for await (const chunk of req) body += chunk;
      const form = new URLSearchParams(body);
      const basic = `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}`;
      if (req.headers.authorization !== basic) return json(401, { error: 'invalid_client' });
      const grant = grants.get(form.get('code') ?? '');
      grants.delete(form.get('code') ?? '');
      const challenge = createHash('sha256').update(form.get('code_verifier') ?? '').digest('base64url');
      if (!grant || grant.challenge !== challenge || grant.redirectUri !== form.get('redirect_uri')) {
        return json(400, { error: 'invalid_grant' });
      }
      const now = Math.floor(Date.now() / 1000);
      const id_token = idToken({
        iss: issuer, sub: 'e2e-user', aud: CLIENT_ID, iat: now, exp: now + 300, nonce: grant.nonce,
        email: userEmail, email_verified: true, name: 'Sso Person',
      });
      return json(200, { access_token: 'unused', token_type: 'Bearer', expires_in: 300, id_token });
    }
    json(404, { error: 'not_found' });
  });
  await new Promise<void>((resolve) => idp.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(idp.address() as AddressInfo).port}`;
});
test.afterAll(() => idp?.close());

function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`${page.url()}: ${e.message}`));
  return errors;
}

test('an admin registers a provider and a new user signs in with it', async ({ browser, baseURL }) => {
  const suffix = `${Date.now() % 1_000_000}`;
  const orgName = `SSO Org ${suffix}`;
  const api = await adminApi(baseURL!);
  const headers = { 'x-csrf-token': (await (await api.get('/api/auth/session')).json()).csrf_token };
  const org = await api.post('/api/admin/v1/orgs', { data: { slug: `sso-${suffix}`, name: orgName }, headers });
  expect(org.status()).toBe(201);

  const adminPage = await (await browser.newContext()).newPage();
  const adminErrors = watchErrors(adminPage);
  await signIn(adminPage, admin.email, admin.password, '/login?next=/admin/sso');
  await expect(adminPage).toHaveURL(/\/admin\/sso$/);
  await adminPage.getByLabel('Display name').fill(`E2E IdP ${suffix}`);
  await adminPage.getByLabel('Name in URLs').fill(`e2e-${suffix}`);
  await adminPage.getByLabel('Issuer URL').fill(issuer);
  await adminPage.getByLabel('Client id').fill(CLIENT_ID);
  await adminPage.getByLabel('Client secret').fill(CLIENT_SECRET);
  await adminPage.getByLabel('New users join').selectOption({ label: orgName });
  await adminPage.getByLabel('with the role').selectOption('publisher');
  await adminPage.getByRole('button', { name: 'Register provider' }).click();
  const row = adminPage.getByTestId('sso-row').filter({ hasText: `E2E IdP ${suffix}` });
  await expect(row).toContainText(`/auth/sso/e2e-${suffix}/callback`);
  await expect(row).toContainText('active');
  await expect(adminPage.locator('body')).not.toContainText(CLIENT_SECRET);
  expect(adminErrors).toEqual([]);

  const page = await (await browser.newContext()).newPage();
  const errors = watchErrors(page);
  await open(page, '/login?next=/publisher');
  await page.getByRole('link', { name: `Sign in with E2E IdP ${suffix}` }).click();
  await expect(page).toHaveURL(/\/publisher$/);
  await expect(page.getByTestId('account-link')).toHaveText(userEmail);
  expect(errors).toEqual([]);

  // A callback this browser did not start is refused with a message, not an error page.
  const stranger = await (await browser.newContext()).newPage();
  await open(stranger, `/auth/sso/e2e-${suffix}/callback?code=stolen&state=forged`);
  await expect(stranger).toHaveURL(/\/login\?sso_error=state_mismatch$/);
  await expect(stranger.getByTestId('sso-error')).toContainText('could not be matched to this browser');
});
