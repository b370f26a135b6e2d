// A county puts Tanhui into service, as its new administrator does, through the pages only:
// a fresh install without demo data, the one-time password, the units file (a bad one refused
// whole, naming the line and column), a wave and its line, the household registry (one bad
// row among 500 refused, the fixed file landing), and an enumerator and a supervisor; then the
// enumerator enters the first survey from the registry's people (a newborn added) and the
// supervisor approves it, and the village page counts it.
import { test, expect, type Page } from '@playwright/test';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { hydrated, watchErrors } from './helpers';
import { startServer } from '../server';

const fixtures = join(__dirname, '..', '..', 'server', 'tests', 'fixtures', 'setup');
const file = (name: string) => join(fixtures, name);

async function upload(page: Page, kind: string, name: string, buffer?: Buffer) {
  const input = page.locator(`#import-file-${kind}`);
  if (buffer) await input.setInputFiles({ name, mimeType: 'text/csv', buffer });
  else await input.setInputFiles(file(name));
  await expect(page.getByTestId(`import-${kind}`).getByTestId('import-file')).toContainText(name);
  await page.getByTestId(`import-${kind}`).getByTestId('import-start').click();
}

/** The first sign-in of an account with a one-time password: sign in, choose a new one. */
async function firstSignIn(page: Page, url: string, username: string, once: string, chosen: string) {
  await page.goto(url + '/login?next=/field');
  await page.getByLabel(/用户名|Username/).fill(username);
  await page.getByLabel(/^密码$|^Password$/).fill(once);
  await page.getByTestId('login-submit').click();
  await expect(page).toHaveURL(/\/account\?must_change=1/);
  await hydrated(page);
  await page.locator('input[name="current"]').fill(once);
  await page.locator('input[name="new"]').fill(chosen);
  await page.getByTestId('password-form').getByRole('button').click();
  await expect(page.getByTestId('password-changed')).toBeVisible();
}

async function choose(page: Page, name: string, value: string) {
  await page.locator(`select[name="${name}"]`).selectOption(value);
}

