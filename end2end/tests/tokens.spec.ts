// Personal access tokens in the UI: created (the secret is shown once), listed, used
// against the REST API, and revoked.
import { expect, request, test } from '@playwright/test';
import { admin, signIn } from './helpers';

test('a user creates, uses and revokes a personal access token', async ({ page, baseURL }) => {
  await signIn(page, admin.email, admin.password, '/login?next=/account');
  await expect(page).toHaveURL(/\/account$/);
  const name = `ci-${Date.now()}`;
  await page.getByLabel('Token name').fill(name);
  await page.getByRole('button', { name: 'Create token' }).click();
  const secret = (await page.getByTestId('new-token').textContent())!.trim();
  expect(secret).toMatch(/^pat_/);
  const row = page.getByRole('row').filter({ hasText: name });
  await expect(row).toContainText('active');
  await expect(row).not.toContainText(secret);

  const api = await request.newContext({ baseURL, extraHTTPHeaders: { authorization: `Bearer ${secret}` } });
  const me = await api.get('/api/me');
  expect(me.status()).toBe(200);
  expect((await me.json()).email).toBe(admin.email);

  await row.getByRole('button', { name: 'Revoke' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Revoke' }).click();
  await expect(page.getByRole('row').filter({ hasText: name })).toContainText('revoked');
  expect((await api.get('/api/me')).status()).toBe(401);
});
