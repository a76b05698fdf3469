// Alerts end to end: a publisher adds an error-rate rule with a webhook on the Alerts page
// (a bad threshold gets its field error), calls through the gateway fail, and the rule
// fires — shown as Firing, listed in the history with its webhook delivered — and the
// webhook receives the alert. (The browser-test server evaluates rules every 5 seconds.)
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { expect, test } from '@playwright/test';
import { admin, open, signIn } from './helpers';
import { gatewayURL, publishApi, suffix, watchErrors } from './identity-helpers';

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

test('an alert rule fires, shows in the history and reaches its webhook', async ({ page, baseURL, request }) => {
  const id = suffix();
  const errors = watchErrors(page);
  const failing = createServer((_, res) => {
    res.statusCode = 500;
    res.end('{"error":"boom"}');
  });
  const received: { kind: string; rule: { name: string } }[] = [];
  const receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      received.push(JSON.parse(body));
      res.statusCode = 204;
      res.end();
    });
  });
  const [upstream, hooks] = [await listen(failing), await listen(receiver)];
  try {
    const api = await publishApi(baseURL!, `Failing ${id}`, upstream, { auth: 'none' });
    const call = () => request.get(`${gatewayURL}${api.path}/orders`);
    await expect(async () => expect((await call()).status()).toBe(500)).toPass({ timeout: 15_000 });
    for (let i = 0; i < 4; i++) expect((await call()).status()).toBe(500);

    await signIn(page, admin.email, admin.password, '/login?next=/publisher/alerts');
    await open(page, '/publisher/alerts');
    const name = `Failing ${id} errors`;
    await page.getByLabel('Name').fill(name);
    await page.getByLabel('Watch').selectOption({ label: `Failing ${id} v1` });
    await page.getByLabel('Condition').selectOption('error_rate');
    await page.getByLabel('Threshold').fill('half');
    await page.getByLabel('Webhook URL').fill(`${hooks}/hook`);
    await page.getByRole('button', { name: 'Add rule' }).click();
    await expect(page.getByText('Enter a number.')).toBeVisible();
    await page.getByLabel('Threshold').fill('50');
    await page.getByRole('button', { name: 'Add rule' }).click();
    const rule = page.getByTestId('alert-rule').filter({ hasText: name });
    await expect(rule).toContainText('error rate ≥ 50% over 5 min');

    await expect(async () => {
      await open(page, '/publisher/alerts');
      await expect(rule.getByText('Firing')).toBeVisible({ timeout: 1_000 });
      const alert = page.getByTestId('alert-event').filter({ hasText: name });
      await expect(alert).toContainText('fired', { timeout: 1_000 });
      await expect(alert).toContainText('Delivered', { timeout: 1_000 });
    }).toPass({ timeout: 45_000 });
    await expect(page.getByTestId('alert-event').filter({ hasText: name })).toContainText('calls answered 5xx');
    expect(received.some((alert) => alert.kind === 'fired' && alert.rule.name === name)).toBe(true);

    await rule.getByRole('button', { name: `Remove ${name}` }).click();
    await expect(rule).toHaveCount(0);
    expect(errors).toEqual([]);
  } finally {
    failing.close();
    receiver.close();
  }
});
