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
