// The consoles in a real browser: Debian's chromium driven by
// playwright-core, against the real juhe binary with its demo data.
// Screenshots of the main pages go to target/browser-screenshots/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const root = path.resolve(import.meta.dirname, '../..');
const juhe = path.join(root, 'target/debug/juhe');
const shots = path.join(root, 'target/browser-screenshots');
const chromiumPath = process.env.JUHE_CHROMIUM || '/usr/bin/chromium';

let server, dataDir, base, demo, browser;

function call(method, p, body) {
  const args = ['call', '--data-dir', dataDir, method, p];
  if (body) args.push(JSON.stringify(body));
  const out = execFileSync(juhe, args, { encoding: 'utf8' });
  const json = out.slice(out.indexOf('{'));
  return JSON.parse(json);
}

const password = (user) => demo.console_users.find((u) => u.username === user).password;

async function signIn(user, { lang = 'en', viewport = { width: 1366, height: 900 } } = {}) {
  const context = await browser.newContext({ viewport, locale: lang === 'en' ? 'en-US' : 'zh-CN' });
  const page = await context.newPage();
  await page.goto(`${base}/console/login?lang=${lang}`);
  await page.fill('input[name=username]', user);
  await page.fill('input[name=password]', password(user));
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
  // Users keep their own language (the demo's are zh-CN); switch if needed.
  const wanted = lang === 'en' ? 'en' : 'zh-CN';
  if ((await page.getAttribute('html', 'lang')) !== wanted && (await page.locator('[data-testid=switch-language]').count()) > 0) {
    await Promise.all([page.waitForNavigation(), page.click('[data-testid=switch-language]')]);
  }
  return page;
}

async function shot(page, name) {
  await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
}

before(async () => {
  const build = spawnSync('cargo', ['build', '--quiet', '-p', 'juhe'], { cwd: root, stdio: 'inherit' });
  assert.equal(build.status, 0, 'juhe builds');
  fs.mkdirSync(shots, { recursive: true });
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'juhe-browser-'));
  server = spawn(juhe, ['serve', '--demo', '--data-dir', dataDir, '--listen', '127.0.0.1:0'], {
    env: { ...process.env, RUST_LOG: 'warn', JUHE_WEBHOOK_RETRY_SCALE: '100' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  base = await new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`juhe did not start:\n${seen}`)), 60_000);
    server.stdout.on('data', (chunk) => {
      seen += chunk;
      const m = seen.match(/juhe listening on (http:\/\/[\d.:]+)/);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    server.on('exit', (code) => reject(new Error(`juhe exited ${code}:\n${seen}`)));
  });
  // The demo writes its credentials (console users included) before listening.
  demo = JSON.parse(fs.readFileSync(path.join(dataDir, 'demo.json'), 'utf8'));
  browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  await browser?.close();
  server?.kill('SIGTERM');
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

