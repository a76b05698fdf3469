// Consumer journey: sign up → verify the e-mail address → sign in → portal.
import { expect, test } from '@playwright/test';
import { adminApi, mailedLink, open, PASSWORD, signIn, uniqueEmail } from './helpers';

test('a visitor signs up, verifies the address and signs in', async ({ page, baseURL }) => {
  const email = uniqueEmail('consumer');
  await open(page, '/signup');
  await page.getByLabel('Your name').fill('Casey Consumer');
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Password').fill('short');
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.locator('[data-field-error="password"]')).toContainText('at least 12 characters');

  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByTestId('signup-done')).toContainText(email);

  await open(page, '/login');
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toContainText('Verify your e-mail address first');

  const api = await adminApi(baseURL!);
  const link = await mailedLink(api, email, '/verify-email');
  await open(page, link);
  await page.getByRole('button', { name: 'Verify my address' }).click();
  await expect(page.getByRole('status')).toContainText('You can sign in now');

  await signIn(page, email, PASSWORD);
  await expect(page).toHaveURL(/\/portal$/);
  await expect(page.getByTestId('welcome')).toContainText('Welcome back, Casey Consumer');
  await expect(page.getByRole('link', { name: 'Admin' })).toHaveCount(0);
});
