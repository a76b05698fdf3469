// The identity pages in the browser: the platform admin rotates Portico's signing key and
// turns the password grant on and off (/admin/oauth); registers an external key manager by
// its issuer URL, sees its keys, sees why a refresh failed while its keys are kept, and
// removes it (/admin/key-managers); a publisher defines an API's OAuth2 scopes and binds
// them to operations (Runtime tab).
//
// The key manager is a small OpenID issuer inside this test (discovery and JWKS on
// 127.0.0.1) that can be switched off.
import { generateKeyPairSync } from 'node:crypto';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { APIRequestContext, expect, Page, test } from '@playwright/test';
import { admin, adminApi, open, signIn } from './helpers';

let idp: Server;
let issuer: string;
let idpUp = true;
const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'km-e2e-key', alg: 'ES256', use: 'sig' };

test.beforeAll(async () => {
  idp = createServer((req, res) => {
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (!idpUp) return json(503, { error: 'down for maintenance' });
    if (req.url === '/.well-known/openid-configuration') return json(200, { issuer, jwks_uri: `${issuer}/jwks` });
    if (req.url === '/jwks') return json(200, { keys: [jwk] });
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

async function csrf(api: APIRequestContext): Promise<Record<string, string>> {
  return { 'x-csrf-token': (await (await api.get('/api/auth/session')).json()).csrf_token };
}

test('the admin rotates the signing key and switches the password grant', async ({ page, baseURL }) => {
  const errors = watchErrors(page);
  await signIn(page, admin.email, admin.password, '/login?next=/admin/oauth');
  await expect(page.getByRole('heading', { name: 'OAuth2 provider' })).toBeVisible();
  await expect(page.locator('main')).toContainText(`${baseURL}/oauth2/token`);
  const keys = page.getByTestId('signing-key-row');
  await expect(keys.first()).toContainText('signing');
  const before = await keys.count();
  await page.getByRole('button', { name: 'Rotate now' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'New signing key' })).toBeVisible();
  await expect(keys).toHaveCount(before + 1);
  await expect(keys.first()).toContainText('signing');
  await expect(keys.nth(1)).toContainText('published until');
  const jwks = await (await page.request.get('/oauth2/jwks')).json();
  expect(jwks.keys.length).toBeGreaterThanOrEqual(2);

  const grant = page.getByLabel(/Allow the password grant/);
  await expect(grant).not.toBeChecked();
  await grant.check();
  await page.getByRole('button', { name: 'Save grants' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Password grant turned on.' })).toBeVisible();
  const api = await adminApi(baseURL!);
  expect((await (await api.get('/api/admin/v1/platform-settings')).json()).password_grant).toBe(true);
  await open(page, '/admin/oauth');
  await expect(page.getByLabel(/Allow the password grant/)).toBeChecked();
  await page.getByLabel(/Allow the password grant/).uncheck();
  await page.getByRole('button', { name: 'Save grants' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Password grant turned off.' })).toBeVisible();
  expect((await (await api.get('/api/admin/v1/platform-settings')).json()).password_grant).toBe(false);
  expect(errors).toEqual([]);
});

test('the admin registers a key manager; a failed refresh keeps its keys and says why', async ({ page }) => {
  const errors = watchErrors(page);
  const name = `E2E issuer ${Date.now() % 1_000_000}`;
  await signIn(page, admin.email, admin.password, '/login?next=/admin/key-managers');
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('Issuer or discovery URL').fill('http://127.0.0.1:1/nothing-here');
  await page.getByRole('button', { name: 'Register key manager' }).click();
  await expect(page.locator('[data-field-error="discovery_url"]')).toContainText('discovery document');

  await page.getByLabel('Issuer or discovery URL').fill(issuer);
  await page.getByLabel('Client claim').fill('azp');
  await page.getByRole('button', { name: 'Register key manager' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Key manager registered' })).toBeVisible();
  const row = page.getByTestId('key-manager-row').filter({ hasText: name });
  await expect(row).toContainText(issuer);
  await expect(row).toContainText('km-e2e-key');
  await expect(row).toContainText('azp');
  await expect(row).toContainText('active');

  idpUp = false;
  await row.getByRole('button', { name: 'Refresh keys' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'The refresh failed; the last keys are kept' })).toBeVisible();
  await expect(row.getByTestId('key-manager-error')).toContainText('503');
  await expect(row).toContainText('km-e2e-key');
  idpUp = true;
  await row.getByRole('button', { name: 'Refresh keys' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Keys read again.' })).toBeVisible();
  await expect(row.getByTestId('key-manager-error')).toHaveCount(0);

  await row.getByRole('button', { name: 'Disable' }).click();
  await expect(row).toContainText('disabled');
  await row.getByRole('button', { name: 'Delete' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
  await expect(row).toHaveCount(0);
  expect(errors).toEqual([]);
});

test('a publisher defines scopes and binds them to operations', async ({ page, baseURL }) => {
  const errors = watchErrors(page);
  const suffix = `${Date.now() % 1_000_000}`;
  const api = await adminApi(baseURL!);
  const headers = await csrf(api);
  const org = await api.post('/api/admin/v1/orgs', { data: { slug: `scopes-${suffix}`, name: `Scopes ${suffix}` }, headers });
  expect(org.status()).toBe(201);
  const spec = JSON.stringify({
    openapi: '3.0.3', info: { title: `Scoped ${suffix}`, version: '1' },
    paths: { '/pets': { get: { responses: { '200': { description: 'ok' } } }, post: { responses: { '201': { description: 'made' } } } } },
  });
  const created = await api.post('/api/publisher/v1/apis/import', {
    data: { org_id: (await org.json()).id, context: `/scoped-${suffix}`, version: 'v1', spec }, headers,
  });
  expect(created.status()).toBe(201);
  const id = (await created.json()).id;

  await signIn(page, admin.email, admin.password, `/login?next=/publisher/apis/${id}?tab=runtime`);
  const scopes = page.getByTestId('scopes');
  await scopes.getByLabel('Scope', { exact: true }).fill('not a scope');
  await scopes.getByRole('button', { name: 'Add scope' }).click();
  await expect(scopes.locator('[data-field-error="name"]')).toContainText('printable ASCII');
  await scopes.getByLabel('Scope', { exact: true }).fill('pets:write');
  await scopes.getByLabel('What it allows').fill('Add pets');
  await scopes.getByRole('button', { name: 'Add scope' }).click();
  await expect(page.getByTestId('scope-row').filter({ hasText: 'pets:write' })).toContainText('Add pets');

  await page.getByLabel('Scopes of POST /pets').fill('pets:write');
  await page.getByLabel('Scopes of POST /pets').press('Enter');
  await expect(page.getByRole('status').filter({ hasText: 'Operation updated.' })).toBeVisible();
  await page.getByLabel('Scopes of GET /pets').fill('pets:nothing');
  await page.getByLabel('Scopes of GET /pets').press('Enter');
  await expect(page.getByRole('alert').or(page.getByRole('status')).filter({ hasText: "not one of this API's scopes" })).toBeVisible();
  const operations = async () => (await (await api.get(`/api/publisher/v1/apis/${id}`)).json()).definition.operations;
  const post = (ops: { method: string; scopes?: string[] }[]) => ops.find((o) => o.method === 'POST');
  expect(post(await operations())?.scopes).toEqual(['pets:write']);

  await page.getByTestId('scope-row').filter({ hasText: 'pets:write' }).getByRole('button', { name: 'Remove' }).click();
  await expect(page.getByTestId('scope-row')).toHaveCount(0);
  expect(post(await operations())?.scopes ?? []).toEqual([]);
  expect(errors).toEqual([]);
});
