// The heart of Portico, end to end in the browser: a publisher imports an OpenAPI
// document, deploys and publishes the API; a consumer creates an application in the
// portal, subscribes and gets a key; a request with that key through the gateway
// returns the upstream's answer.
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { expect, Page, request, test } from '@playwright/test';
import { adminApi, open, PASSWORD, signIn, uniqueEmail } from './helpers';

const gatewayURL = process.env.PORTICO_E2E_GATEWAY_URL ?? 'http://127.0.0.1:8000';

// The upstream service: echoes what it received.
let upstream: Server;
let upstreamURL: string;
test.beforeAll(async () => {
  upstream = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ pets: ['Rex', 'Tom'], path: req.url, application: req.headers['x-application-id'] ?? null }));
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  upstreamURL = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
});
test.afterAll(() => upstream?.close());

const document = (title: string) => JSON.stringify({
  openapi: '3.0.3',
  info: { title, version: '1.0' },
  paths: {
    '/pets': {
      get: {
        summary: 'List pets',
        security: [{ key: [] }],
        responses: { '200': { description: 'The pets' } },
      },
    },
  },
  components: { securitySchemes: { key: { type: 'apiKey', in: 'header', name: 'X-API-Key' } } },
}, null, 2);

/** A user in a new organization of `kind`, made through the admin REST API. */
async function userInNewOrg(baseURL: string, kind: 'provider' | 'consumer', role: string) {
  const api = await adminApi(baseURL);
  const headers = { 'x-csrf-token': (await (await api.get('/api/auth/session')).json()).csrf_token };
  const slug = `${kind}-${Date.now() % 1_000_000}-${Math.floor(Math.random() * 1000)}`;
  const org = await api.post('/api/admin/v1/orgs', { data: { slug, name: `Org ${slug}`, kind }, headers });
  expect(org.status()).toBe(201);
  const email = uniqueEmail(role);
  const user = await api.post('/api/admin/v1/users', {
    data: { email, display_name: `E2E ${role}`, password: PASSWORD, org_id: (await org.json()).id, role },
    headers,
  });
  expect(user.status()).toBe(201);
  return email;
}

