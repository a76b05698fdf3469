// Without JavaScript the application page's credential forms are plain HTML forms: a
// basic-auth credential is created by posting the form, and the page it returns to
// lists it.
import { expect, test } from '@playwright/test';
import { PASSWORD } from './helpers';
import { Rest, suffix, userInNewOrg } from './identity-helpers';

test('a basic-auth credential is created without JavaScript', async ({ browser, baseURL }) => {
  const id = suffix();
  const consumer = await userInNewOrg(baseURL!, 'consumer', 'consumer');
  const rest = await Rest.signIn(baseURL!, consumer.email, PASSWORD);
  const app = await rest.send('POST', '/api/portal/v1/applications', { org_id: consumer.orgId, name: `No JS App ${id}` });

  // The REST session's cookie signs the browser in.
  const context = await browser.newContext({ javaScriptEnabled: false, storageState: await rest.api.storageState() });
  const page = await context.newPage();
  await page.goto(`/portal/applications/${app.id}`);
  const form = page.getByTestId('create-basic-credential');
  await form.locator('select[name="environment"]').selectOption('production');
  await form.getByLabel('Username').fill(`nojs-${id}`);
  await form.getByLabel('Password').fill(`pw-${id}-quiet-harbour`);
  await form.getByRole('button', { name: 'Create credential' }).click();
  await page.goto(`/portal/applications/${app.id}`);
  await expect(page.getByTestId('basic-credential-row')).toContainText(`nojs-${id}`);
  const listed = await rest.send('GET', `/api/portal/v1/applications/${app.id}/basic-credentials`);
  expect(listed.map((c: { username: string }) => c.username)).toEqual([`nojs-${id}`]);
  await context.close();
});
