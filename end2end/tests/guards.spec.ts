// Guards: anonymous visitors are sent to sign in; a consumer is refused the admin area.
import { expect, test } from '@playwright/test';
import { adminApi, open, PASSWORD, signIn, uniqueEmail } from './helpers';

test('an anonymous visitor opening /admin is sent to sign in', async ({ page }) => {
  await page.goto('/admin/users');
  await expect(page).toHaveURL(/\/login\?next=%2Fadmin%2Fusers|\/login\?next=\/admin\/users/);
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
});

test('a consumer opening /admin gets a 403 page', async ({ page, baseURL }) => {
  const api = await adminApi(baseURL!);
  const orgs = await (await api.get('/api/admin/v1/orgs?q=default')).json();
  const email = uniqueEmail('reader');
  const created = await api.post('/api/admin/v1/users', {
    data: { email, display_name: 'Riley Reader', password: PASSWORD, org_id: orgs.items[0].id, role: 'consumer' },
    headers: { 'x-csrf-token': (await (await api.get('/api/auth/session')).json()).csrf_token },
  });
  expect(created.status()).toBe(201);

  await signIn(page, email, PASSWORD);
  const response = await page.goto('/admin');
  expect(response?.status()).toBe(403);
  await expect(page.getByTestId('forbidden')).toContainText('does not have access to the admin area');
  await open(page, '/portal');
  await expect(page.getByRole('link', { name: 'Admin' })).toHaveCount(0);
});
