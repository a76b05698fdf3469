// Read-only pages render fully without JavaScript.
import { expect, test } from '@playwright/test';

test('the portal landing page renders without JavaScript', async ({ page }) => {
  const response = await page.goto('/portal');
  expect(response?.status()).toBe(200);
  await expect(page.getByRole('heading', { name: 'Build on our APIs' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Create an account' })).toHaveAttribute('href', '/signup');
  await expect(page.getByRole('link', { name: 'Sign in' }).first()).toBeVisible();
  await expect(page).toHaveTitle(/Portico/);
});

test('the sign-in page renders without JavaScript', async ({ page }) => {
  await page.goto('/login');
  await expect(page.getByLabel('E-mail')).toBeVisible();
  await expect(page.getByLabel('Password')).toBeVisible();
});
