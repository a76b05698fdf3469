// Response caching end to end: the publisher turns caching on in the Runtime tab's
// "Response caching" section (a TTL out of range is refused on its field), lets one
// operation opt out in the Operations table, deploys, and the gateway answers MISS then
// HIT (and nothing for the opted-out operation); "Purge cache" drops the entries on the
// gateway, whose next answer is a MISS again.
import { expect, test } from '@playwright/test';
import { admin, open, signIn } from './helpers';
import { gatewayURL, publishApi, Rest, startServer, suffix, watchErrors } from './identity-helpers';

let upstream: Awaited<ReturnType<typeof startServer>>;
let served = 0;
test.beforeAll(async () => {
  upstream = await startServer(() => ({ served: ++served }));
});
test.afterAll(() => upstream?.close());

test('a publisher caches responses and purges them from the Runtime tab', async ({ page, baseURL, request }) => {
  const id = suffix();
  const errors = watchErrors(page);
  const operations = [{ method: 'GET', path: '/items' }, { method: 'GET', path: '/live' }];
  const api = await publishApi(baseURL!, `Cached ${id}`, upstream.url, { auth: 'none', operations });
  await signIn(page, admin.email, admin.password, '/login?next=/publisher');
  await open(page, `/publisher/apis/${api.id}?tab=runtime`);

  const caching = page.getByRole('region', { name: 'Response caching' });
  await caching.getByLabel('Cache responses of this API').check();
  await caching.getByLabel('Time to live (seconds)').fill('0');
  await caching.getByRole('button', { name: 'Save caching' }).click();
  await expect(caching.locator('[data-field-error="ttl"]')).toContainText('1 to 604800');
  await caching.getByLabel('Time to live (seconds)').fill('600');
  await caching.getByRole('button', { name: 'Save caching' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Caching saved' })).toBeVisible();
  await page.getByLabel('Cache of GET /live').fill('2w');
  await page.getByLabel('Cache of GET /live').press('Enter');
  await expect(page.getByRole('alert').or(page.getByRole('status')).filter({ hasText: 'not a duration' })).toBeVisible();
  await page.getByLabel('Cache of GET /live').fill('off');
  await page.getByLabel('Cache of GET /live').press('Enter');
  await expect(page.getByRole('status').filter({ hasText: 'Operation updated' })).toBeVisible();

  const rest = await Rest.admin(baseURL!);
  const revision = await rest.send('POST', `/api/publisher/v1/apis/${api.id}/revisions`, { description: 'cache' });
  await rest.send('PUT', `/api/publisher/v1/apis/${api.id}/deployments/production`, { revision_id: revision.id });
  const call = (path: string) => request.get(`${gatewayURL}${api.path}${path}`);
  await expect(async () => expect((await call('/items')).headers()['x-cache']).toBe('MISS')).toPass({ timeout: 15_000 });
  const hit = await call('/items');
  expect(hit.headers()['x-cache']).toBe('HIT');
  const stored = (await hit.json()).served;
  expect((await (await call('/items')).json()).served).toBe(stored);
  expect((await call('/live')).headers()['x-cache']).toBeUndefined();

  await caching.getByRole('button', { name: 'Purge cache' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Purge' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Cache purged on production' })).toBeVisible();
  await expect(async () => expect((await call('/items')).headers()['x-cache']).toBe('MISS')).toPass({ timeout: 15_000 });
  const fresh = await call('/items');
  expect(fresh.headers()['x-cache']).toBe('HIT');
  expect((await fresh.json()).served).toBeGreaterThan(stored);
  expect(errors).toEqual([]);
});
