// Erasure as an administrator lives it, on a server of its own (it changes households): a
// household is marked moved out six years ago on its page, the privacy page lists it under
// the data inventory, one click erases it, and its page then says so without a name.
import { test, expect, type Page } from '@playwright/test';
import { startServer, type Server } from '../server';
import { DEMO_PASSWORD, hydrated, watchErrors } from './helpers';

let server: Server;

test.beforeAll(async () => {
  server = await startServer({ TANHUI_DEMO: 'true', TANHUI_DEMO_HOUSEHOLDS: '200' });
});

test.afterAll(async () => {
  await server?.stop();
});

async function signIn(page: Page, next: string) {
  await page.goto(server.url + '/login?next=' + encodeURIComponent(next));
  await page.getByLabel(/用户名|Username/).fill('admin');
  await page.getByLabel(/^密码$|^Password$/).fill(DEMO_PASSWORD);
  await page.getByTestId('login-submit').click();
  await expect(page).not.toHaveURL(/\/login/);
}

/** `YYYY-MM-DD`, `years` years before today in China (UTC+8). */
function yearsAgo(years: number): string {
  const now = new Date(Date.now() + 8 * 3600_000);
  now.setUTCFullYear(now.getUTCFullYear() - years);
  return now.toISOString().slice(0, 10);
}

test('an administrator erases a household that left more than five years ago', async ({ page }) => {
  test.setTimeout(90_000);
  const errors = watchErrors(page);
  await signIn(page, '/admin/privacy');
  await hydrated(page);
  await expect(page.getByTestId('inventory')).toContainText('户主身份证号');
  await expect(page.getByTestId('inventory')).toContainText('XChaCha20-Poly1305');
  await expect(page.getByTestId('nothing-due')).toBeVisible();

  // A household from the at-risk list, marked moved out six years ago on its page.
  await page.goto(server.url + '/at-risk');
  const first = page.getByTestId('risk-household').first();
  const name = (await first.textContent())!.trim();
  await first.click();
  await expect(page.getByTestId('household-title')).toContainText(name);
  await hydrated(page);
  const householdUrl = page.url();
  const left = yearsAgo(6);
  await page.getByTestId('correction').locator('summary').click();
  const form = page.getByTestId('correction-form');
  await form.locator('select[name="input[status]"]').selectOption('moved_out');
  await form.locator('input[name="input[left_on]"]').fill(yearsAgo(-1));
  await form.locator('textarea[name="input[reason]"]').fill('全家迁往成都');
  await form.getByRole('button').click();
  await expect(page.getByTestId('form-issues')).toContainText('在今天');
  await form.locator('input[name="input[left_on]"]').fill(left);
  await form.getByRole('button').click();
  await expect(page.getByTestId('corrected')).toBeVisible();
  await page.reload();
  await expect(page.getByTestId('household-status')).toContainText(left);

  // The privacy page lists it as due; one click erases it.
  await page.getByTestId('privacy-link').click();
  await hydrated(page);
  await expect(page.getByTestId('erasure-summary')).toHaveAttribute('data-due', '1');
  const id = householdUrl.split('/').pop()!;
  const row = page.locator(`tr[data-household="${id}"]`);
  await expect(row).toContainText(left);
  await row.getByTestId('erase-one').getByRole('button').click();
  await expect(page.getByTestId('erased')).toContainText('已删除 1 户');
  await expect(page.getByTestId('erasure-summary')).toHaveAttribute('data-erased', '1');
  await expect(page.getByTestId('nothing-due')).toBeVisible();

  // Its page: no name, no correction form, the erasure stated.
  await page.goto(householdUrl);
  await expect(page.getByTestId('household-erased')).toBeVisible();
  await expect(page.getByTestId('household-title')).toContainText('（已删除）');
  await expect(page.getByTestId('household-title')).not.toContainText(name);
  await expect(page.getByTestId('correction')).toHaveCount(0);
  expect(errors).toEqual([]);
});
