// A day in the field without a network, as an enumerator lives it: sign in, prepare for
// offline, lose the signal, reload the household list (it opens), register a household and
// submit two surveys, close the page, open it again (the badge says 3), get the signal back:
// within a minute, without a click, all three are on the server exactly once. Then what goes
// wrong in the field: a supervisor changes a survey the enumerator is editing offline (the
// conflict shown side by side, the enumerator's answers kept), a connection that drops the
// answer after the server saved (one survey, not two), a new build arriving while the outbox
// holds work (the new build replaces the cached app and uploads the old build's outbox), and a
// device that cannot reach the server at all (its outbox exported to a file that a supervisor
// uploads, twice, with one survey stored).
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { bundle, secondBuild } from '../builds';
import { siteRoot, startServer } from '../server';
import { base, choose, DEMO_PASSWORD, hydrated, idCard, signIn, type, watchErrors } from './helpers';

declare global {
  interface Window {
    tanhuiOffline: {
      package(): Promise<string | null>;
      items(): Promise<string>;
      sync(): Promise<string>;
      enqueue(item: string): Promise<string>;
    };
  }
}

interface Form {
  household: string;
  wave: number;
  editable: boolean;
  survey: { version: number } | null;
  previous: unknown;
}

/** The head's row and the guarantees: a complete, valid survey. */
async function fillSurvey(page: Page, wages: string) {
  await choose(page, 'members[0].sex', 'female');
  await type(page, 'members[0].birth_year', '1975');
  await choose(page, 'members[0].ethnicity', 'yi');
  await choose(page, 'members[0].education', 'primary');
  await choose(page, 'members[0].health', 'healthy');
  await choose(page, 'members[0].labour', 'ordinary');
  await page.getByRole('button', { name: '+ 添加务工' }).click();
  await choose(page, 'employment[0].activity', 'forest_ranger');
  await type(page, 'employment[0].days', '200');
  await type(page, 'employment[0].wages', wages);
  for (const g of ['food_clothing_secure', 'schooling_ok', 'insured', 'housing_safe', 'water_safe']) {
    await page.locator(`input[name="guarantees.${g}"]`).check();
  }
}

/** Submits the form; unusual values are confirmed as the enumerator would. */
async function submit(page: Page) {
  await page.getByTestId('submit-survey').click();
  const confirm = page.getByTestId('confirm-submit');
  const queued = page.getByTestId('queued');
  await expect(confirm.or(queued)).toBeVisible();
  if (await confirm.isVisible()) await confirm.click();
  await expect(queued).toContainText('已保存在本机，尚未上传');
}

/** The device's offline package, as stored. */
async function packageOf(page: Page): Promise<{ home: { wave: number }; forms: Form[] }> {
  const text = await page.evaluate(() => window.tanhuiOffline.package());
  expect(text, 'an offline package on the device').not.toBeNull();
  return JSON.parse(text!);
}

/** Households of the package whose survey of the wave the enumerator may still start. */
function startable(pkg: { forms: Form[] }): Form[] {
  return pkg.forms.filter((f) => f.editable && f.survey === null);
}

/** "Prepare for offline" on the sync page (after the service worker is ready, where it runs). */
async function prepare(page: Page, url: string, worker = true) {
  await page.goto(url + '/sync');
  await hydrated(page);
  if (worker) await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
  await page.getByTestId('prepare-offline').click();
  await expect(page.getByTestId('sync-said')).toContainText('离线数据已下载到这台设备');
  await expect(page.getByTestId('device-package')).toContainText('户');
}

let registered = 0;

/** Registers `n` households online in the enumerator's first village (no survey yet, so
 * their forms can be started offline); returns their ids. */
