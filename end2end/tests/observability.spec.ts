// The Runtime tab's observability settings: a publisher stops recording analytics for an
// API and turns WebSocket frame logging on; both are saved into the API's definition (the
// REST API shows them), survive a reload, and after a deploy the API's calls are served
// but not counted.
import { expect, test } from '@playwright/test';
import { admin, open, signIn } from './helpers';
import { gatewayURL, publishApi, Rest, startServer, suffix, watchErrors } from './identity-helpers';

test('a publisher turns analytics off and frame logging on for an API', async ({ page, baseURL, request }) => {
  const upstream = await startServer(() => ({ ok: true }));
  try {
    const id = suffix();
    const errors = watchErrors(page);
    const api = await publishApi(baseURL!, `Quiet ${id}`, upstream.url, { auth: 'none' });
    await signIn(page, admin.email, admin.password, '/login?next=/publisher');
    await open(page, `/publisher/apis/${api.id}?tab=runtime`);
    const section = page.getByRole('region', { name: 'Observability' });
    await expect(section.getByLabel("Record analytics for this API's calls")).toBeChecked();
    await section.getByLabel("Record analytics for this API's calls").uncheck();
    await section.getByLabel('Log WebSocket frames').check();
    await section.getByRole('button', { name: 'Save observability' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Observability saved' })).toBeVisible();

    await open(page, `/publisher/apis/${api.id}?tab=runtime`);
    await expect(section.getByLabel("Record analytics for this API's calls")).not.toBeChecked();
    await expect(section.getByLabel('Log WebSocket frames')).toBeChecked();
    const rest = await Rest.admin(baseURL!);
    const definition = (await rest.send('GET', `/api/publisher/v1/apis/${api.id}`)).definition;
    expect(definition.do_not_track).toBe(true);
    expect(definition.websocket).toEqual({ log_frames: true });

    const revision = await rest.send('POST', `/api/publisher/v1/apis/${api.id}/revisions`, { description: 'quiet' });
    await rest.send('PUT', `/api/publisher/v1/apis/${api.id}/deployments/production`, { revision_id: revision.id });
    // Once the untracked revision serves, its calls leave no trace in analytics.
    const counted = async () => (await rest.send('GET', `/api/publisher/v1/analytics?api_id=${api.id}`)).totals.requests;
    await expect(async () => {
      const before = await counted();
      for (let i = 0; i < 5; i++) expect((await request.get(`${gatewayURL}${api.path}/x`)).status()).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      expect(await counted()).toBe(before);
    }).toPass({ timeout: 30_000 });
    expect(errors).toEqual([]);
  } finally {
    await upstream.close();
  }
});
