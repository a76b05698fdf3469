// Analytics end to end: calls through the co-located gateway (successes, refused keys
// and throttled calls) show on the publisher's Analytics tab as figures and non-empty
// SVG charts (traffic, latency, statuses, top applications) with the operations table
// and a CSV export; the range picker changes the window; the consumer sees its
// subscription's use of its tier on the application page.
import { expect, test } from '@playwright/test';
import { admin, open, PASSWORD, signIn } from './helpers';
import { gatewayURL, publishApi, Rest, startServer, suffix, userInNewOrg, watchErrors } from './identity-helpers';

let upstream: Awaited<ReturnType<typeof startServer>>;
test.beforeAll(async () => {
  upstream = await startServer(() => ({ ok: true }));
});
test.afterAll(() => upstream?.close());

test('the publisher dashboard and the consumer usage show the gateway traffic', async ({ browser, page, baseURL, request }) => {
  const id = suffix();
  const errors = watchErrors(page);
  const operations = [{ method: 'GET', path: '/items' }];
  const api = await publishApi(baseURL!, `Measured ${id}`, upstream.url, { operations });
  const consumer = await userInNewOrg(baseURL!, 'consumer', 'consumer');
  const session = await Rest.signIn(baseURL!, consumer.email, PASSWORD);
  const app = await session.send('POST', '/api/portal/v1/applications', { org_id: consumer.orgId, name: `Meter ${id}` });
  await session.send('POST', `/api/portal/v1/applications/${app.id}/subscriptions`, { api_id: api.id, tier: 'Bronze' });
  const key = await session.send('POST', `/api/portal/v1/applications/${app.id}/keys`, { environment: 'production' });
  const call = (apiKey: string) => request.get(`${gatewayURL}${api.path}/items`, { headers: { 'x-api-key': apiKey } });
  await expect(async () => expect((await call(key.secret)).status()).toBe(200)).toPass({ timeout: 15_000 });
  for (let i = 0; i < 5; i++) expect((await call(key.secret)).status()).toBe(200);
  for (let i = 0; i < 3; i++) expect((await call('not-a-real-key')).status()).toBe(401);

  await signIn(page, admin.email, admin.password, '/login?next=/publisher');
  await expect(async () => {
    await open(page, `/publisher/apis/${api.id}?tab=analytics`);
    await expect(page.getByTestId('figure-requests')).not.toHaveText('0', { timeout: 1_000 });
  }).toPass({ timeout: 20_000 });
  // At least the 3 refused calls (calls made before the deploy reached the gateway may add some).
  await expect(page.getByTestId('figure-errors')).toHaveText(/^([3-9]|\d{2,})$/);
  const traffic = page.getByTestId('chart-traffic');
  await expect(traffic.locator('svg path').first()).toHaveAttribute('d', /M[\d.]+,[\d.]+/);
  await expect(traffic.locator('svg')).toHaveAttribute('aria-label', /calls: peak [1-9]/);
  await expect(page.getByTestId('chart-latency').locator('svg circle').first()).toBeVisible();
  await expect(page.getByTestId('chart-statuses')).toContainText('200');
  await expect(page.getByTestId('chart-statuses')).toContainText('401');
  await expect(page.getByTestId('chart-applications')).toContainText(`Meter ${id}`);
  await expect(page.getByRole('table')).toContainText('GET /items');
  const csv = await page.request.get((await page.getByTestId('export-series').getAttribute('href'))!);
  expect(csv.headers()['content-type']).toContain('text/csv');
  expect(await csv.text()).toMatch(/^time,requests,/);
  await page.getByRole('link', { name: 'Last 7 days' }).click();
  await expect(page).toHaveURL(/range=7d/);
  await expect(page.getByRole('link', { name: 'Last 7 days' })).toHaveAttribute('aria-current', 'page');
  await expect(page.getByTestId('figure-requests')).not.toHaveText('0');

  // The consumer sees its subscription's use against the Bronze tier.
  const consumerPage = await browser.newPage();
  const consumerErrors = watchErrors(consumerPage);
  await signIn(consumerPage, consumer.email, PASSWORD, `/login?next=/portal/applications/${app.id}`);
  const usage = consumerPage.getByTestId('usage-row').filter({ hasText: `Measured ${id}` });
  await expect(usage).toContainText('Bronze');
  await expect(usage).toContainText(/[1-9]\d* of 1000 per 60 s/);
  await expect(usage).toContainText(/[1-9]\d* today \(no quota\)/);
  await expect(consumerPage.getByTestId('usage').getByTestId('chart-traffic')).toBeVisible();
  expect(errors).toEqual([]);
  expect(consumerErrors).toEqual([]);
});