async function freshHouseholds(page: Page, url: string, n: number): Promise<string[]> {
  const own = await (await page.request.get(`${url}/api/v1/field/offline`)).json();
  const village = own.register.villages[0].code;
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    registered += 1;
    const card = idCard((Math.floor(Date.now() / 100) + registered * 131) % 997, '19910815');
    const response = await page.request.post(`${url}/api/v1/households`, {
      headers: { origin: url },
      data: {
        village, registry_no: `8${String(Date.now()).slice(-5)}${registered}`, head_name: `测试户${registered}`,
        head_id_card: card, head_sex: Number(card[16]) % 2 === 1 ? 'male' : 'female', head_ethnicity: 'yi',
        poverty_registration: 'general', poverty_cause: 'lack_skills', registration_year: 2014, model: 'household',
      },
    });
    expect(response.status(), await response.text()).toBe(201);
    ids.push((await response.json()).id);
  }
  return ids;
}

async function surveysOf(page: Page, url: string, household: string) {
  const response = await page.request.get(`${url}/api/v1/households/${household}`);
  expect(response.status()).toBe(200);
  return (await response.json()).surveys as { id: string; wave: number; status: string; version: number }[];
}

async function badge(page: Page) {
  return page.getByTestId('outbox-badge');
}

test.describe('with the service worker', () => {
  test.use({ serviceWorkers: 'allow' });

  test('a day offline: the list opens, one registration and two surveys wait, and arrive once when the signal returns', async ({ browser }) => {
    test.setTimeout(240_000);
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors = watchErrors(page);
    await signIn(page, 'enumerator');
    const [household] = await freshHouseholds(page, base(), 1);
    await prepare(page, base());
    await expect(page.getByTestId('device-persisted')).toBeVisible();
    const pkg = await packageOf(page);
    const first = startable(pkg).find((f) => f.household === household)!;
    expect(first, 'the new household, ready to survey').toBeTruthy();

    // A revisit downloads no wasm or JS: the service worker answers from the build's cache.
    const fromWorker: string[] = [];
    const fromNetwork: string[] = [];
    page.on('response', (r) => {
      const path = new URL(r.url()).pathname;
      if (path.startsWith('/pkg/')) (r.fromServiceWorker() ? fromWorker : fromNetwork).push(path);
    });
    await page.goto(base() + '/field');
    await hydrated(page);
    expect(fromWorker.filter((p) => p.endsWith('.wasm') || p.endsWith('.js')).length).toBe(2);
    expect(fromNetwork).toEqual([]);

    // No signal. The household list still opens, from the device.
    await context.setOffline(true);
    await page.goto(base() + '/field');
    await expect(page.locator('body')).toHaveAttribute('data-shell', 'offline');
    await expect(page.getByTestId('field-households').first()).toBeVisible();
    await expect(page.locator(`tr[data-household="${first.household}"]`)).toBeVisible();

    // A new household, registered on the device; its survey follows at once.
    await page.getByTestId('register-link').click();
    await expect(page.getByTestId('register-form')).toBeVisible();
    const card = idCard(Math.floor(Date.now() / 1000) % 997, '19900720');
    await page.locator('input[name="registry_no"]').fill('8801');
    await page.locator('input[name="head_name"]').fill('阿苏拉哈');
    await page.locator('input[name="head_id_card"]').fill(card);
    await choose(page, 'head_sex', Number(card[16]) % 2 === 1 ? 'male' : 'female');
    await choose(page, 'poverty_registration', 'general');
    await choose(page, 'poverty_cause', 'lack_skills');
    await choose(page, 'model', 'household');
    await page.locator('input[name="registration_year"]').fill('2014');
    await page.getByTestId('register-submit').click();
    await expect(page).toHaveURL(/\/survey\//);
    const registered = page.url().split('/survey/')[1].split('?')[0];
    await expect(page.getByTestId('survey-form')).toBeVisible();
    await fillSurvey(page, '6000');
    await submit(page);

    // A household of the list: a full page load, offline.
    await page.goto(`${base()}/survey/${first.household}?wave=${pkg.home.wave}`);
    await expect(page.getByTestId('survey-form')).toBeVisible();
    await fillSurvey(page, '7200');
    await submit(page);
    await expect(await badge(page)).toHaveAttribute('data-count', '3');

    // The page is closed and opened again, still offline: everything is still there.
    await page.close();
    const again = await context.newPage();
    const errorsAgain = watchErrors(again);
    await again.goto(base() + '/field');
    await expect(again.locator('body')).toHaveAttribute('data-shell', 'offline');
    await expect(await badge(again)).toHaveAttribute('data-count', '3');
    await expect(again.locator(`tr[data-household="${registered}"]`)).toContainText('本机待上传');
    await again.screenshot({ path: 'test-results/screens/offline-field.png', fullPage: true });

    // The signal returns: no click, and within a minute the outbox is empty.
    await context.setOffline(false);
    await expect(await badge(again)).toHaveAttribute('data-count', '0', { timeout: 70_000 });
    for (const household of [registered, first.household]) {
      const surveys = (await surveysOf(again, base(), household)).filter((s) => s.wave === pkg.home.wave);
      expect(surveys.length, `one survey of ${household}`).toBe(1);
      expect(surveys[0].status).toBe('submitted');
      expect(surveys[0].version).toBe(1);
    }
    const offlineNoise = (e: string) => e.includes('ERR_INTERNET_DISCONNECTED') || e.includes('Failed to fetch');
    expect(errors.filter((e) => !offlineNoise(e))).toEqual([]);
    expect(errorsAgain.filter((e) => !offlineNoise(e))).toEqual([]);
    await context.close();
  });

  test('a supervisor changes a survey the enumerator edits offline: both side by side, the enumerator keeps theirs', async ({ browser }) => {
    test.setTimeout(180_000);
    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page, 'enumerator');
    const [household] = await freshHouseholds(page, base(), 1);
    await prepare(page, base());
    const pkg = await packageOf(page);
    const form = startable(pkg).find((f) => f.household === household)!;
    const wave = pkg.home.wave;

    // A draft saved online first (version 1), then the device refreshes its data.
    await page.goto(`${base()}/survey/${form.household}?wave=${wave}`);
    await hydrated(page);
    await fillSurvey(page, '5000');
    await page.getByTestId('save-draft').click();
    await expect(page.getByTestId('saved')).toContainText('第 1 版');
    await prepare(page, base());

    // Offline, the enumerator corrects the wages and saves the draft on the device.
    await context.setOffline(true);
    await page.goto(`${base()}/survey/${form.household}?wave=${wave}`);
    await expect(page.locator('body')).toHaveAttribute('data-shell', 'offline');
    await expect(page.locator('input[name="employment[0].wages"]')).toHaveValue('5000');
    await type(page, 'employment[0].wages', '5600');
    await page.getByTestId('save-draft').click();
    await expect(page.getByTestId('queued')).toBeVisible();

    // Meanwhile the supervisor, online, changes the days worked (version 2).
    const supervisor = await (await browser.newContext()).newPage();
    await signIn(supervisor, 'supervisor');
    const current = await (await supervisor.request.get(`${base()}/api/v1/households/${form.household}/surveys/${wave}`)).json();
    const theirs = current.answers;
    theirs.employment[0].days = 150;
    const changed = await supervisor.request.put(`${base()}/api/v1/households/${form.household}/surveys/${wave}`, {
      headers: { origin: base() },
      data: { client_id: crypto.randomUUID(), base_version: 1, submit: false, answers: theirs },
    });
    expect(changed.status()).toBe(200);

    // Back online: the device's save meets version 2, and waits as a conflict.
    await context.setOffline(false);
    await page.goto(base() + '/sync');
    await hydrated(page);
    await page.getByTestId('sync-now').click();
    const conflict = page.getByTestId('conflict');
    await expect(conflict).toBeVisible({ timeout: 20_000 });
    const wages = conflict.locator('tr[data-field="employment[0].wages"]');
    await expect(wages.locator('td.mine')).toHaveText('5600');
    await expect(wages.locator('td.theirs')).toHaveText('5000');
    await expect(conflict.locator('tr[data-field="employment[0].days"] td.theirs')).toHaveText('150');
    await page.screenshot({ path: 'test-results/screens/offline-conflict.png', fullPage: true });
    await conflict.getByTestId('keep-mine').click();
    await expect(page.getByTestId('outbox-empty')).toBeVisible({ timeout: 20_000 });
    const stored = await (await page.request.get(`${base()}/api/v1/households/${form.household}/surveys/${wave}`)).json();
    expect(stored.survey.version).toBe(3);
    expect(stored.answers.employment[0].wages).toBe(5600);
    await context.close();
  });

  test('a new build replaces the cached app without mixing versions and uploads the old build\'s outbox', async ({ browser }) => {
    test.setTimeout(240_000);
    const dir = mkdtempSync(join(tmpdir(), 'tanhui-offline-upgrade-'));
    const srv = join(dir, 'srv');
    const binary = join(srv, 'tanhui');
    const db = `sqlite://${join(dir, 'tanhui.db')}`;
    const buildA = bundle(siteRoot(), join(dir, 'a'));
    const buildB = bundle(secondBuild(dir), join(dir, 'b'));
    cpSync(join(dir, 'a'), binary);
    const env = { TANHUI_DEMO: 'true', TANHUI_DEMO_HOUSEHOLDS: '300' };
    let server = await startServer(env, { binary, cwd: srv, db, siteFolder: false });
    const port = server.port;
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(server.url + '/login?next=/sync');
      await page.getByLabel(/用户名|Username/).fill('enumerator');
      await page.getByLabel(/^密码$|^Password$/).fill(DEMO_PASSWORD);
      await page.getByTestId('login-submit').click();
      await expect(page).toHaveURL(/\/sync/);
      const [household] = await freshHouseholds(page, server.url, 1);
      await prepare(page, server.url);
      const cachesA = await page.evaluate(() => caches.keys());
      expect(cachesA.length).toBe(1);
      expect(cachesA[0]).toContain(buildA);
      const pkg = await packageOf(page);
      const form = startable(pkg).find((f) => f.household === household)!;

      // Offline under build A: a survey waits in the outbox.
      await context.setOffline(true);
      await page.goto(`${server.url}/survey/${form.household}?wave=${pkg.home.wave}`);
      await expect(page.locator('body')).toHaveAttribute('data-shell', 'offline');
      await fillSurvey(page, '4800');
      await submit(page);

      // Build B is installed on the server meanwhile.
      await server.stop();
      cpSync(join(dir, 'b'), binary);
      server = await startServer(env, { binary, cwd: srv, db, siteFolder: false, port });

      // Online again: the page loads build B, whose worker replaces build A's cache.
      await context.setOffline(false);
      const requested: string[] = [];
      page.on('request', (r) => requested.push(new URL(r.url()).pathname));
      await page.goto(server.url + '/sync');
      await hydrated(page);
      await expect.poll(() => page.evaluate(() => caches.keys()), { timeout: 30_000 }).toEqual([expect.stringContaining(buildB)]);
      expect(requested.filter((p) => p.includes(buildA)), 'nothing of build A is asked for').toEqual([]);
      // Offline again, the shell is build B's, with build B's files.
      await context.setOffline(true);
      await page.goto(server.url + '/field');
      await expect(page.locator('body')).toHaveAttribute('data-shell', 'offline');
      const scripts = await page.evaluate(() => [...document.querySelectorAll('link[rel=stylesheet], script[type=module]')].map((e) => e.outerHTML).join(' '));
      expect(scripts).toContain(buildB);
      expect(scripts).not.toContain(buildA);
      await context.setOffline(false);
      // The outbox made under build A is uploaded by build B.
      await expect(await badge(page)).toHaveAttribute('data-count', '0', { timeout: 70_000 });
      const surveys = (await surveysOf(page, server.url, form.household)).filter((s) => s.wave === pkg.home.wave);
      expect(surveys.length).toBe(1);
      expect(surveys[0].status).toBe('submitted');
    } finally {
      await context.close();
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

test.describe('without the service worker', () => {
  test('a registration the server refuses is fixed on the registration form under its own id', async ({ page }) => {
    test.setTimeout(120_000);
    await signIn(page, 'enumerator');
    await prepare(page, base(), false);
    const village = ((await packageOf(page)) as unknown as { register: { villages: { code: string }[] } }).register.villages[0].code;
    const listed = await (await page.request.get(`${base()}/api/v1/households?village=${village}`)).json();
    const taken: string = listed.households[0].head_id_card;
    const id = crypto.randomUUID();
    // Registered on the device with a head another household already has.
    const input = {
      village, registry_no: `7${String(Date.now()).slice(-5)}`, head_name: '吉克重复', head_id_card: taken,
      head_sex: Number(taken[16]) % 2 === 1 ? 'male' : 'female', head_ethnicity: 'yi',
      poverty_registration: 'general', poverty_cause: 'lack_skills', registration_year: 2014, model: 'household',
    };
    await page.evaluate(
      ([id, input]) => window.tanhuiOffline.enqueue(JSON.stringify({ label: '吉克重复', request: { kind: 'household', id, input } })),
      [id, input] as const,
    );
    await page.getByTestId('sync-now').click();
    const refused = page.locator(`li.outbox-item[data-id="${id}"][data-state="invalid"]`);
    await expect(refused.getByTestId('form-issues')).toContainText('身份证号');
    // Fixed on the registration form, which opens with what the device kept.
    await refused.getByTestId('fix-item').click();
    await hydrated(page);
    await expect(page.locator('input[name="head_name"]')).toHaveValue('吉克重复');
    await expect(page.locator('input[name="head_id_card"]')).toHaveValue(taken);
    const card = idCard((Math.floor(Date.now() / 100) + 7) % 997, '19920101');
    await page.locator('input[name="head_id_card"]').fill(card);
    await choose(page, 'head_sex', Number(card[16]) % 2 === 1 ? 'male' : 'female');
    await page.getByTestId('register-submit').click();
    await expect(page).toHaveURL(new RegExp(`/survey/${id}`));
    await expect(await badge(page)).toHaveAttribute('data-count', '0');
    const stored = await (await page.request.get(`${base()}/api/v1/households/${id}`)).json();
    expect(stored.head_id_card).toBe(card);
    expect(stored.head_name).toBe('吉克重复');
  });

  test('a save the server refuses keeps its answers on the device until they are fixed in the form', async ({ page }) => {
    test.setTimeout(120_000);
    await signIn(page, 'enumerator');
    const [household] = await freshHouseholds(page, base(), 1);
    await prepare(page, base(), false);
    const wave = (await packageOf(page)).home.wave;
    // A save made under rules the server no longer accepts (a device on an older build): the
    // head born in 2030.
    const head = { relation: 'head', sex: 'female', birth_year: 2030, ethnicity: 'yi', education: 'primary', health: 'healthy', labour: 'ordinary' };
    const guarantees = { food_clothing_secure: true, schooling_ok: true, insured: true, housing_safe: true, water_safe: true };
    await page.evaluate(
      ([household, wave, head, guarantees]) =>
        window.tanhuiOffline.enqueue(JSON.stringify({
          label: '测试户 (旧版本)',
          request: { kind: 'survey', household, wave, client_id: crypto.randomUUID(), base_version: 0, submit: false, confirm_warnings: false, answers: { members: [head], guarantees } },
        })),
      [household, wave, head, guarantees] as const,
    );
    await page.getByTestId('sync-now').click();
    const refused = page.locator('li.outbox-item[data-state="invalid"]');
    await expect(refused).toBeVisible();
    await expect(refused.getByTestId('form-issues')).toContainText('出生年份');
    await expect(await badge(page)).toHaveAttribute('data-count', '1');
    // Fixed in the form: it opens with what the device kept.
    await refused.getByRole('link', { name: '打开问卷' }).click();
    await hydrated(page);
    await expect(page.getByTestId('local-copy')).toBeVisible();
    await page.getByTestId('restore-local').click();
    await expect(page.locator('input[name="members[0].birth_year"]')).toHaveValue('2030');
    await type(page, 'members[0].birth_year', '1975');
    await page.getByTestId('save-draft').click();
    await expect(page.getByTestId('saved')).toContainText('第 1 版');
    await expect(await badge(page)).toHaveAttribute('data-count', '0');
    const stored = await (await page.request.get(`${base()}/api/v1/households/${household}/surveys/${wave}`)).json();
    expect(stored.answers.members[0].birth_year).toBe(1975);
  });

  test('the answer is lost after the server saved: one survey, and the outbox empties on the next sync', async ({ page }) => {
    test.setTimeout(120_000);
    await signIn(page, 'enumerator');
    const [household] = await freshHouseholds(page, base(), 1);
    await prepare(page, base(), false);
    const pkg = await packageOf(page);
    const form = startable(pkg).find((f) => f.household === household)!;
    await page.goto(`${base()}/survey/${form.household}?wave=${pkg.home.wave}`);
    await hydrated(page);
    await fillSurvey(page, '3900');
    // The form's own save fails on the way: the save goes into the outbox.
    await page.route('**/sfn/save_survey', (route) => route.abort('internetdisconnected'));
    // The outbox's first send reaches the server, whose answer is lost.
    let dropped = 0;
    await page.route('**/api/v1/households/*/surveys/*', async (route) => {
      if (dropped === 0) {
        dropped += 1;
        await route.fetch();
        await route.abort('connectionreset');
      } else {
        await route.continue();
      }
    });
    await submit(page);
    await expect.poll(() => dropped, { timeout: 20_000 }).toBe(1);
    const items = JSON.parse(await page.evaluate(() => window.tanhuiOffline.items()));
    expect(items.length, 'still in the outbox: the answer never came').toBe(1);
    expect(items[0].attempts).toBe(1);
    await page.evaluate(() => window.tanhuiOffline.sync());
    await expect(await badge(page)).toHaveAttribute('data-count', '0');
    const surveys = (await surveysOf(page, base(), form.household)).filter((s) => s.wave === pkg.home.wave);
    expect(surveys.length).toBe(1);
    expect(surveys[0].version).toBe(1);
  });

  test('a device that cannot reach the server: its outbox file, uploaded twice by the supervisor, stores one survey', async ({ browser }) => {
    test.setTimeout(120_000);
    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page, 'enumerator');
    const [household] = await freshHouseholds(page, base(), 1);
    await prepare(page, base(), false);
    const pkg = await packageOf(page);
    const form = startable(pkg).find((f) => f.household === household)!;
    await page.goto(`${base()}/survey/${form.household}?wave=${pkg.home.wave}`);
    await hydrated(page);
    await fillSurvey(page, '4100');
    await context.setOffline(true);
    await submit(page);
    // This device never reaches the server's survey API: the file is the only way out.
    await page.route('**/api/v1/households/**', (route) => route.abort('internetdisconnected'));
    await context.setOffline(false);
    await page.goto(base() + '/sync');
    await hydrated(page);
    const downloading = page.waitForEvent('download');
    await page.getByTestId('export-outbox').click();
    const download = await downloading;
    expect(download.suggestedFilename()).toMatch(/^tanhui-outbox-enumerator-\d{8}-\d{4}\.json$/);
    const path = join(mkdtempSync(join(tmpdir(), 'tanhui-outbox-')), download.suggestedFilename());
    await download.saveAs(path);
    const file = JSON.parse(readFileSync(path, 'utf-8'));
    expect(file.kind).toBe('tanhui-outbox');
    expect(file.items.length).toBe(1);

    const supervisor = await (await browser.newContext()).newPage();
    await signIn(supervisor, 'supervisor', DEMO_PASSWORD, '/sync');
    await hydrated(supervisor);
    for (const [round, outcome] of [[1, 'saved'], [2, 'replayed']] as const) {
      await supervisor.getByTestId('outbox-file').setInputFiles(path);
      await supervisor.getByTestId('upload-outbox-file').click();
      const imported = supervisor.getByTestId('outbox-imported');
      await expect(imported.locator(`li[data-outcome="${outcome}"]`), `upload ${round}`).toHaveCount(1);
    }
    const surveys = (await surveysOf(supervisor, base(), form.household)).filter((s) => s.wave === pkg.home.wave);
    expect(surveys.length).toBe(1);
    expect(surveys[0].status).toBe('submitted');
    // The device, once it reaches the server, finds its item there already and empties.
    await page.unroute('**/api/v1/households/**');
    await page.getByTestId('sync-now').click();
    await expect(page.getByTestId('outbox-empty')).toBeVisible();
    await context.close();
  });
});