test('signing in lands on the platform overview; a wrong password is refused', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${base}/console/login?lang=en`);
  await shot(page, '01-sign-in');
  await page.fill('input[name=username]', 'admin');
  await page.fill('input[name=password]', 'not the password 1');
  await page.click('button[type=submit]');
  await page.waitForSelector('.form-error');
  assert.match(await page.textContent('.form-error'), /Wrong user name or password/);
  await page.fill('input[name=password]', password('admin'));
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
  assert.equal(new URL(page.url()).pathname, '/console/platform');
  assert.equal(await page.textContent('h1'), '平台概览', 'the admin reads Chinese, their language');
  await shot(page, '02-platform-overview');
  await context.close();
});

test('a cashier is denied a finance page', async () => {
  const page = await signIn('demo-cashier');
  assert.match(new URL(page.url()).pathname, /\/console\/m\/mch_demo\/payments$/);
  // No finance entries in the navigation…
  const nav = await page.textContent('nav.sidebar');
  assert.doesNotMatch(nav, /Dashboard|Customers/);
  // …and the pages themselves refuse.
  const response = await page.goto(`${base}/console/m/mch_demo/payments/export?format=csv`);
  assert.equal(response.status(), 403);
  assert.match(await page.textContent('h1'), /You do not have permission/);
  await shot(page, '03-cashier-denied');
  const dashboard = await page.goto(`${base}/console/m/mch_demo`);
  assert.equal(dashboard.status(), 403);
  await page.context().close();
});

test('the platform creates a merchant and an app, whose secret is shown once', async () => {
  const page = await signIn('admin');
  await page.goto(`${base}/console/platform/merchants/new`);
  await page.fill('input[name=name]', 'Browser Test Energy Co.');
  await page.fill('input[name=contact_name]', 'Wang Fang');
  await page.fill('input[name=wallet_fee_bps]', '35');
  await Promise.all([page.waitForNavigation(), page.click('form.card button.primary')]);
  assert.match(await page.textContent('.notice'), /Created/);
  assert.equal(await page.textContent('h1'), 'Browser Test Energy Co.');
  await page.fill('input[name=name]', 'Forecourt app');
  await page.fill('input[name=notify_url]', 'https://example.com/juhe/hooks');
  await Promise.all([page.waitForNavigation(), page.click('form.inline-form button.primary')]);
  const secret = await page.textContent('[data-testid=app_secret]');
  assert.match(secret, /^[0-9a-f]{64}$/);
  await shot(page, '04-app-secret-once');
  await Promise.all([page.waitForNavigation(), page.click('text=I have stored them')]);
  assert.ok((await page.content()).includes('Forecourt app'));
  assert.ok(!(await page.content()).includes(secret), 'the secret is never shown again');
  await shot(page, '05-merchant-detail');
  await page.context().close();
});

test('a channel is disabled and enabled again; a payment through it shows on the dashboard and in the list; it is refunded from the console', async () => {
  const page = await signIn('admin');
  await page.goto(`${base}/console/platform/merchants/mch_demo`);
  const row = page.locator('tr', { hasText: 'Alipay' }).first();
  await Promise.all([page.waitForNavigation(), row.locator('a', { hasText: 'Edit' }).click()]);
  await shot(page, '06-channel-config');
  await page.uncheck('input[name=enabled]');
  await Promise.all([page.waitForNavigation(), page.click('form.card button.primary')]);
  assert.match(await page.textContent('.notice'), /Saved/);
  // Disabled: an Alipay payment code finds no channel.
  assert.throws(() => call('POST', '/v1/payments', { merchant_order_no: 'br-off', amount: 880, subject: 'toll', way: 'barcode', payer: { auth_code: '286648048691290423' } }));
  await page.goto(`${base}/console/platform/merchants/mch_demo`);
  await Promise.all([page.waitForNavigation(), page.locator('tr', { hasText: 'Alipay' }).first().locator('a', { hasText: 'Edit' }).click()]);
  await page.check('input[name=enabled]');
  await Promise.all([page.waitForNavigation(), page.click('form.card button.primary')]);

  const paid = call('POST', '/v1/payments', { merchant_order_no: 'br-1', amount: 8_800, subject: 'G4 toll, class 1', way: 'barcode', payer: { auth_code: '286648048691290423' } });
  assert.equal(paid.status, 'succeeded');
  assert.equal(paid.channel, 'alipay');

  await page.goto(`${base}/console/m/mch_demo`);
  assert.notEqual(await page.textContent('[data-testid=today-count]'), '0');
  assert.ok(Number((await page.textContent('[data-testid=status-count-succeeded]')).trim()) >= 1);
  assert.ok(await page.locator('figure.chart svg rect').count() > 0, 'the week is drawn');
  await shot(page, '07-merchant-dashboard');

  await page.goto(`${base}/console/m/mch_demo/payments`);
  const listed = page.locator('[data-testid=payments] tr', { hasText: 'br-1' });
  assert.equal(await listed.count(), 1);
  assert.match(await listed.textContent(), /¥88\.00/);
  await shot(page, '08-payments');
  await Promise.all([page.waitForNavigation(), listed.locator('a').click()]);
  assert.ok(await page.locator('[data-testid=timeline] li').count() >= 3);
  await shot(page, '09-payment-detail');

  // Refund: a form, a confirmation, then the refund.
  await sign_out(page);
  const finance = await signIn('demo-finance');
  await finance.goto(`${base}/console/m/mch_demo/payments/${paid.id}`);
  await Promise.all([finance.waitForNavigation(), finance.click('[data-testid=refund]')]);
  await finance.fill('input[name=amount]', '20.00');
  await finance.fill('input[name=reason]', 'wrong vehicle class');
  await Promise.all([finance.waitForNavigation(), finance.click('button.primary')]);
  assert.equal(await finance.textContent('[data-testid=confirm-amount]'), '¥20.00');
  await shot(finance, '10-refund-confirm');
  await Promise.all([finance.waitForNavigation(), finance.click('[data-testid=confirm-refund]')]);
  assert.match(await finance.textContent('.notice'), /Refund submitted/);
  assert.equal(await finance.textContent('[data-testid=refund-amount]'), '¥20.00');
  await shot(finance, '11-refund');
  // The channel confirms it (the Alipay sandbox refunds at once).
  const fetched = call('GET', `/v1/payments/${paid.id}`);
  assert.equal(fetched.refunded_amount, 2_000);
  await finance.goto(`${base}/console/m/mch_demo/refunds`);
  assert.equal(await finance.locator('[data-testid=refunds] tr', { hasText: 'wrong vehicle class' }).count(), 1);
  await finance.context().close();
});

async function sign_out(page) {
  await Promise.all([page.waitForNavigation(), page.click('header form[action="/console/logout"] button')]);
  assert.equal(new URL(page.url()).pathname, '/console/login');
  await page.context().close();
}

test('a form posted without its CSRF token is rejected and changes nothing', async () => {
  const page = await signIn('admin');
  await page.goto(`${base}/console/platform/merchants/new`);
  await page.fill('input[name=name]', 'Forged Merchant');
  await page.evaluate(() => document.querySelector('form.card input[name=csrf]').remove());
  const [response] = await Promise.all([page.waitForNavigation(), page.click('form.card button.primary')]);
  assert.equal(response.status(), 403);
  assert.match(await page.textContent('body'), /did not come from this site/);
  await shot(page, '12-csrf-rejected');
  await page.goto(`${base}/console/platform/merchants?q=Forged`);
  assert.match(await page.textContent('section.card'), /Nothing here yet/);
  await page.context().close();
});

test('switching the language translates the console, and it stays switched', async () => {
  const page = await signIn('demo-admin');
  await page.goto(`${base}/console/m/mch_demo/payments`);
  assert.equal(await page.textContent('h1'), 'Payments');
  await Promise.all([page.waitForNavigation(), page.click('[data-testid=switch-language]')]);
  assert.equal(new URL(page.url()).pathname, '/console/m/mch_demo/payments', 'back where it was pressed');
  assert.equal(await page.textContent('h1'), '支付订单');
  assert.equal(await page.getAttribute('html', 'lang'), 'zh-CN');
  await page.goto(`${base}/console/m/mch_demo`);
  assert.equal(await page.textContent('h1'), '概览');
  await shot(page, '13-dashboard-zh');
  await page.goto(`${base}/console/m/mch_demo/sites`);
  await shot(page, '14-sites-zh');
  await page.goto(`${base}/console/m/mch_demo/users`);
  await shot(page, '15-users-zh');
  // Switch back for the next run's demo user.
  await Promise.all([page.waitForNavigation(), page.click('[data-testid=switch-language]')]);
  assert.equal(await page.textContent('h1'), 'Users & roles');
  await page.context().close();
});

test('the consoles work on a tablet', async () => {
  const page = await signIn('demo-admin', { viewport: { width: 820, height: 1180 } });
  await page.goto(`${base}/console/m/mch_demo`);
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 820, `no sideways scrolling (page is ${width}px wide)`);
  await shot(page, '16-tablet-dashboard');
  await page.goto(`${base}/console/m/mch_demo/payments`);
  await shot(page, '17-tablet-payments');
  await page.context().close();
});

test('the platform sees channel health, webhooks and the audit log of what happened', async () => {
  const page = await signIn('admin');
  await page.goto(`${base}/console/platform/channels`);
  assert.ok(await page.locator('text=Healthy').count() > 0);
  await shot(page, '18-channels');
  await page.goto(`${base}/console/platform/webhooks?status=all`);
  await shot(page, '19-webhooks');
  await page.goto(`${base}/console/platform/audit`);
  const log = await page.textContent('table.audit');
  for (const action of ['merchant.create', 'app.create', 'channel_config.update', 'refund.create']) {
    assert.ok(log.includes(action), `${action} is in the audit log`);
  }
  await shot(page, '20-audit');
  await page.context().close();
});
