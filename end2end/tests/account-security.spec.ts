// Password reset and sessions in the browser: "Forgot password?" mails a link, the link
// sets a new password and signs every session out; the account page lists the user's
// sessions, ends another one, and "Log out everywhere" ends them all.
import { expect, Page, test } from '@playwright/test';
import { adminApi, mailedLink, open, PASSWORD, signIn, uniqueEmail } from './helpers';

const NEW_PASSWORD = 'a brand new passphrase';

function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`${page.url()}: ${e.message}`));
  return errors;
}

test('a forgotten password is reset by e-mail and every session ends', async ({ browser, baseURL }) => {
  const api = await adminApi(baseURL!);
  const headers = { 'x-csrf-token': (await (await api.get('/api/auth/session')).json()).csrf_token };
  const email = uniqueEmail('reset');
  const user = await api.post('/api/admin/v1/users', { data: { email, display_name: 'Reset Me', password: PASSWORD }, headers });
  expect(user.status()).toBe(201);

  const elsewhere = await (await browser.newContext()).newPage();
  await signIn(elsewhere, email, PASSWORD);

  const page = await (await browser.newContext()).newPage();
  const errors = watchErrors(page);
  await open(page, '/login');
  await page.getByRole('link', { name: 'Forgot password?' }).click();
  await expect(page).toHaveURL(/\/forgot-password$/);
  await expect(page.locator('body[data-hydrated="true"]')).toHaveCount(1);
  await page.getByLabel('E-mail').fill(email);
  await page.getByRole('button', { name: 'Send reset link' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'If an active account uses this address' })).toBeVisible();

  await open(page, await mailedLink(api, email, '/reset-password?token='));
  await page.getByLabel('New password').fill('short');
  await page.getByRole('button', { name: 'Set new password' }).click();
  await expect(page.locator('[data-field-error="password"]')).toContainText('at least 12');
  await page.getByLabel('New password').fill(NEW_PASSWORD);
  await page.getByRole('button', { name: 'Set new password' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'every session of your account has been signed out' })).toBeVisible();
  expect(errors).toEqual([]);

  await elsewhere.goto('/account');
  await expect(elsewhere).toHaveURL(/\/login\?next=/);
  await signIn(page, email, NEW_PASSWORD);
});

test('the account page lists sessions, ends one, and logs out everywhere', async ({ browser, baseURL }) => {
  const api = await adminApi(baseURL!);
  const headers = { 'x-csrf-token': (await (await api.get('/api/auth/session')).json()).csrf_token };
  const email = uniqueEmail('sessions');
  expect((await api.post('/api/admin/v1/users', { data: { email, display_name: 'Many Browsers', password: PASSWORD }, headers })).status()).toBe(201);

  const other = await (await browser.newContext()).newPage();
  await signIn(other, email, PASSWORD);
  const third = await (await browser.newContext()).newPage();
  await signIn(third, email, PASSWORD);
  const page = await (await browser.newContext()).newPage();
  const errors = watchErrors(page);
  await signIn(page, email, PASSWORD, '/login?next=/account');
  await expect(page).toHaveURL(/\/account$/);
  const rows = page.getByTestId('session-row');
  await expect(rows).toHaveCount(3);
  await expect(rows.filter({ hasText: 'this browser' })).toHaveCount(1);

  await rows.filter({ hasNotText: 'this browser' }).first().getByRole('button', { name: 'End' }).click();
  await expect(rows).toHaveCount(2);

  await page.getByLabel('Also revoke all my personal access tokens').check();
  await page.getByRole('button', { name: 'Log out everywhere' }).click();
  await expect(page).toHaveURL(/\/login/);
  for (const signedOut of [other, third]) {
    await signedOut.goto('/account');
    await expect(signedOut).toHaveURL(/\/login\?next=/);
  }
  expect(errors).toEqual([]);
});
