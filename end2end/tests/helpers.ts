// Shared steps of the journeys.
import { APIRequestContext, expect, Page, request } from '@playwright/test';

export const admin = {
  email: process.env.PORTICO_E2E_ADMIN_EMAIL ?? 'admin@e2e.portico.test',
  password: process.env.PORTICO_E2E_ADMIN_PASSWORD ?? '',
};
export const PASSWORD = 'correct horse battery staple';

/** A unique e-mail address for this run. */
export function uniqueEmail(name: string): string {
  return `${name}-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.com`;
}

/** Opens a page and waits until the WASM has hydrated it (forms work from then on). */
export async function open(page: Page, path: string) {
  await page.goto(path);
  await expect(page.locator('body[data-hydrated="true"]')).toHaveCount(1);
}

/** Signs in through the sign-in form and waits for the account link. */
export async function signIn(page: Page, email: string, password: string, path = '/login') {
  await open(page, path);
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByTestId('account-link')).toHaveText(email);
}

/** An API client signed in as the platform administrator (REST API, JSON). */
export async function adminApi(baseURL: string): Promise<APIRequestContext> {
  const api = await request.newContext({ baseURL });
  const login = await api.post('/api/auth/login', { data: { email: admin.email, password: admin.password } });
  expect(login.status()).toBe(200);
  return api;
}

/** The newest link with `path` e-mailed to `to`, read from the outbox through the admin API. */
export async function mailedLink(api: APIRequestContext, to: string, path: string): Promise<string> {
  let link: string | undefined;
  await expect(async () => {
    const outbox = await (await api.get('/api/admin/v1/outbox?per_page=50')).json();
    const mail = outbox.items.find((m: { to: string; body: string }) => m.to === to && m.body.includes(path));
    link = mail?.body.match(/https?:\/\/\S+/)?.[0];
    expect(link).toBeTruthy();
  }).toPass({ timeout: 15_000 });
  const url = new URL(link!);
  return url.pathname + url.search;
}
