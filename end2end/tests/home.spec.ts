// What a user sees on the home page: server-rendered HTML first, then a hydrated page that
// reacts to clicks through WebAssembly and talks to the server without reloading.
import { test, expect } from '@playwright/test';
import { base, hydrated, signIn, watchErrors, DEMO_PASSWORD } from './helpers';

test('without JavaScript: sign in with the plain form, and the page arrives server-rendered', async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(base() + '/');
  await expect(page).toHaveURL(/\/login\?next=%2F$|\/login\?next=\/$/);
  await page.getByLabel('用户名').fill('official');
  await page.getByLabel('密码').fill(DEMO_PASSWORD);
  const response = page.waitForResponse((r) => r.url() === base() + '/');
  await page.getByTestId('login-submit').click();
  expect((await response).status()).toBe(200);
  await expect(page.locator('html')).toHaveAttribute('lang', 'zh-CN');
  await expect(page.getByTestId('home-title')).toHaveText('森林碳汇扶贫监测评价平台');
  // The three counties side by side, and the charts drawn on the server.
  const counties = page.getByTestId('child-table').locator('tbody tr');
  await expect(counties).toHaveCount(3);
  await expect(counties.nth(0)).toContainText('昭觉县');
  await expect(counties.nth(1)).toContainText('越西县');
  await expect(counties.nth(2)).toContainText('雷波县');
  await expect(page.getByTestId('chart-income_trend').locator('svg')).toContainText('国家贫困线');
  // Filters work without JavaScript too: the form submits to the server.
  await page.getByTestId('filter-model').selectOption('household');
  await page.getByTestId('apply-filters').click();
  await expect(page).toHaveURL(/model=household/);
  await expect(page.getByTestId('filter-model')).toHaveValue('household');
  await expect(page.locator('body')).not.toHaveAttribute('data-hydrated', 'true');
  await context.close();
});

test('after hydration a click switches the language in place, and it is remembered', async ({ page }) => {
  const errors = watchErrors(page);
  await signIn(page, 'official');
  await hydrated(page);
  // A marker on window survives only if the page is not reloaded.
  await page.evaluate(() => ((window as unknown as { __marker: number }).__marker = 42));

  await page.getByTestId('lang-switch').click();
  await expect(page.getByTestId('home-title')).toHaveText('Forest-carbon poverty-alleviation monitoring');
  await expect(page.getByTestId('child-table')).toContainText('Zhaojue');
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await expect(page.getByTestId('lang-switch')).toHaveText('中文');
  expect(await page.evaluate(() => (window as unknown as { __marker?: number }).__marker)).toBe(42);

  // The choice is remembered: a fresh load is rendered in English by the server.
  await page.reload();
  await expect(page.getByTestId('home-title')).toHaveText('Forest-carbon poverty-alleviation monitoring');
  await hydrated(page);
  await page.getByTestId('lang-switch').click();
  await expect(page.getByTestId('home-title')).toHaveText('森林碳汇扶贫监测评价平台');
  expect(errors).toEqual([]);
});

test('a server function round trip reaches the database and comes back', async ({ page }) => {
  const errors = watchErrors(page);
  // The check is an administrator's tool, on the status page (no longer on the overview).
  await signIn(page, 'admin', undefined, '/admin/status');
  await expect(page).toHaveURL(/\/admin\/status$/);
  await hydrated(page);
  await page.evaluate(() => ((window as unknown as { __marker: number }).__marker = 7));

  const call = page.waitForResponse((r) => r.url().endsWith('/sfn/check_server') && r.request().method() === 'POST');
  await page.getByTestId('check-server').click();
  const response = await call;
  expect(response.status()).toBe(200);
  const status = await response.json();
  // The demo data set (loaded into the empty database at start) adds townships and villages.
  expect(status).toMatchObject({ backend: 'sqlite' });
  expect(status.units).toBeGreaterThan(4);
  await expect(page.getByTestId('server-status')).toContainText('服务器正常：SQLite 数据库');
  await expect(page.getByTestId('server-status')).toContainText(`${status.units} 个行政区划`);
  expect(await page.evaluate(() => (window as unknown as { __marker?: number }).__marker)).toBe(7);
  expect(errors).toEqual([]);
});

test('the page fits a 360-px phone screen', async ({ browser }) => {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 }, deviceScaleFactor: 2 });
  const page = await context.newPage();
  await signIn(page, 'admin');
  await hydrated(page);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  await page.screenshot({ path: 'test-results/home-phone.png', fullPage: true });
  await context.close();
});