/** Uncaught errors and panics of a page (a failed hydration shows up here). */
function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`${page.url()}: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(`${page.url()}: ${m.text()}`.slice(0, 600));
  });
  return errors;
}

test('publish an API, subscribe in the portal, call it through the gateway with the key', async ({ browser, baseURL }) => {
  const suffix = `${Date.now() % 1_000_000}`;
  const context = `/pets-${suffix}`;
  const title = `Pet Store ${suffix}`;

  // Publisher: import (a broken document first), deploy, publish.
  const publisher = await (await browser.newContext()).newPage();
  const pageErrors = watchErrors(publisher);
  await signIn(publisher, await userInNewOrg(baseURL!, 'provider', 'publisher'), PASSWORD, '/login?next=/publisher');
  await publisher.getByRole('link', { name: 'Create API' }).click();
  await expect(publisher.locator('body[data-hydrated="true"]')).toHaveCount(1);
  await publisher.getByLabel('OpenAPI document').fill('{"openapi": "3.0.3", "info": {"title": "x", "version": "1"}, "paths": {"/pets": {"get": {"responses": "none"}}}}');
  await publisher.getByLabel('Context path').fill(context);
  await publisher.getByLabel('Production endpoint').fill(upstreamURL);
  await publisher.getByRole('button', { name: 'Create API' }).click();
  await expect(publisher.getByTestId('spec-errors')).toContainText('spec/paths/~1pets/get/responses');

  await publisher.getByLabel('OpenAPI document').fill(document(title));
  await publisher.getByRole('button', { name: 'Create API' }).click();
  await expect(publisher).toHaveURL(/\/publisher\/apis\/[0-9a-f-]{36}$/);
  await expect(publisher.getByRole('heading', { name: title })).toBeVisible();
  await expect(publisher.getByTestId('api-state')).toContainText('created');

  await publisher.getByRole('link', { name: 'Deployments' }).click();
  await publisher.getByLabel('Revision description').fill('First cut');
  await publisher.getByRole('button', { name: 'Create revision' }).click();
  await expect(publisher.getByRole('row').filter({ hasText: 'First cut' })).toBeVisible();
  await publisher.getByRole('button', { name: 'Deploy to production' }).click();
  await expect(publisher.getByTestId('environment-production')).toContainText('revision 1 since');

  await publisher.getByRole('link', { name: 'Lifecycle' }).click();
  await publisher.getByLabel('New state').selectOption('published');
  await publisher.getByLabel('Reason').fill('Launch');
  await publisher.getByRole('button', { name: 'Change state' }).click();
  await expect(publisher.getByTestId('api-state')).toContainText('published');
  await expect(publisher.getByTestId('lifecycle-event').first()).toContainText('Launch');

  // Consumer: application, subscription, key.
  const consumer = await (await browser.newContext()).newPage();
  const consumerErrors = watchErrors(consumer);
  await signIn(consumer, await userInNewOrg(baseURL!, 'consumer', 'consumer'), PASSWORD);
  await open(consumer, '/portal/applications');
  const appName = `Journey App ${suffix}`;
  await consumer.getByLabel('Application name').fill(appName);
  await consumer.getByRole('button', { name: 'Create application' }).click();
  await expect(consumer.getByRole('status').filter({ hasText: 'Application created' })).toBeVisible();
  const appLink = consumer.getByTestId('application-row').filter({ hasText: appName }).getByRole('link', { name: appName });
  const applicationId = (await appLink.getAttribute('href'))!.split('/').pop();

  await open(consumer, '/portal/apis');
  await consumer.getByTestId('catalog-card').filter({ hasText: title }).getByTestId('catalog-card-link').click();
  await expect(consumer).toHaveURL(/\/portal\/apis\/[0-9a-f-]{36}$/);
  await expect(consumer.locator('body[data-hydrated="true"]')).toHaveCount(1);
  await expect(consumer.getByTestId('operation-row')).toContainText('/pets');
  await consumer.getByLabel('Application', { exact: true }).selectOption({ label: appName });
  await consumer.getByRole('button', { name: 'Subscribe', exact: true }).click();
  await consumer.getByTestId('subscribed').getByRole('link').click();
  await expect(consumer).toHaveURL(new RegExp(`/portal/applications/${applicationId}$`));
  await expect(consumer.getByTestId('subscription-row')).toContainText(title);
  await expect(consumer.locator('body[data-hydrated="true"]')).toHaveCount(1);
  await consumer.getByTestId('keys').getByLabel('Environment').selectOption('production');
  await consumer.getByRole('button', { name: 'Create key' }).click();
  const key = (await consumer.getByTestId('new-api-key').textContent())!.trim();
  expect(key).toMatch(/^pk_live_/);
  // Opened directly, the application page lists the key but never shows its secret again.
  await open(consumer, `/portal/applications/${applicationId}`);
  await expect(consumer.getByTestId('key-row')).toContainText(key.slice(-4));
  await expect(consumer.locator('body')).not.toContainText(key);

  // The call through the gateway (the new configuration reaches it within moments).
  const gateway = await request.newContext({ baseURL: gatewayURL });
  await expect(async () => {
    const answer = await gateway.get(`${context}/v1/pets`, { headers: { 'X-API-Key': key } });
    expect(answer.status()).toBe(200);
    const body = await answer.json();
    expect(body.pets).toEqual(['Rex', 'Tom']);
    expect(body.path).toBe('/pets');
    expect(body.application).toBe(applicationId);
  }).toPass({ timeout: 15_000 });
  const refused = await gateway.get(`${context}/v1/pets`);
  expect(refused.status()).toBe(401);
  expect((await refused.json()).request_id).toBeTruthy();

  // The publisher blocks the subscription: the key stops working, then works again.
  await publisher.getByRole('link', { name: 'Subscribers' }).click();
  const subscriber = publisher.getByTestId('subscriber-row').filter({ hasText: appName });
  await subscriber.getByRole('button', { name: 'Block' }).click();
  await expect(subscriber).toContainText('blocked');
  await expect(async () => {
    expect((await gateway.get(`${context}/v1/pets`, { headers: { 'X-API-Key': key } })).status()).toBe(403);
  }).toPass({ timeout: 15_000 });
  await subscriber.getByRole('button', { name: 'Unblock' }).click();
  await expect(subscriber).toContainText('active');
  await expect(async () => {
    expect((await gateway.get(`${context}/v1/pets`, { headers: { 'X-API-Key': key } })).status()).toBe(200);
  }).toPass({ timeout: 15_000 });

  // A tab opened directly (server-rendered, then hydrated) works as well.
  await open(publisher, `${new URL(publisher.url()).pathname}?tab=deployments`);
  await publisher.getByLabel('Revision description').fill('Second cut');
  await publisher.getByRole('button', { name: 'Create revision' }).click();
  await expect(publisher.getByRole('row').filter({ hasText: 'Second cut' })).toContainText('2');
  expect(pageErrors).toEqual([]);
  expect(consumerErrors).toEqual([]);
});

test('a large document uploaded as a file shows progress; the runtime form names bad lines; a second version becomes the default', async ({ page, baseURL }) => {
  const suffix = `${Date.now() % 1_000_000}`;
  const paths = Array.from({ length: 1000 }, (_, i) =>
    `  /items${i}/{id}:\n    get:\n      summary: Item ${i}\n      parameters:\n        - {name: id, in: path, required: true, schema: {type: string}}\n      responses:\n        '200': {description: ok}\n`).join('');
  const yaml = `openapi: 3.1.0\ninfo:\n  title: Big ${suffix}\n  version: '1'\npaths:\n${paths}`;

  const errors = watchErrors(page);
  await signIn(page, await userInNewOrg(baseURL!, 'provider', 'publisher'), PASSWORD);
  await open(page, '/publisher/apis/new');
  // Hold the server's answer back so the progress can be seen.
  await page.route('**/api/publisher/v1/apis/import', async (route) => {
    const response = await route.fetch();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await route.fulfill({ response });
  });
  await page.getByLabel('Upload a file').check();
  await page.getByLabel('OpenAPI file').setInputFiles({ name: 'big.yaml', mimeType: 'application/yaml', buffer: Buffer.from(yaml) });
  await page.getByLabel('Context path').fill(`/big-${suffix}`);
  await page.getByRole('button', { name: 'Create API' }).click();
  await expect(page.getByTestId('import-progress')).toBeVisible();
  await expect(page).toHaveURL(/\/publisher\/apis\/[0-9a-f-]{36}$/);
  await expect(page.getByText('1000 operations')).toBeVisible();

  await page.getByRole('link', { name: 'Runtime' }).click();
  await page.getByLabel('Production endpoints').fill('http://10.0.0.1:8080\nhttp://10.0.0.2:8080 heavy');
  await page.getByRole('button', { name: 'Save runtime' }).click();
  await expect(page.locator('[data-field-error="production"]')).toContainText('Line 2');
  await page.getByLabel('Production endpoints').fill('http://10.0.0.1:8080\nhttp://10.0.0.2:8080 3');
  await page.getByLabel('Load balancing').selectOption('weighted');
  await page.getByRole('button', { name: 'Save runtime' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Runtime saved' })).toBeVisible();
  await page.reload();
  await expect(page.getByLabel('Production endpoints')).toHaveValue('http://10.0.0.1:8080\nhttp://10.0.0.2:8080 3');
  await expect(page.getByLabel('Load balancing')).toHaveValue('weighted');

  // A second version, copied from the first, becomes the default.
  const v1 = page.url().split('?')[0];
  await page.getByRole('link', { name: 'Lifecycle' }).click();
  await page.getByLabel('New version').fill('v2');
  await page.getByRole('button', { name: 'Create version' }).click();
  await expect(page).not.toHaveURL(new RegExp(`^${v1}`));
  await expect(page.getByText('1000 operations')).toBeVisible();
  await page.getByRole('row').filter({ hasText: 'v2' }).getByRole('button', { name: 'Make default' }).click();
  await expect(page.getByRole('row').filter({ hasText: 'v2' })).toContainText('default version');
  await expect(page.getByRole('row').filter({ hasText: 'v1' }).getByRole('button', { name: 'Make default' })).toBeVisible();
  expect(errors).toEqual([]);
});
