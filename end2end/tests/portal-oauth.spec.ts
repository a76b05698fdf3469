// OAuth2 and basic auth in the developer portal, end to end: a publisher (REST) puts a
// `jwt` API with a scope and a `basic` API in front of an upstream; a consumer reads how
// to call them on their portal pages, subscribes an application, makes a confidential
// OAuth2 client (the secret is shown once), gets tokens — from the token endpoint and as
// test tokens — and calls the gateway: with the scope 200, without it 403
// insufficient_scope; then makes a basic-auth credential in the UI (a short password is
// refused on its field) and calls the basic API with it: 200, a wrong password 401, and
// 401 again once the credential is deleted.
import { APIRequestContext, expect, Page, request, test } from '@playwright/test';
import { open, PASSWORD, signIn } from './helpers';
import { gatewayURL, publishApi, PublishedApi, Rest, startServer, suffix, userInNewOrg, watchErrors } from './identity-helpers';

let upstream: Awaited<ReturnType<typeof startServer>>;
test.beforeAll(async () => {
  upstream = await startServer((req) => ({ pets: ['Rex', 'Tom'], path: req.url, application: req.headers['x-application-id'] ?? null }));
});
test.afterAll(() => upstream?.close());

/** Subscribes application `appName` to `api` from the API's portal page. */
async function subscribe(page: Page, api: PublishedApi, appName: string) {
  await open(page, `/portal/apis/${api.id}`);
  await page.getByLabel('Application', { exact: true }).selectOption({ label: appName });
  await page.getByRole('button', { name: 'Subscribe', exact: true }).click();
  await expect(page.getByTestId('subscribed')).toBeVisible();
}

/** `GET path` at the gateway with `authorization`, retried until it answers `status` (configurations take a moment). */
async function expectGateway(gateway: APIRequestContext, path: string, authorization: string | null, status: number) {
  await expect(async () => {
    const answer = await gateway.get(path, { headers: authorization ? { authorization } : {} });
    expect(answer.status(), await answer.text()).toBe(status);
  }).toPass({ timeout: 15_000 });
}

