// Two-step verification as an administrator lives it, on a server of its own where the
// administrator's role must use it (the default): the first sign-in leads to enrolment, and
// after it the sign-in asks for the authenticator's code; a wrong code is refused, and a
// recovery code works once.
import { createHmac } from 'node:crypto';
import { test, expect, type Page } from '@playwright/test';
import { startServer, type Server } from '../server';
import { DEMO_PASSWORD, hydrated, watchErrors } from './helpers';

/** RFC 4648 base32 (spaces ignored) to bytes. */
function fromBase32(text: string): Buffer {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const c of text.replace(/\s+/g, '').toUpperCase()) {
    value = (value << 5) | alphabet.indexOf(c);
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((value >>> bits) & 0xff);
    }
  }
  return Buffer.from(out);
}

/** The RFC 6238 code (HMAC-SHA-1, 6 digits, 30 s) of `secret` at time step `step`: what the
 * phone's authenticator app shows, computed here independently of the server. */
function code(secret: Buffer, step: number): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', secret).update(counter).digest();
  const offset = mac[19] & 0x0f;
  const number =
    (((mac[offset] & 0x7f) << 24) | (mac[offset + 1] << 16) | (mac[offset + 2] << 8) | mac[offset + 3]) % 1_000_000;
  return String(number).padStart(6, '0');
}

const stepNow = () => Math.floor(Date.now() / 30_000);

let server: Server;

test.beforeAll(async () => {
  server = await startServer({
    TANHUI_DEMO: 'true',
    TANHUI_DEMO_HOUSEHOLDS: '200',
    TANHUI_TWO_FACTOR_ROLES: 'admin,official',
  });
});

test.afterAll(async () => {
  await server?.stop();
});

async function password(page: Page, next = '/') {
  await page.goto(server.url + '/login?next=' + encodeURIComponent(next));
  await page.getByLabel(/用户名|Username/).fill('admin');
  await page.getByLabel(/^密码$|^Password$/).fill(DEMO_PASSWORD);
  await page.getByTestId('login-submit').click();
}

async function signOut(page: Page) {
  await page.getByTestId('logout').click();
  await expect(page.getByTestId('signed-out')).toBeVisible();
}

async function typeCode(page: Page, text: string) {
  await expect(page).toHaveURL(/\/login\/second-factor/);
  await page.getByTestId('second-factor-code').fill(text);
  await page.getByTestId('second-factor-submit').click();
}

test('an administrator enrols an authenticator, then signs in with its code or a recovery code once', async ({ page }) => {
  test.setTimeout(90_000);
  const errors = watchErrors(page);

  // The first sign-in with the password alone opens only the account page, to enrol.
  await password(page, '/');
  await expect(page).toHaveURL(/\/account\?enrol=1/);
  await hydrated(page);
  await expect(page.getByTestId('must-enrol')).toBeVisible();
  await page.goto(server.url + '/admin/users');
  await expect(page).toHaveURL(/\/account\?enrol=1/);
  await hydrated(page);

  await page.getByTestId('start-second-factor').getByRole('button').click();
  const enrolment = page.getByTestId('second-factor-enrolment');
  await expect(enrolment.locator('svg')).toBeVisible();
  const secret = fromBase32((await page.getByTestId('second-factor-secret').textContent()) || '');
  expect(secret.length).toBe(20);

  // A wrong first code is refused with the field's message; the right one turns it on.
  const enrolled = stepNow();
  const wrong = code(secret, enrolled) === '000000' ? '000001' : '000000';
  await page.getByTestId('second-factor-confirm').getByTestId('second-factor-code').fill(wrong);
  await page.getByTestId('second-factor-confirm').getByRole('button').click();
  await expect(page.getByText(/验证码不正确或已用过/)).toBeVisible();
  await page.getByTestId('second-factor-confirm').getByTestId('second-factor-code').fill(code(secret, enrolled));
  await page.getByTestId('second-factor-confirm').getByRole('button').click();
  await expect(page.getByTestId('second-factor-on')).toBeVisible();
  const recovery = (await page.getByTestId('recovery-codes').locator('code').allTextContents()).map((c) => c.trim());
  expect(recovery).toHaveLength(10);
  await expect(page.getByTestId('second-factor-status')).toContainText('剩余恢复码 10 个');

  // Everything opens now.
  await page.goto(server.url + '/admin/users');
  await expect(page).toHaveURL(/\/admin\/users/);
  await expect(page.getByTestId('user-admin').getByTestId('has-second-factor')).toBeVisible();
  await signOut(page);

  // The password alone is not enough; a wrong code is refused; the authenticator's code opens.
  await password(page, '/admin/users');
  await typeCode(page, wrong);
  await expect(page.getByTestId('login-error')).toContainText('验证码不正确或已用过');
  // The enrolment's time step is used up: the next one (or now, if later) is what the phone shows.
  await typeCode(page, code(secret, Math.max(enrolled + 1, stepNow())));
  await expect(page).toHaveURL(/\/admin\/users/);
  await signOut(page);

  // Without the phone: a recovery code, typed as printed, works once.
  await password(page, '/');
  await typeCode(page, recovery[0]);
  await expect(page).not.toHaveURL(/\/login/);
  await signOut(page);
  await password(page, '/');
  await typeCode(page, recovery[0]);
  await expect(page.getByTestId('login-error')).toBeVisible();
  await typeCode(page, recovery[1]);
  await expect(page).not.toHaveURL(/\/login/);
  await page.goto(server.url + '/account');
  await hydrated(page);
  await expect(page.getByTestId('second-factor-status')).toContainText('剩余恢复码 8 个');
  expect(errors).toEqual([]);
});
