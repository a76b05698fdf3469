// Tokens from an external identity provider: an administrator (REST) registers a key
// manager — a tiny OIDC issuer started by the test, with its discovery document and
// JWKS; a consumer maps the client id that provider issued to their application in the
// portal; a token the provider signs for that client then opens a `jwt` API at the
// gateway, and stops working once the mapping is removed.
import { generateKeyPairSync, KeyObject, sign } from 'node:crypto';
import { expect, request, test } from '@playwright/test';
import { open, PASSWORD, signIn } from './helpers';
import { gatewayURL, publishApi, Rest, startServer, suffix, userInNewOrg, watchErrors } from './identity-helpers';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const kid = `e2e-${suffix()}`;

/** An RS256 JWT with `claims`, signed by the provider's key. */
function signToken(key: KeyObject, claims: object): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${part({ alg: 'RS256', typ: 'JWT', kid })}.${part(claims)}`;
  return `${input}.${sign('sha256', Buffer.from(input), key).toString('base64url')}`;
}

let provider: Awaited<ReturnType<typeof startServer>>;
test.beforeAll(async () => {
  provider = await startServer((req) => req.url?.startsWith('/jwks')
    ? { keys: [{ ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' }] }
    : { issuer: provider.url, jwks_uri: `${provider.url}/jwks` });
});
test.afterAll(() => provider?.close());

test('a consumer maps an external provider client to an application and its tokens work at the gateway', async ({ page, baseURL }) => {
  const id = suffix();
  const admin = await Rest.admin(baseURL!);
  const managerName = `E2E IdP ${id}`;
  const manager = await admin.send('POST', '/api/admin/v1/key-managers', {
    name: managerName, discovery_url: provider.url, audiences: ['e2e-gateway'],
  });
  try {
    const upstream = await startServer((req) => ({ application: req.headers['x-application-id'] ?? null }));
    try {
      const api = await publishApi(baseURL!, `Pets External ${id}`, upstream.url, { auth: 'jwt' });
      const consumer = await userInNewOrg(baseURL!, 'consumer', 'consumer');
      const rest = await Rest.signIn(baseURL!, consumer.email, PASSWORD);
      const app = await rest.send('POST', '/api/portal/v1/applications', { org_id: consumer.orgId, name: `External App ${id}` });
      await rest.send('POST', `/api/portal/v1/applications/${app.id}/subscriptions`, { api_id: api.id, tier: 'Unlimited' });

      // The portal: map the provider's client id to the application.
      const errors = watchErrors(page);
      await signIn(page, consumer.email, PASSWORD);
      await open(page, `/portal/applications/${app.id}`);
      const section = page.getByTestId('external-clients');
      await expect(section).toContainText('Tokens from an external identity provider');
      await expect(section).toContainText('No client mapped yet.');
      const form = section.getByTestId('map-external-client');
      await form.getByLabel('Identity provider').selectOption({ label: `${managerName} (${provider.url})` });
      await form.locator('select[name="environment"]').selectOption('production');
      await form.getByLabel('Client id').fill('   ');
      await form.getByRole('button', { name: 'Map client' }).click();
      await expect(form.locator('[data-field-error="client_id"]')).toContainText('client id');
      const clientId = `ext-client-${id}`;
      await form.getByLabel('Client id').fill(clientId);
      await form.getByRole('button', { name: 'Map client' }).click();
      const row = section.getByTestId('external-client-row');
      await expect(row).toContainText(clientId);
      await expect(row).toContainText(managerName);
      await expect(row).toContainText('production');

      // The provider's token for that client opens the API; another audience does not.
      const now = Math.floor(Date.now() / 1000);
      const claims = { iss: provider.url, aud: 'e2e-gateway', sub: 'someone', client_id: clientId, iat: now, exp: now + 600 };
      const token = signToken(privateKey, claims);
      const gateway = await request.newContext({ baseURL: gatewayURL });
      const call = (jwt: string) => gateway.get(`${api.path}/pets`, { headers: { authorization: `Bearer ${jwt}` } });
      await expect(async () => {
        const answer = await call(token);
        expect(answer.status(), await answer.text()).toBe(200);
        expect((await answer.json()).application).toBe(app.id);
      }).toPass({ timeout: 15_000 });
      expect((await call(signToken(privateKey, { ...claims, aud: 'someone-else' }))).status()).toBe(401);

      // Removed, the mapping no longer names an application.
      await row.getByRole('button', { name: 'Remove' }).click();
      await expect(section).toContainText('No client mapped yet.');
      await expect(async () => expect((await call(token)).status()).toBe(401)).toPass({ timeout: 15_000 });
      expect(errors).toEqual([]);
    } finally {
      await upstream.close();
    }
  } finally {
    await admin.send('DELETE', `/api/admin/v1/key-managers/${manager.id}`);
  }
});
