// Accounts as people meet them: signing in and out, seeing only one's own units, the back
// button after signing out, administrators creating accounts, researchers' API tokens.
import { test, expect } from '@playwright/test';
import { base, hydrated, signIn, watchErrors } from './helpers';

test('a county official sees only their county, and after signing out the back button shows nothing private', async ({ page }) => {
  const errors = watchErrors(page);
  await signIn(page, 'official.yuexi');
  await hydrated(page);
  await expect(page.getByTestId('who')).toContainText('越西县干部');
  // The overview is Yuexi's own dashboard: its townships, nothing of the other counties.
  await expect(page.getByTestId('unit-title')).toHaveAttribute('data-unit', '513434');
  await expect(page.getByTestId('unit-title')).toContainText('越西县');
  await expect(page.getByTestId('crumbs')).not.toContainText('凉山');
  await expect(page.locator('main')).not.toContainText('昭觉县');

  // Editing the request to reach another county: refused, with no data.
  const other = await page.request.post(base() + '/sfn/child_units', {
    form: { parent: '513431' },
    headers: { Accept: 'application/json', Origin: base() },
  });
  expect(other.status()).toBe(403);
  expect(await other.text()).not.toContain('513431');
  const api = await page.request.get(base() + '/api/v1/indicators?unit=513431');
  expect(api.status()).toBe(403);
  // Not an administrator: the administrators' page is refused.
  const admin = await page.goto(base() + '/admin/users');
  expect(admin?.status()).toBe(403);
  await expect(page.locator('h1')).toHaveText('无权访问');

  await page.goto(base() + '/');
  await hydrated(page);
  await page.getByTestId('logout').click();
  await expect(page).toHaveURL(/\/login\?signed_out=1/);
  await expect(page.getByTestId('signed-out')).toHaveText('您已安全退出。');

  await page.goBack();
  await expect(page).toHaveURL(/\/login/);
  await expect(page.locator('body')).not.toContainText('越西县');
  await expect(page.getByTestId('who')).toHaveCount(0);
  // The only console error is the 403 we asked for.
  expect(errors).toEqual(['Failed to load resource: the server responded with a status of 403 (Forbidden)']);
});

test('a wrong password is refused in Chinese, and what was typed does not reach the address bar', async ({ page }) => {
  await page.goto(base() + '/login');
  await page.getByLabel('用户名').fill('supervisor');
  await page.getByLabel('密码').fill('not-my-password');
  await page.getByTestId('login-submit').click();
  await expect(page.getByTestId('login-error')).toHaveText('用户名或密码不正确，请重试。');
  expect(page.url()).not.toContain('supervisor');
  expect(page.url()).not.toContain('not-my-password');
  await expect(page.getByTestId('who')).toHaveCount(0);
});

test('an administrator opens an account; its first sign-in must choose a new password; the audit log shows it all', async ({ browser }) => {
  const adminContext = await browser.newContext();
  const admin = await adminContext.newPage();
  const errors = watchErrors(admin);
  await signIn(admin, 'admin', undefined, '/admin/users');
  await hydrated(admin);
  await expect(admin.getByTestId('user-table')).toContainText('official.yuexi');

  const form = admin.getByTestId('create-user');
  await form.locator('input[name="input[username]"]').fill('ma.lin');
  await form.locator('input[name="input[display_name]"]').fill('马林');
  await form.locator('select[name="input[role]"]').selectOption('supervisor');
  // A county is not a township: the form says so, on the scope field, in Chinese.
  await form.locator('input[name="input[scopes]"]').fill('513434');
  await form.getByRole('button', { name: '创建' }).click();
  await expect(admin.getByTestId('form-issues')).toContainText('审核员的管辖单位只能是乡镇');
  const townships = await admin.request.post(base() + '/sfn/child_units', {
    form: { parent: '513434' },
    headers: { Accept: 'application/json', Origin: base() },
  });
  const township = await townships.json();
  await form.locator('input[name="input[scopes]"]').fill(township[0].code);
  await form.getByRole('button', { name: '创建' }).click();
  const oneTime = (await admin.getByTestId('one-time-password').textContent())!.trim();
  expect(oneTime).toHaveLength(16);
  await expect(admin.getByTestId('user-ma.lin')).toBeVisible();

  const userContext = await browser.newContext();
  const user = await userContext.newPage();
  await signIn(user, 'ma.lin', oneTime);
  await expect(user).toHaveURL(/\/account\?must_change=1/);
  await expect(user.getByTestId('must-change')).toBeVisible();
  await hydrated(user);
  await user.locator('input[name="current"]').fill(oneTime);
  await user.locator('input[name="new"]').fill('马林的新密码-2026');
  await user.getByTestId('password-form').getByRole('button').click();
  await expect(user.getByTestId('password-changed')).toBeVisible();
  await user.goto(base() + '/');
  await expect(user.getByTestId('who')).toContainText('马林');
  await expect(user.getByTestId('unit-title')).toHaveAttribute('data-unit', township[0].code);

  await admin.goto(base() + '/admin/audit?target=ma.lin');
  const rows = admin.getByTestId('audit-table').locator('tbody tr');
  await expect(rows.first()).toHaveAttribute('data-action', 'user.password_change');
  await expect(admin.getByTestId('audit-table')).toContainText('user.create');
  await expect(admin.getByTestId('audit-table')).toContainText('login.ok');
  await expect(admin.getByTestId('audit-table')).not.toContainText(oneTime);
  await adminContext.close();
  await userContext.close();
  expect(errors).toEqual([]);
});

