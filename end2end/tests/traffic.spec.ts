// Traffic control end to end: the platform admin defines a tier in the tier editor (a
// zero rate is refused on its field) and edits its burst; a consumer sees what the tier
// allows when subscribing and on the application page, and the gateway refuses the call
// above it with 429, Retry-After and the RateLimit headers; the API's own limits are set
// on the publisher's Runtime tab (an invalid one refused on its field) and reach the
// gateway's responses; the consumer sets the application's tier on its page.
import { expect, test } from '@playwright/test';
import { admin, open, PASSWORD, signIn } from './helpers';
import { gatewayURL, publishApi, Rest, startServer, suffix, userInNewOrg, watchErrors } from './identity-helpers';

let upstream: Awaited<ReturnType<typeof startServer>>;
test.beforeAll(async () => {
  upstream = await startServer(() => ({ ok: true }));
});
test.afterAll(() => upstream?.close());

test('tiers and API limits are set in the UI and enforced by the gateway', async ({ browser, page, baseURL, request }) => {
  const id = suffix();
  const tier = `Trial ${id}`;
  const errors = watchErrors(page);

  await signIn(page, admin.email, admin.password, '/login?next=/admin/tiers');
  await expect(page.getByTestId('tier-row').filter({ hasText: 'Gold' })).toContainText('5,000 requests / minute');
  await page.getByLabel('Name', { exact: true }).fill(tier);
  await page.getByLabel('Requests per period').fill('0');
  await page.getByRole('button', { name: 'Add tier' }).click();
  await expect(page.locator('[data-field-error="rate_limit"]')).toContainText('at least 1 request');
  await page.getByLabel('Requests per period').fill('2');
  await page.getByRole('button', { name: 'Add tier' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Tier saved' })).toBeVisible();
  const row = page.getByTestId('tier-row').filter({ hasText: tier });
  await expect(row).toContainText('2 requests / minute');
  await row.getByRole('link', { name: 'Edit' }).click();
  await expect(page.getByRole('heading', { name: `Edit ${tier}` })).toBeVisible();
  await page.getByLabel('Burst').fill('1');
  await page.getByRole('button', { name: 'Save tier' }).click();
  await expect(row).toContainText('2 requests / minute (bursts of 1)');

  // The API's own limits, on the publisher's Runtime tab.
  const api = await publishApi(baseURL!, `Limited ${id}`, upstream.url, {});
  await open(page, `/publisher/apis/${api.id}?tab=runtime`);
  const traffic = page.getByRole('region', { name: 'Traffic limits' });
  await traffic.getByLabel('API limits').fill('ip 0/1m');
  await traffic.getByRole('button', { name: 'Save traffic limits' }).click();
  await expect(traffic.locator('[data-field-error="limits"]')).toContainText('at least 1 request');
  await traffic.getByLabel('API limits').fill('ip 100/1m');
  await traffic.getByRole('button', { name: 'Save traffic limits' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Traffic limits saved' })).toBeVisible();
  const rest = await Rest.admin(baseURL!);
  const revision = await rest.send('POST', `/api/publisher/v1/apis/${api.id}/revisions`, { description: 'limits' });
  await rest.send('PUT', `/api/publisher/v1/apis/${api.id}/deployments/production`, { revision_id: revision.id });

  // A consumer subscribes with the tier, seeing what it allows.
  const consumer = await userInNewOrg(baseURL!, 'consumer', 'consumer');
  const session = await Rest.signIn(baseURL!, consumer.email, PASSWORD);
  const app = await session.send('POST', '/api/portal/v1/applications', { org_id: consumer.orgId, name: `App ${id}` });
  const key = await session.send('POST', `/api/portal/v1/applications/${app.id}/keys`, { environment: 'production' });
  const consumerPage = await browser.newPage();
  await signIn(consumerPage, consumer.email, PASSWORD, `/login?next=/portal/apis/${api.id}`);
  await consumerPage.getByLabel('Application', { exact: true }).selectOption({ label: `App ${id}` });
  await consumerPage.getByLabel('Tier').selectOption({ label: `${tier} — 2 requests / minute (bursts of 1)` });
  await consumerPage.getByRole('button', { name: 'Subscribe', exact: true }).click();
  await expect(consumerPage.getByTestId('subscribed')).toBeVisible();
  await open(consumerPage, `/portal/applications/${app.id}`);
  await expect(consumerPage.getByTestId('subscription-limits')).toHaveText('2 requests / minute (bursts of 1)');
  // The application tier: one limit across all the application's APIs.
  await consumerPage.getByLabel('Application tier').selectOption(tier);
  await expect(consumerPage.getByRole('status').filter({ hasText: 'Application tier saved' })).toBeVisible();
  expect((await session.send('GET', `/api/portal/v1/applications/${app.id}`)).tier).toBe(tier);

  // The gateway admits the burst, then refuses with the limit's headers.
  const call = () => request.get(`${gatewayURL}${api.path}/pets`, { headers: { 'x-api-key': key.secret } });
  await expect(async () => expect((await call()).status()).toBe(200)).toPass({ timeout: 15_000 });
  const refused = await call();
  expect(refused.status()).toBe(429);
  expect((await refused.json()).error).toBe('rate_limited');
  expect(Number(refused.headers()['retry-after'])).toBeGreaterThan(0);
  expect(refused.headers()['ratelimit-policy']).toBe(`"${tier}";q=2;w=60`);
  expect(refused.headers()['ratelimit']).toMatch(new RegExp(`^"${tier}";r=0;t=\\d+$`));
  expect(errors).toEqual([]);
  await consumerPage.close();
});
