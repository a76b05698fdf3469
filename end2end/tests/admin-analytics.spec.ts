// The admin dashboard end to end: after calls through the co-located gateway, a platform
// administrator sees the platform's figures and charts, the calls per tenant with the
// API's organization, picks that organization, follows the range picker, exports CSV,
// and sees gateway health (the node's shipping, the environment's configuration).
import { expect, test } from '@playwright/test';
import { admin, open, signIn } from './helpers';
import { gatewayURL, publishApi, Rest, startServer, suffix, watchErrors } from './identity-helpers';

test('the admin dashboard shows tenants, their traffic and the gateways health', async ({ page, baseURL, request }) => {
  const upstream = await startServer(() => ({ ok: true }));
  try {
    const id = suffix();
    const errors = watchErrors(page);
    const api = await publishApi(baseURL!, `Platform ${id}`, upstream.url, { auth: 'none' });
    const call = () => request.get(`${gatewayURL}${api.path}/things`);
    await expect(async () => expect((await call()).status()).toBe(200)).toPass({ timeout: 15_000 });
    for (let i = 0; i < 4; i++) expect((await call()).status()).toBe(200);
    const rest = await Rest.admin(baseURL!);
    const orgId = (await rest.send('GET', `/api/publisher/v1/apis/${api.id}`)).org_id as string;
    const orgName = (await rest.send('GET', `/api/admin/v1/orgs/${orgId}`)).name as string;

    await signIn(page, admin.email, admin.password, '/login?next=/admin/analytics');
    await expect(async () => {
      await open(page, '/admin/analytics');
      await expect(page.getByTestId('chart-tenants')).toContainText(orgName, { timeout: 1_000 });
    }).toPass({ timeout: 20_000 });
    await expect(page.getByTestId('figure-requests')).not.toHaveText('0');
    await expect(page.getByTestId('chart-traffic').locator('svg path').first()).toHaveAttribute('d', /M[\d.]+,[\d.]+/);
    await expect(page.getByRole('table').first()).toContainText(orgName);
    await expect(page.getByTestId('environment-health').filter({ hasText: 'production' })).toBeVisible();
    await expect(page.getByTestId('node-health').filter({ hasText: 'co-located' })).toContainText(/\d/);

    // One tenant: only its API.
    await page.getByLabel('Organization').selectOption({ label: orgName });
    await expect(page).toHaveURL(new RegExp(`org=${orgId}`));
    await expect(page.getByTestId('figure-requests')).toHaveText(/^([5-9]|\d{2,})$/);
    await expect(page.getByRole('table').nth(1)).toContainText(`Platform ${id} v1`);
    const csv = await page.request.get((await page.getByTestId('admin-export-series').getAttribute('href'))!);
    expect(csv.headers()['content-type']).toContain('text/csv');
    expect(await csv.text()).toMatch(/^time,requests,/);
    await page.getByRole('link', { name: 'Last 7 days' }).click();
    await expect(page).toHaveURL(new RegExp(`org=${orgId}&range=7d`));
    await expect(page.getByTestId('figure-requests')).not.toHaveText('0');
    expect(errors).toEqual([]);
  } finally {
    await upstream.close();
  }
});
