// Environments and gateways in the admin UI: the platform admin adds an environment,
// issues a gateway token for it (the secret is shown once), and revokes it; an org admin
// is refused both pages.
import { expect, test } from '@playwright/test';
import { admin, adminApi, open, PASSWORD, signIn, uniqueEmail } from './helpers';

test('the platform admin adds an environment, then issues and revokes a gateway token', async ({ page }) => {
  const env = `e2e-${Date.now() % 1_000_000}-${Math.floor(Math.random() * 1000)}`;
  const tokenName = `dc-${Date.now()}`;

  await signIn(page, admin.email, admin.password, '/login?next=/admin/environments');
  await expect(page).toHaveURL(/\/admin\/environments$/);
  await expect(page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Gateways' })).toBeVisible();
  await expect(page.getByTestId('environment-row').filter({ hasText: 'production' })).toBeVisible();

  await page.getByLabel('Name', { exact: true }).fill('Bad Name!');
  await page.getByLabel('Display name').fill('E2E');
  await page.getByRole('button', { name: 'Add environment' }).click();
  await expect(page.locator('[data-field-error="name"]')).toContainText('lower-case');

  await page.getByLabel('Name', { exact: true }).fill(env);
  await page.getByLabel('Description').fill('Made by the browser tests');
  await page.getByRole('button', { name: 'Add environment' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Environment added' })).toBeVisible();
  await expect(page.getByTestId('environment-row').filter({ hasText: env })).toContainText('v1');

  await open(page, '/admin/gateways');
  await page.getByLabel('Token name').fill(tokenName);
  await page.getByLabel('Environment').selectOption(env);
  await page.getByRole('button', { name: 'Issue token' }).click();
  const secret = (await page.getByTestId('new-gateway-token').textContent())!.trim();
  expect(secret).toMatch(/^gwt_/);
  await expect(page.getByTestId('new-gateway-command')).toHaveText(
    new RegExp(`^portico-gateway --control-plane https?://\\S+ --environment ${env} --token ${secret}$`),
  );
  const row = page.getByTestId('gateway-token-row').filter({ hasText: tokenName });
  await expect(row).toContainText('active');
  await expect(row).toContainText(env);
  await expect(row).not.toContainText(secret);

  await open(page, '/admin/gateways');
  await expect(page.getByTestId('new-gateway-token')).toHaveCount(0);
  await expect(page.locator('body')).not.toContainText(secret);
  await expect(row).toContainText('active');

  await row.getByRole('button', { name: 'Revoke' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Revoke' }).click();
  await expect(row).toContainText('revoked');
  await expect(row.getByRole('button', { name: 'Revoke' })).toHaveCount(0);
});

test('an org admin is refused the environments and gateways pages', async ({ page, baseURL }) => {
  const api = await adminApi(baseURL!);
  const orgs = await (await api.get('/api/admin/v1/orgs?q=default')).json();
  const email = uniqueEmail('org-admin');
  const created = await api.post('/api/admin/v1/users', {
    data: { email, display_name: 'Olive Orgadmin', password: PASSWORD, org_id: orgs.items[0].id, role: 'org_admin' },
    headers: { 'x-csrf-token': (await (await api.get('/api/auth/session')).json()).csrf_token },
  });
  expect(created.status()).toBe(201);

  await signIn(page, email, PASSWORD, '/login?next=/admin');
  await expect(page).toHaveURL(/\/admin$/);
  const nav = page.getByRole('navigation', { name: 'Admin' });
  await expect(nav.getByRole('link', { name: 'Users' })).toBeVisible();
  await expect(nav.getByRole('link', { name: 'Gateways' })).toHaveCount(0);
  await expect(nav.getByRole('link', { name: 'Environments' })).toHaveCount(0);
  for (const path of ['/admin/environments', '/admin/gateways']) {
    const response = await page.goto(path);
    expect(response?.status()).toBe(403);
    await expect(page.getByTestId('forbidden')).toBeVisible();
  }
});
