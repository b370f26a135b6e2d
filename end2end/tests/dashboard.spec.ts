// The officials' dashboard as an official uses it: the overview, down to a household and back,
// a filter checked against the API, the language switch, the at-risk list, and screenshots.
import { test, expect, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { base, hydrated, signIn, watchErrors } from './helpers';

const shots = (name: string) => `test-results/screens/${name}.png`;

/** The number a card shows, as the API would give it (from the raw value the page carries). */
async function cardRaw(page: Page, id: string): Promise<number> {
  const raw = await page.getByTestId(`card-${id}`).getByTestId('card-value').getAttribute('data-raw');
  return Number(raw);
}

test('an official drills down from the prefecture to a household and back', async ({ page }) => {
  const errors = watchErrors(page);
  await page.setViewportSize({ width: 1280, height: 900 });
  await signIn(page, 'official');
  await hydrated(page);
  await expect(page.getByTestId('unit-title')).toContainText('凉山彝族自治州');
  const counties = page.getByTestId('child-table').locator('tbody tr');
  await expect(counties).toHaveCount(3);
  await expect(page.locator('[data-chart]')).toHaveCount(8);
  await page.screenshot({ path: shots('overview-desktop'), fullPage: true });

  // Sort the counties by per-capita income, highest first (twice on the header).
  await page.getByTestId('sort-per_capita_net_income').click();
  await page.getByTestId('sort-per_capita_net_income').click();
  await expect(page).toHaveURL(/sort=per_capita_net_income&dir=desc/);
  const incomes = await counties.locator('td:nth-child(4)').allTextContents();
  const numbers = incomes.map((t) => Number(t.replace(/[,万]/g, '')));
  expect([...numbers].sort((a, b) => b - a)).toEqual(numbers);

  // Down: county → township → village → household.
  await page.getByTestId('child-table').getByRole('link', { name: '越西县' }).click();
  await expect(page.getByTestId('unit-title')).toHaveAttribute('data-unit', '513434');
  await page.getByTestId('child-table').locator('tbody tr a').first().click();
  await expect(page.getByTestId('unit-title')).toHaveAttribute('data-unit', /^513434\d{3}$/);
  await page.getByTestId('child-table').locator('tbody tr a').first().click();
  await expect(page.getByTestId('unit-title')).toHaveAttribute('data-unit', /^513434\d{6}$/);
  const village = page.url();
  const households = page.getByTestId('household-table').locator('tbody tr');
  expect(await households.count()).toBeGreaterThan(0);
  await households.first().locator('a').click();
  await expect(page.getByTestId('survey-history')).toBeVisible();
  await expect(page.getByTestId('wave-2018')).toBeVisible();
  await expect(page.getByTestId('crumbs')).toContainText('越西县');
  await page.screenshot({ path: shots('household-desktop'), fullPage: true });

  // And back, with the browser's back button.
  await page.goBack();
  await expect(page).toHaveURL(village);
  await expect(page.getByTestId('household-table')).toBeVisible();
  await page.goBack();
  await expect(page.getByTestId('unit-title')).toHaveAttribute('data-unit', /^513434\d{3}$/);
  expect(errors).toEqual([]);
});

test('a filter changes the figures in place, matches the API, and survives a reload', async ({ page }) => {
  const errors = watchErrors(page);
  await signIn(page, 'official', undefined, '/unit/513434?wave=2020');
  await hydrated(page);
  const before = await cardRaw(page, 'per_capita_net_income');

  // Choosing a value navigates in place (no reload: the hydration marker stays).
  await page.evaluate(() => document.body.setAttribute('data-still-here', 'yes'));
  await page.getByTestId('filter-model').selectOption('collective');
  await expect(page).toHaveURL(/model=collective/);
  await expect(page.locator('body')).toHaveAttribute('data-still-here', 'yes');
  await expect.poll(() => cardRaw(page, 'per_capita_net_income')).not.toBe(before);

  const api = await page.request.get(base() + '/api/v1/indicators?unit=513434&wave=2020&by=model');
  expect(api.status()).toBe(200);
  const row = (await api.json()).rows.find((r: any) => r.slice.model === 'collective');
  const expected = row.indicators.find((i: any) => i.id === 'per_capita_net_income').value;
  expect(await cardRaw(page, 'per_capita_net_income')).toBeCloseTo(expected, 6);

  // Explain the figure: definition, numerator, denominator, contributing townships.
  await page.getByTestId('card-per_capita_net_income').locator('summary').click();
  const explain = page.getByTestId('card-per_capita_net_income').getByTestId('explain');
  await expect(explain).toContainText('Σ家庭纯收入 ÷ Σ家庭人口');
  await expect(explain.getByTestId('denominator')).not.toHaveText('—');
  expect(await explain.locator('tbody tr').count()).toBeGreaterThan(1);

  // The back button restores the unfiltered figure; a reload keeps the URL's filter.
  await page.goBack();
  await expect(page).not.toHaveURL(/model=collective/);
  await expect.poll(() => cardRaw(page, 'per_capita_net_income')).toBeCloseTo(before, 6);
  await page.goForward();
  await page.reload();
  await expect(page.getByTestId('filter-model')).toHaveValue('collective');
  expect(await cardRaw(page, 'per_capita_net_income')).toBeCloseTo(expected, 6);

  // The language switch relabels the page and redraws the charts in English.
  await page.getByTestId('lang-switch').click();
  await expect(page.getByTestId('card-per_capita_net_income')).toContainText('Per-capita net income');
  await expect(page.getByTestId('chart-income_trend').locator('svg')).toContainText('National poverty line');
  await page.getByTestId('lang-switch').click();
  await expect(page.getByTestId('chart-income_trend').locator('svg')).toContainText('国家贫困线');
  expect(errors).toEqual([]);
});

test('the at-risk list links to households and downloads; charts download as SVG and PNG', async ({ page }) => {
  const errors = watchErrors(page);
  await signIn(page, 'official.yuexi');
  await hydrated(page);
  await page.getByTestId('at-risk-link').click();
  await expect(page.getByTestId('risk-table')).toBeVisible();
  const total = Number((await page.getByTestId('risk-total').locator('strong').textContent())!.replace(/,/g, ''));
  expect(total).toBeGreaterThan(0);
  const [csv] = await Promise.all([page.waitForEvent('download'), page.getByTestId('risk-csv').click()]);
  const lines = readFileSync((await csv.path())!, 'utf8').trim().split('\n');
  expect(lines.length).toBe(total + 1);
  await page.screenshot({ path: shots('at-risk-desktop'), fullPage: false });
  const first = page.getByTestId('risk-household').first();
  const name = (await first.textContent())!.trim();
  await first.click();
  await expect(page.getByTestId('household-title')).toContainText(name);

  await page.goto(base() + '/');
  await hydrated(page);
  const chart = page.getByTestId('chart-income_composition');
  const [svg] = await Promise.all([page.waitForEvent('download'), chart.getByTestId('download-svg').click()]);
  expect(svg.suggestedFilename()).toBe('income_composition-513434.svg');
  expect(readFileSync((await svg.path())!, 'utf8')).toContain('人均纯收入构成');
  const [png] = await Promise.all([page.waitForEvent('download'), chart.getByTestId('download-png').click()]);
  expect(png.suggestedFilename()).toBe('income_composition-513434.png');
  const bytes = readFileSync((await png.path())!);
  expect(bytes.subarray(1, 4).toString()).toBe('PNG');
  expect(bytes.length).toBeGreaterThan(10_000);
  expect(errors).toEqual([]);
});

test("Sichuan's exit threshold: the line switch recounts the headcount and the at-risk list", async ({ page }) => {
  const errors = watchErrors(page);
  // 2019: the national line is 3,218 yuan, Sichuan's exit threshold 3,747.
  await signIn(page, 'official.yuexi', undefined, '/unit/513434?wave=2019');
  await hydrated(page);
  const national = await cardRaw(page, 'poverty_headcount_ratio');
  const income = await cardRaw(page, 'per_capita_net_income');
  await page.getByTestId('filter-scheme').selectOption('provincial');
  await expect(page).toHaveURL(/scheme=provincial/);
  await expect.poll(() => cardRaw(page, 'poverty_headcount_ratio')).toBeGreaterThan(national);
  const api = await page.request.get(base() + '/api/v1/indicators?unit=513434&wave=2019&scheme=provincial&indicator=poverty_headcount_ratio');
  const body = await api.json();
  expect(body.scheme).toBe('provincial');
  expect(body.poverty_line).toBe(3747);
  expect(await cardRaw(page, 'poverty_headcount_ratio')).toBeCloseTo(body.rows[0].indicators[0].value, 6);
  // A figure that does not depend on the line stays as it was.
  expect(await cardRaw(page, 'per_capita_net_income')).toBeCloseTo(income, 6);
  await page.reload();
  await expect(page.getByTestId('filter-scheme')).toHaveValue('provincial');

  // The at-risk list under either line: more households fall below the higher one.
  await page.goto(base() + '/at-risk?unit=513434&wave=2019');
  await hydrated(page);
  const count = async () => Number((await page.getByTestId('risk-total').locator('strong').textContent())!.replace(/,/g, ''));
  const under = await count();
  await expect(page.getByTestId('risk-table').locator('tbody tr').first()).toContainText('3,218');
  await page.getByTestId('risk-scheme').selectOption('provincial');
  await page.getByTestId('risk-margin').locator('xpath=ancestor::form').getByRole('button', { name: '应用' }).click();
  await expect(page).toHaveURL(/scheme=provincial/);
  await expect(page.getByTestId('risk-table').locator('tbody tr').first()).toContainText('3,747');
  expect(await count()).toBeGreaterThan(under);
  const [csv] = await Promise.all([page.waitForEvent('download'), page.getByTestId('risk-csv').click()]);
  const lines = readFileSync((await csv.path())!, 'utf8').trim().split('\n');
  expect(lines.length).toBe((await count()) + 1);
  const header = lines[0].replace(/^\uFEFF/, '').split(',');
  expect(lines[1].split(',')[header.indexOf('poverty_line_scheme')]).toBe('provincial');
  expect(errors).toEqual([]);
});

test('phone width: readable, no sideways scrolling of the page', async ({ page }) => {
  await page.setViewportSize({ width: 360, height: 780 });
  await signIn(page, 'official');
  await hydrated(page);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  await page.screenshot({ path: shots('overview-phone'), fullPage: true });
  await page.goto(base() + '/unit/513434');
  await hydrated(page);
  await page.screenshot({ path: shots('county-phone'), fullPage: false });
  await page.emulateMedia({ media: 'print' });
  await page.screenshot({ path: shots('county-print'), fullPage: true });
});
