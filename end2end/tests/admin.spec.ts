// Admin journey: the platform admin signs in, creates an organization and a user in it;
// that user signs in and reaches the publisher console.
import { expect, test } from '@playwright/test';
import { admin, open, PASSWORD, signIn, uniqueEmail } from './helpers';

test('the platform admin creates an organization and a user who then signs in', async ({ page }) => {
  const slug = `acme-${Date.now() % 1_000_000}`;
  const email = uniqueEmail('publisher');

  await signIn(page, admin.email, admin.password, '/login?next=/admin/orgs');
  await expect(page).toHaveURL(/\/admin\/orgs$/);
  await page.getByRole('button', { name: 'New organization' }).click();
  await page.getByLabel('Name').fill('Acme Corp');
  await page.getByLabel('Slug').fill('Not A Slug!');
  await page.getByRole('button', { name: 'Create organization' }).click();
  await expect(page.locator('[data-field-error="slug"]')).toContainText('lower-case');
  await page.getByLabel('Slug').fill(slug);
  await page.getByRole('button', { name: 'Create organization' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Organization created' })).toBeVisible();
  await expect(page.getByTestId('org-row').filter({ hasText: slug })).toBeVisible();

  await open(page, '/admin/users');
  await page.getByRole('button', { name: 'New user' }).click();
  await page.getByLabel('Name', { exact: true }).fill('Pat Publisher');
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Initial password').fill(PASSWORD);
  await page.getByLabel('Organization', { exact: true }).selectOption({ label: 'Acme Corp' });
  await page.getByLabel('Role in the organization').selectOption('publisher');
  await page.getByRole('button', { name: 'Create user' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'User created' })).toBeVisible();
  await expect(page.getByTestId('user-row').filter({ hasText: email })).toContainText('Acme Corp (publisher)');

  await open(page, '/admin/audit?action=org.create');
  await expect(page.getByTestId('audit-row').filter({ hasText: admin.email }).first()).toContainText('org.create');

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sign in' })).toBeVisible();

  await signIn(page, email, PASSWORD, '/login?next=/publisher');
  await expect(page).toHaveURL(/\/publisher$/);
  await expect(page.getByRole('heading', { name: 'APIs', exact: true })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Create API' })).toBeVisible();
});
