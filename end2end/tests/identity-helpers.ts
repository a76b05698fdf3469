// Set-up shared by the identity journeys (OAuth2 clients and tokens, consent, basic
// auth): users in new organizations, REST sessions, APIs published through the REST API
// in front of a small upstream, and a watch on page errors.
import { createServer, IncomingMessage, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { APIRequestContext, expect, Page, request } from '@playwright/test';
import { adminApi, PASSWORD, uniqueEmail } from './helpers';

export const gatewayURL = process.env.PORTICO_E2E_GATEWAY_URL ?? 'http://127.0.0.1:8000';

/** A short unique suffix for names, contexts and usernames. */
export function suffix(): string {
  return `${Date.now() % 1_000_000}${Math.floor(Math.random() * 1000)}`;
}

/** A REST session: cookies plus the CSRF header on every call; non-2xx answers fail the test. */
export class Rest {
  private constructor(readonly api: APIRequestContext, private readonly csrf: string) {}

  /** Signs `email` in through `/api/auth/login`. */
  static async signIn(baseURL: string, email: string, password: string): Promise<Rest> {
    const api = await request.newContext({ baseURL });
    expect((await api.post('/api/auth/login', { data: { email, password } })).status()).toBe(200);
    return new Rest(api, (await (await api.get('/api/auth/session')).json()).csrf_token);
  }

  /** The platform administrator's session. */
  static async admin(baseURL: string): Promise<Rest> {
    const api = await adminApi(baseURL);
    return new Rest(api, (await (await api.get('/api/auth/session')).json()).csrf_token);
  }

  async send(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, data?: unknown) {
    const answer = await this.api.fetch(path, { method, data, headers: { 'x-csrf-token': this.csrf } });
    expect(answer.status(), `${method} ${path}: ${await answer.text()}`).toBeLessThan(300);
    return answer.status() === 204 ? null : answer.json();
  }
}

/** A user with `role` in a new organization of `kind`, made by the administrator. */
export async function userInNewOrg(baseURL: string, kind: 'provider' | 'consumer', role: string) {
  const admin = await Rest.admin(baseURL);
  const slug = `${kind}-${suffix()}`;
  const org = await admin.send('POST', '/api/admin/v1/orgs', { slug, name: `Org ${slug}`, kind });
  const email = uniqueEmail(role);
  await admin.send('POST', '/api/admin/v1/users', { email, display_name: `E2E ${role}`, password: PASSWORD, org_id: org.id, role });
  return { email, orgId: org.id as string };
}

/** What `publishApi` made. */
export interface PublishedApi {
  id: string;
  name: string;
  /** Path prefix at the gateway, e.g. `/pets-123/v1`. */
  path: string;
}

/**
 * Creates an API in a new provider organization (as its publisher), deploys it to
 * production in front of `upstream` and publishes it. `definition` adds to the runtime
 * definition (`auth`, `scopes`, `operations`).
 */
export async function publishApi(baseURL: string, name: string, upstream: string, definition: object): Promise<PublishedApi> {
  const publisher = await userInNewOrg(baseURL, 'provider', 'publisher');
  const rest = await Rest.signIn(baseURL, publisher.email, PASSWORD);
  const context = `/${name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
  const api = await rest.send('POST', '/api/publisher/v1/apis', {
    org_id: publisher.orgId, name, context, version: 'v1', visibility: 'public',
    definition: { production: { endpoints: [{ url: upstream, weight: 1 }] }, ...definition },
  });
  const revision = await rest.send('POST', `/api/publisher/v1/apis/${api.id}/revisions`, { description: 'e2e' });
  await rest.send('PUT', `/api/publisher/v1/apis/${api.id}/deployments/production`, { revision_id: revision.id });
  await rest.send('POST', `/api/publisher/v1/apis/${api.id}/lifecycle`, { state: 'published', reason: 'e2e' });
  return { id: api.id, name, path: `${context}/v1` };
}

/** A small HTTP server on 127.0.0.1 that answers with `answer` and records what it got. */
export async function startServer(answer: (req: IncomingMessage) => object) {
  const received: URL[] = [];
  const server: Server = createServer((req, res) => {
    received.push(new URL(req.url ?? '/', 'http://127.0.0.1'));
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(answer(req)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** Uncaught errors and panics of a page (a failed hydration shows up here). */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`${page.url()}: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(`${page.url()}: ${m.text()}`.slice(0, 600));
  });
  return errors;
}
