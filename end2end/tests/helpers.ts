// Shared steps of the browser tests: where the server is, error watching, signing in.
import { expect, type Page } from '@playwright/test';

/** The demo accounts' password (demo data only; `make run` prints it). */
export const DEMO_PASSWORD = 'tanhui-demo-2026';

export const base = () => {
  const url = process.env.TANHUI_E2E_URL;
  if (!url) throw new Error('TANHUI_E2E_URL not set: global setup did not start the server');
  return url;
};

/** Collects uncaught errors in the page (a wasm panic, a failed hydration, a CSP refusal). */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(msg.text());
  });
  return errors;
}

export async function hydrated(page: Page) {
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
}

/** Signs in through the sign-in form, as a person would, and waits for the next page. */
export async function signIn(page: Page, username: string, password = DEMO_PASSWORD, next = '/') {
  await page.goto(base() + '/login?next=' + encodeURIComponent(next));
  await page.getByLabel(/用户名|Username/).fill(username);
  await page.getByLabel(/^密码$|^Password$/).fill(password);
  await page.getByTestId('login-submit').click();
  await expect(page).not.toHaveURL(/\/login/);
}

/** A valid 18-character ID-card number (GB 11643 check character) for a sequence number and
 * a birth date (YYYYMMDD) in Yuexi. */
export function idCard(sequence: number, born = '19800315'): string {
  const first17 = `513434` + born + String(sequence).padStart(3, '0');
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...first17].reduce((s, d, i) => s + Number(d) * weights[i], 0);
  return first17 + '10X98765432'[sum % 11];
}

/** Picks `value` in the select named `name`. */
export async function choose(page: Page, name: string, value: string) {
  await page.locator(`select[name="${name}"]`).selectOption(value);
}

/** Types into the input named `name` and leaves it (its message then shows). */
export async function type(page: Page, name: string, value: string) {
  const input = page.locator(`input[name="${name}"]`);
  await input.fill(value);
  await input.press('Tab');
}