test('a consumer gets OAuth2 tokens and basic credentials in the portal and calls the gateway with them', async ({ page, baseURL }) => {
  const id = suffix();
  const scoped: PublishedApi = await publishApi(baseURL!, `Pets JWT ${id}`, upstream.url, {
    auth: 'jwt',
    scopes: [{ name: 'pets:read', description: 'Read pets' }],
    operations: [
      { method: 'GET', path: '/pets', scopes: ['pets:read'] },
      { method: 'GET', path: '/status' },
    ],
  });
  const basic = await publishApi(baseURL!, `Pets Basic ${id}`, upstream.url, { auth: 'basic' });

  const errors = watchErrors(page);
  const consumer = await userInNewOrg(baseURL!, 'consumer', 'consumer');
  await signIn(page, consumer.email, PASSWORD);

  // The API pages say how to get and use a token, which operation needs which scope, and how to send a password.
  await open(page, `/portal/apis/${scoped.id}`);
  await expect(page.getByTestId('token-endpoint')).toHaveText(`${baseURL}/oauth2/token`);
  await expect(page.getByTestId('api-token-example')).toContainText('grant_type=client_credentials');
  await expect(page.getByTestId('api-token-example')).toContainText('scope=pets:read');
  await expect(page.getByTestId('api-token-example')).toContainText(`"${baseURL}/oauth2/token"`);
  await expect(page.getByTestId('api-bearer-example')).toContainText(`Authorization: Bearer $ACCESS_TOKEN" "$GATEWAY_URL${scoped.path}/pets"`);
  const scopeRow = page.getByTestId('scope-row');
  await expect(scopeRow).toHaveCount(1);
  await expect(scopeRow).toContainText('pets:read');
  await expect(scopeRow).toContainText('Read pets');
  await expect(scopeRow).toContainText(`GET ${scoped.path}/pets`);
  await expect(scopeRow).not.toContainText('/status');
  await expect(page.getByTestId('auth-api-key')).toHaveCount(0);
  const petsRow = page.getByTestId('operation-row').filter({ hasText: `${scoped.path}/pets` });
  await expect(petsRow).toContainText('OAuth2 token');
  await expect(petsRow).toContainText('pets:read');
  await open(page, `/portal/apis/${basic.id}`);
  await expect(page.getByTestId('api-basic-example')).toHaveText(`curl -u "$USERNAME:$PASSWORD" "$GATEWAY_URL${basic.path}/"`);
  await expect(page.getByTestId('auth-jwt')).toHaveCount(0);

  // An application subscribed to both.
  await open(page, '/portal/applications');
  const appName = `OAuth App ${id}`;
  await page.getByLabel('Application name').fill(appName);
  await page.getByRole('button', { name: 'Create application' }).click();
  const appLink = page.getByTestId('application-row').filter({ hasText: appName }).getByRole('link', { name: appName });
  const applicationId = (await appLink.getAttribute('href'))!.split('/').pop()!;
  await subscribe(page, scoped, appName);
  await subscribe(page, basic, appName);

  // A confidential client: its secret is shown once.
  const appPage = `/portal/applications/${applicationId}`;
  await open(page, appPage);
  const oauth = page.getByTestId('oauth');
  const createClient = page.getByTestId('create-oauth-client');
  await createClient.locator('select[name="environment"]').selectOption('production');
  await createClient.getByLabel('Kind').selectOption('confidential');
  await createClient.getByRole('button', { name: 'Create client' }).click();
  await expect(oauth.getByTestId('oauth-revealed')).toContainText('it will not be shown again');
  const secret = (await oauth.getByTestId('oauth-revealed-value').textContent())!.trim();
  expect(secret).toMatch(/^pcs_/);
  const clientId = (await oauth.getByTestId('oauth-client-id').textContent())!.trim();
  expect(clientId).toMatch(/^pc_/);
  await open(page, appPage);
  await expect(oauth.getByTestId('oauth-client-row')).toContainText(clientId);
  await expect(page.locator('body')).not.toContainText(secret);

  // A token from the token endpoint (client credentials) opens the scoped operation.
  const portico = await request.newContext({ baseURL });
  const tokenAnswer = await portico.post('/oauth2/token', {
    form: { grant_type: 'client_credentials', scope: 'pets:read' },
    headers: { authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}` },
  });
  expect(tokenAnswer.status(), await tokenAnswer.text()).toBe(200);
  const accessToken = (await tokenAnswer.json()).access_token as string;
  const gateway = await request.newContext({ baseURL: gatewayURL });
  await expectGateway(gateway, `${scoped.path}/pets`, `Bearer ${accessToken}`, 200);
  const answer = await gateway.get(`${scoped.path}/pets`, { headers: { authorization: `Bearer ${accessToken}` } });
  expect((await answer.json()).application).toBe(applicationId);

  // Test tokens from the portal: with the scope 200; without it 403 insufficient_scope on the scoped operation only.
  const testToken = page.getByTestId('test-token');
  await testToken.locator('select[name="environment"]').selectOption('production');
  await expect(testToken.getByLabel('Scopes')).toHaveValue('pets:read');
  await testToken.getByRole('button', { name: 'Generate token' }).click();
  await expect(oauth.getByTestId('oauth-revealed')).toContainText('Test token for production (pets:read)');
  const scopedToken = (await oauth.getByTestId('oauth-revealed-value').textContent())!.trim();
  await expectGateway(gateway, `${scoped.path}/pets`, `Bearer ${scopedToken}`, 200);

  await testToken.getByLabel('Scopes').fill('');
  await testToken.getByRole('button', { name: 'Generate token' }).click();
  await expect(oauth.getByTestId('oauth-revealed')).toContainText('Test token for production (no scopes)');
  const plainToken = (await oauth.getByTestId('oauth-revealed-value').textContent())!.trim();
  expect(plainToken).not.toBe(scopedToken);
  const refused = await gateway.get(`${scoped.path}/pets`, { headers: { authorization: `Bearer ${plainToken}` } });
  expect(refused.status()).toBe(403);
  expect(refused.headers()['www-authenticate']).toContain('insufficient_scope');
  expect((await gateway.get(`${scoped.path}/status`, { headers: { authorization: `Bearer ${plainToken}` } })).status()).toBe(200);
  expect((await gateway.get(`${scoped.path}/pets`)).status()).toBe(401);

  // Basic auth: a short password is refused on its field, then a credential works at the gateway.
  const basicSection = page.getByTestId('basic-auth');
  await expect(basicSection).toContainText('No credential yet.');
  const username = `svc-${id}`;
  const password = `pw-${id}-tangerine-lamp`;
  const form = page.getByTestId('create-basic-credential');
  await form.locator('select[name="environment"]').selectOption('production');
  await form.getByLabel('Username').fill(username);
  await form.getByLabel('Password').fill('short-pass1');
  await form.getByRole('button', { name: 'Create credential' }).click();
  await expect(form.locator('[data-field-error="password"]')).toContainText('at least 12 characters');
  await form.getByLabel('Password').fill(`${username}-and-more`);
  await form.getByRole('button', { name: 'Create credential' }).click();
  await expect(form.locator('[data-field-error="password"]')).toContainText('may not contain the username');
  await form.getByLabel('Password').fill(password);
  await form.getByRole('button', { name: 'Create credential' }).click();
  await expect(page.getByRole('status').filter({ hasText: `Credential ${username} created for production` })).toBeVisible();
  const row = basicSection.getByTestId('basic-credential-row');
  await expect(row).toContainText(username);
  await expect(row).toContainText('production');
  await expect(form.getByLabel('Password')).toHaveValue('');
  await expect(page.locator('body')).not.toContainText(password);

  const basicAuth = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
  await expectGateway(gateway, `${basic.path}/pets`, basicAuth(username, password), 200);
  expect((await gateway.get(`${basic.path}/pets`, { headers: { authorization: basicAuth(username, `${password}x`) } })).status()).toBe(401);
  expect((await gateway.get(`${basic.path}/pets`)).status()).toBe(401);

  // The same username is taken in this environment (a field error, not a crash).
  await form.locator('select[name="environment"]').selectOption('production');
  await form.getByLabel('Username').fill(username);
  await form.getByLabel('Password').fill(password);
  await form.getByRole('button', { name: 'Create credential' }).click();
  await expect(form.locator('[data-field-error="username"]')).toContainText('taken');

  // Deleted, the credential stops working.
  await row.getByRole('button', { name: 'Delete' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Delete credential' }).click();
  await expect(basicSection).toContainText('No credential yet.');
  await expectGateway(gateway, `${basic.path}/pets`, basicAuth(username, password), 401);

  // Without key managers the external-provider section only explains itself.
  const admin = await Rest.admin(baseURL!);
  const managers = await admin.send('GET', '/api/admin/v1/key-managers');
  if ((managers.items ?? managers).length === 0) {
    await expect(page.getByTestId('no-key-managers')).toBeVisible();
    await expect(page.getByTestId('map-external-client')).toHaveCount(0);
  }
  expect(errors).toEqual([]);
});
