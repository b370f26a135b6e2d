// The one-file release: `tanhui bundle` puts the site inside the binary; copied alone into an
// empty folder it serves pages that hydrate. An upgrade under a browser that holds the old
// build's files in its cache: the new pages ask for the new build's files, never the old.
import { copyFileSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { bundle, secondBuild } from '../builds';
import { siteRoot, startServer, type Server } from '../server';
import { hydrated, watchErrors } from './helpers';

/** Every /pkg request the page makes from now on. */
function pkgRequests(page: Page): string[] {
  const seen: string[] = [];
  page.on('request', (request) => {
    const path = new URL(request.url()).pathname;
    if (path.startsWith('/pkg/')) seen.push(path);
  });
  return seen;
}

/** The first start's administrator signs in with the printed one-time password and
 * replaces it (the account page answers 403 to the page's own requests until then). */
async function firstSignIn(page: Page, server: Server) {
  await expect.poll(() => server.printed(), { timeout: 10_000 }).toContain('one-time password');
  const once = server.printed().match(/one-time password (\S+)/)![1];
  await page.goto(server.url + '/login');
  await hydrated(page);
  await page.getByLabel(/用户名|Username/).fill('admin');
  await page.getByLabel(/^密码$|^Password$/).fill(once);
  await page.getByTestId('login-submit').click();
  await expect(page).toHaveURL(/\/account\?must_change=1/);
  await hydrated(page);
  await page.locator('input[name="current"]').fill(once);
  await page.locator('input[name="new"]').fill('一个部署测试的密码-2026');
  await page.getByTestId('password-form').getByRole('button').click();
  await expect(page.getByTestId('password-changed')).toBeVisible();
}

test('the bundled binary copied alone into an empty folder serves pages that hydrate', async ({ page }) => {
  test.setTimeout(90_000);
  const dir = mkdtempSync(join(tmpdir(), 'tanhui-bundle-'));
  const build = bundle(siteRoot(), join(dir, 'built'));
  // The deployment: one file in an empty folder, run from there with no site folder set.
  const empty = join(dir, 'srv');
  cpSync(join(dir, 'built'), join(empty, 'tanhui'));
  rmSync(join(dir, 'built'));
  const server = await startServer({ TANHUI_DEMO: 'false' }, { binary: join(empty, 'tanhui'), cwd: empty, siteFolder: false });
  try {
    const requested = pkgRequests(page);
    await firstSignIn(page, server);
    const errors = watchErrors(page);
    await page.goto(server.url + '/');
    await hydrated(page);
    expect(requested).toContain(`/pkg/tanhui.${build}.wasm`);
    expect(requested).toContain(`/pkg/tanhui.${build}.js`);
    expect(requested).toContain(`/pkg/tanhui.${build}.css`);
    const wasm = await page.request.get(`${server.url}/pkg/tanhui.${build}.wasm`);
    expect(wasm.status()).toBe(200);
    expect(wasm.headers()['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(errors).toEqual([]);
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('after an upgrade a browser holding the old build in its cache hydrates with the new one', async ({ page }) => {
  test.setTimeout(120_000);
  const dir = mkdtempSync(join(tmpdir(), 'tanhui-upgrade-'));
  const srv = join(dir, 'srv');
  const binary = join(srv, 'tanhui');
  const db = `sqlite://${join(dir, 'tanhui.db')}`;
  const buildA = bundle(siteRoot(), join(dir, 'a'));
  const buildB = bundle(secondBuild(dir), join(dir, 'b'));
  expect(buildB).not.toBe(buildA);
  cpSync(join(dir, 'a'), binary);

  const requested = pkgRequests(page);
  let server = await startServer({ TANHUI_DEMO: 'false' }, { binary, cwd: srv, db, siteFolder: false });
  const port = server.port;
  try {
    await firstSignIn(page, server);
    const errors = watchErrors(page);
    await page.goto(server.url + '/admin/status');
    await hydrated(page);
    await expect(page.getByTestId('operations')).toContainText(buildA);
    expect(requested.filter((p) => p.includes(buildA)).length).toBeGreaterThanOrEqual(3);

    // The old server stops; the browser still has build A's files in its HTTP cache.
    await server.stop();
    const cached = await page.evaluate(async (url) => {
      const response = await fetch(url, { cache: 'force-cache' });
      return response.status;
    }, `/pkg/tanhui.${buildA}.wasm`);
    expect(cached, 'build A is in the browser cache while no server answers').toBe(200);

    // The upgrade: the new binary replaces the old file, same database, same address.
    copyFileSync(join(dir, 'b'), binary);
    server = await startServer({ TANHUI_DEMO: 'false' }, { binary, cwd: srv, db, siteFolder: false, port });
    requested.length = 0;
    await page.reload();
    await hydrated(page);
    await expect(page.getByTestId('operations')).toContainText(buildB);
    expect(requested).toContain(`/pkg/tanhui.${buildB}.js`);
    expect(requested).toContain(`/pkg/tanhui.${buildB}.wasm`);
    expect(requested.filter((p) => p.includes(buildA)), 'nothing of build A is asked for').toEqual([]);
    const marker = await page.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue('--tanhui-build').trim());
    expect(marker).toBe('"B"');
    // The page works: a server-function round trip from the hydrated page.
    await page.getByTestId('check-server').click();
    await expect(page.getByTestId('server-status')).toContainText(/服务器正常|Server OK/);
    // The old build's files are gone from the new server.
    const old = await page.request.get(`${server.url}/pkg/tanhui.${buildA}.wasm`);
    expect(old.status()).toBe(404);
    expect(errors).toEqual([]);
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