test('a new administrator sets a county up through the pages', async ({ page }) => {
  test.setTimeout(180_000);
  const server = await startServer({ TANHUI_DEMO: 'false' });
  try {
    // The password line follows the address line; wait for it.
    await expect.poll(() => server.printed(), { timeout: 10_000 }).toContain('one-time password');
    const password = server.printed().match(/one-time password (\S+)/)?.[1];
    expect(password, server.printed()).toBeTruthy();
    expect(server.printed()).not.toContain('Demo sign-ins');

    // First sign-in: the one-time password must be replaced.
    await page.goto(server.url + '/login?next=/admin/units');
    await page.getByLabel(/用户名|Username/).fill('admin');
    await page.getByLabel(/^密码$|^Password$/).fill(password!);
    await page.getByTestId('login-submit').click();
    await expect(page).toHaveURL(/\/account\?must_change=1/);
    await hydrated(page);
    await page.locator('input[name="current"]').fill(password!);
    await page.locator('input[name="new"]').fill('越西县管理员-2026');
    await page.getByTestId('password-form').getByRole('button').click();
    await expect(page.getByTestId('password-changed')).toBeVisible();
    // From here on (the password page itself answers 403 until the password is changed).
    const errors = watchErrors(page);

    // Units: a file with a village under the wrong township is refused whole.
    await page.goto(server.url + '/admin/units');
    await hydrated(page);
    await expect(page.getByTestId('units-table')).toContainText('越西县');
    const units = readFileSync(file('yuexi-units.csv'), 'utf-8');
    await upload(page, 'units', 'units-bad.csv', Buffer.from(units.replace('513434100201,village,513434100,', '513434100201,village,513434101,')));
    const report = page.getByTestId('import-units');
    await expect(report.getByTestId('import-summary')).toContainText('没有写入任何数据');
    const issue = report.getByTestId('import-issues').locator('tr.error').first();
    await expect(issue).toContainText('28');
    await expect(issue).toContainText('parent_code');
    await upload(page, 'units', 'yuexi-units.csv');
    await expect(report.getByTestId('import-summary')).toContainText('已导入 46 个单位');
    await page.goto(server.url + '/admin/units?parent=513434');
    await expect(page.getByTestId('units-table')).toContainText('越城镇');
    await expect(page.locator('tr[data-code="513434210"]')).toContainText('于 2024-12-31 并入 新民镇');

    // A wave and its poverty line.
    await page.getByTestId('programme-link').click();
    await hydrated(page);
    await expect(page.getByTestId('no-waves')).toBeVisible();
    await page.getByTestId('open-wave').locator('input[name="input[year]"]').fill('2025');
    await page.getByTestId('open-wave').getByRole('button').click();
    await expect(page.getByTestId('programme-done')).toContainText('已开放 2025 年调查轮次');
    await expect(page.locator('[data-testid="waves-table"] tr[data-year="2025"]')).toContainText('基线');
    const line = page.getByTestId('set-line');
    await line.locator('input[name="input[year]"]').fill('2025');
    await line.locator('input[name="input[yuan]"]').fill('四千');
    await line.getByRole('button').click();
    await expect(page.getByTestId('form-issues')).toContainText('最多两位小数');
    await line.locator('input[name="input[yuan]"]').fill('4000');
    await line.getByRole('button').click();
    await expect(page.getByTestId('programme-done').filter({ hasText: '4000.00' })).toBeVisible();

    // The registry: one bad ID card among 500 rows writes nothing; the fixed file lands.
    await page.goto(server.url + '/admin/import?kind=households');
    await hydrated(page);
    await upload(page, 'households', 'yuexi-households-bad.csv');
    const households = page.getByTestId('import-households');
    await expect(households.getByTestId('import-summary')).toContainText('没有写入任何数据');
    const bad = households.getByTestId('import-issues').locator('tr.error').first();
    await expect(bad).toContainText('252');
    await expect(bad).toContainText('head_id_card');
    await upload(page, 'households', 'yuexi-households.csv');
    await expect(households.getByTestId('import-summary')).toContainText('已导入 500 户');
    await page.screenshot({ path: 'test-results/screens/setup-import.png', fullPage: true });

    // The village's enumerator and the township's supervisor.
    await page.goto(server.url + '/admin/users');
    await hydrated(page);
    const form = page.getByTestId('create-user');
    const once: Record<string, string> = {};
    for (const [username, role, scope] of [['enum.chengdong', 'enumerator', '513434100201'], ['sup.yuecheng', 'supervisor', '513434100']]) {
      await form.locator('input[name="input[username]"]').fill(username);
      await form.locator('select[name="input[role]"]').selectOption(role);
      await form.locator('input[name="input[scopes]"]').fill(scope);
      await form.getByRole('button', { name: '创建' }).click();
      await expect(page.getByTestId(`user-${username}`)).toBeVisible();
      // Shown this once, on the page that created the account.
      once[username] = (await page.getByTestId('one-time-password').textContent())!.trim();
    }
    await page.goto(server.url + '/unit/513434100201');
    await expect(page.getByTestId('unit-title')).toContainText('城东村');

    // The enumerator's first survey starts from the registry's people: 吉克阿呷 and 王晓红,
    // and a baby born this year who is not in the registry yet.
    const browser = page.context().browser()!;
    const enumerator = await (await browser.newContext()).newPage();
    const enumeratorErrors = watchErrors(enumerator);
    await firstSignIn(enumerator, server.url, 'enum.chengdong', once['enum.chengdong'], '城东村调查员-2026');
    await enumerator.goto(server.url + '/field');
    // Registry number 0001 of the village (four other heads there are also called 吉克阿呷).
    const task = enumerator.locator('tr[data-household]').filter({ hasText: '0001' });
    await expect(task).toContainText('吉克阿呷');
    await expect(task).toContainText('未调查');
    const household = (await task.getAttribute('data-household'))!;
    await task.getByTestId('open-survey').click();
    await expect(enumerator.getByTestId('survey-form')).toHaveAttribute('data-wave', '2025');
    await hydrated(enumerator);
    await enumerator.getByTestId('use-registry').click();
    const people = enumerator.getByTestId('member-person');
    await expect(people).toHaveCount(2);
    await expect(people.nth(0)).toContainText('户籍成员：吉克阿呷 · 1991');
    await expect(people.nth(1)).toContainText('户籍成员：王晓红 · 1988');
    await expect(enumerator.locator('select[name="members[1].relation"]')).toHaveValue('spouse');
    await expect(enumerator.locator('input[name="members[1].birth_year"]')).toHaveValue('1988');
    await enumerator.getByRole('button', { name: '+ 添加成员' }).click();
    await expect(people.nth(2)).toContainText('新成员将加入名单');
    await choose(enumerator, 'members[2].relation', 'child');
    await choose(enumerator, 'members[2].sex', 'female');
    await enumerator.locator('input[name="members[2].birth_year"]').fill('2025');
    await choose(enumerator, 'members[2].ethnicity', 'yi');
    for (const [i, education, labour] of [[0, 'junior', 'ordinary'], [1, 'primary', 'ordinary'], [2, 'none', 'none']] as const) {
      await choose(enumerator, `members[${i}].education`, education);
      await choose(enumerator, `members[${i}].health`, 'healthy');
      await choose(enumerator, `members[${i}].labour`, labour);
    }
    await enumerator.getByRole('button', { name: '+ 添加务工' }).click();
    await choose(enumerator, 'employment[0].activity', 'forest_ranger');
    await enumerator.locator('input[name="employment[0].days"]').fill('200');
    await enumerator.locator('input[name="employment[0].wages"]').fill('12000');
    for (const g of ['food_clothing_secure', 'schooling_ok', 'insured', 'housing_safe', 'water_safe']) {
      await enumerator.locator(`input[name="guarantees.${g}"]`).check();
    }
    // 12,000 for 3 people: 4,000 a head, on 2025's line.
    await expect(enumerator.getByTestId('summary-per-capita')).toContainText('4,000.00');
    await enumerator.getByTestId('submit-survey').click();
    await expect(enumerator.getByTestId('saved')).toContainText('已提交审核（第 1 版）');
    // The baby is now a person of the registry, nameless until registered, on the reopened form.
    await enumerator.reload();
    await hydrated(enumerator);
    await expect(people).toHaveCount(3);
    await expect(people.nth(2)).toContainText('户籍成员：（姓名待登记） · 2025');
    expect(enumeratorErrors).toEqual([]);

    // The supervisor approves it; the village page counts it.
    const supervisor = await (await browser.newContext()).newPage();
    await firstSignIn(supervisor, server.url, 'sup.yuecheng', once['sup.yuecheng'], '越城镇审核员-2026');
    await supervisor.goto(server.url + '/review');
    await hydrated(supervisor);
    await expect(supervisor.getByTestId('review-submitted')).toHaveCount(1);
    await supervisor.getByTestId('review-submitted').getByTestId('approve').click();
    await expect(supervisor.getByTestId('review-submitted')).toHaveCount(0);
    await supervisor.goto(server.url + '/unit/513434100201?wave=2025');
    await expect(supervisor.locator(`tr[data-household="${household}"]`)).toContainText('已审核');
    await expect(supervisor.getByTestId('card-households_surveyed').getByTestId('card-value')).toHaveAttribute('data-raw', '1');
    await expect(supervisor.getByTestId('card-per_capita_net_income').getByTestId('card-value')).toHaveAttribute('data-raw', '4000');
    // Chromium logs every non-2xx fetch; the refused files' 422s are the answers asked for.
    expect(errors.filter((e) => !e.includes('status of 422'))).toEqual([]);
  } finally {
    await server.stop();
  }
});