test('a researcher creates an API token that works for scripts and can be revoked', async ({ page, playwright }) => {
  const errors = watchErrors(page);
  await signIn(page, 'researcher', undefined, '/account');
  await hydrated(page);
  await page.getByPlaceholder('例如：Stata 导出').fill('R 脚本');
  await page.getByRole('button', { name: '创建令牌' }).click();
  const secret = (await page.getByTestId('new-token').textContent())!.trim();
  expect(secret).toMatch(/^thk_[0-9a-f]{64}$/);
  await expect(page.getByTestId('token-table')).toContainText('R 脚本');

  // A script: no cookies, only the token.
  const script = await playwright.request.newContext({ extraHTTPHeaders: { Authorization: `Bearer ${secret}` } });
  const figures = await script.get(base() + '/api/v1/indicators?unit=513434&indicator=households_surveyed');
  expect(figures.status()).toBe(200);
  expect((await figures.json()).unit.name_zh).toBe('越西县');

  await page.getByTestId('token-table').getByRole('button', { name: '撤销' }).click();
  await expect(page.getByTestId('token-table')).toContainText('已撤销');
  expect((await script.get(base() + '/api/v1/me')).status()).toBe(401);
  await script.dispose();
  expect(errors).toEqual([]);
});

test('a guesser is made to wait, an administrator lets the account in again, and its owner is told', async ({ browser }) => {
  const adminContext = await browser.newContext();
  const admin = await adminContext.newPage();
  const errors = watchErrors(admin);
  await signIn(admin, 'admin', undefined, '/admin/users');
  await hydrated(admin);
  const username = `he.ping${Date.now() % 100000}`;
  const password = '何平的密码-2026-xyz';
  const form = admin.getByTestId('create-user');
  await form.locator('input[name="input[username]"]').fill(username);
  await form.locator('input[name="input[display_name]"]').fill('何平');
  await form.locator('select[name="input[role]"]').selectOption('researcher');
  await form.locator('input[name="input[scopes]"]').fill('513400');
  await form.locator('input[name="input[password]"]').fill(password);
  await form.getByRole('button', { name: '创建' }).click();
  await expect(admin.getByTestId(`user-${username}`)).toBeVisible();

  // Five wrong passwords from this device; the sixth attempt, even the right one, must wait.
  const guesserContext = await browser.newContext();
  const guesser = await guesserContext.newPage();
  for (let attempt = 1; attempt <= 6; attempt++) {
    await guesser.goto(base() + '/login');
    await guesser.getByLabel('用户名').fill(username);
    await guesser.getByLabel('密码').fill(attempt === 6 ? password : `guess-${attempt}`);
    await guesser.getByTestId('login-submit').click();
    // A minute from the last failure: "59 秒" or "1 分钟" by the time the page answers.
    const expected = attempt === 6 ? /请 (5\d 秒|1 分钟)后再从这台设备登录/ : /用户名或密码不正确/;
    await expect(guesser.getByTestId('login-error')).toContainText(expected);
  }

  // The administrator sees the failures and lifts the wait.
  await admin.reload();
  await hydrated(admin);
  const row = admin.getByTestId(`user-${username}`);
  await expect(row.getByTestId('failed-sign-ins')).toContainText('近24小时登录失败 5 次');
  await row.getByTestId('unlock').click();
  await expect(row.getByTestId('failed-sign-ins')).toHaveCount(0);

  // The owner signs in at once, and the account page says someone tried.
  await signIn(guesser, username, password, '/account');
  await expect(guesser.getByTestId('failed-sign-ins')).toContainText('近24小时有 5 次用您的用户名登录失败');
  await expect(guesser.getByTestId('failed-sign-ins')).toContainText('127.0.0.1');

  await admin.goto(base() + `/admin/audit?target=${username}`);
  await expect(admin.getByTestId('audit-table')).toContainText('login.unlock');
  await expect(admin.getByTestId('audit-table')).toContainText('login.throttled');
  await adminContext.close();
  await guesserContext.close();
  expect(errors).toEqual([]);
});
