// Exports as a researcher meets them: a page of downloads that stream into the browser.
import { test, expect } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { hydrated, signIn, watchErrors } from './helpers';

test('a researcher downloads pseudonymised micro-data and an indicator table; an official gets only tables', async ({ page, browser }) => {
  const errors = watchErrors(page);
  await signIn(page, 'researcher', undefined, '/exports');
  await hydrated(page);
  const files = page.getByTestId('microdata-files');
  await expect(files.locator('a')).toHaveCount(18);

  const [micro] = await Promise.all([page.waitForEvent('download'), files.getByText('households_by_wave.csv').click()]);
  expect(micro.suggestedFilename()).toBe('households_by_wave.csv');
  const csv = readFileSync((await micro.path())!, 'utf8');
  const [header, first] = csv.split('\n');
  expect(header.startsWith('household_pid,wave,county_code,township_code,village_code,model,')).toBe(true);
  expect(first).toMatch(/^[0-9a-f]{16},20\d\d,5134\d\d,/);

  const form = page.getByTestId('export-indicators');
  await form.locator('input[name="unit"]').fill('513431,513434');
  await form.locator('input[name="wave"]').fill('2021');
  await form.locator('select[name="by"]').selectOption('model');
  const [table] = await Promise.all([page.waitForEvent('download'), form.getByRole('button', { name: '下载' }).click()]);
  const lines = readFileSync((await table.path())!, 'utf8').trim().split('\n');
  expect(lines[0]).toContain('unit_code,unit_name_zh,unit_name_en,wave,model,model_zh,model_en,indicator,indicator_zh');
  // Two waves × the four programme groups (collective, household, comparison, non-enrolled) × 21 indicators.
  expect(lines.length).toBe(1 + 2 * 4 * 21);
  expect(lines.some((l) => /^513434,越西县,Yuexi,2021,collective,集体经济主导型,[^,]+,per_capita_net_income,人均纯收入,/.test(l))).toBe(true);
  expect(errors).toEqual([]);

  const official = await (await browser.newContext()).newPage();
  await signIn(official, 'official.yuexi', undefined, '/exports');
  await hydrated(official);
  await expect(official.getByTestId('export-indicators')).toBeVisible();
  await expect(official.getByTestId('microdata-files')).toHaveCount(0);
  const refused = await official.request.get('/api/v1/export/microdata/households_by_wave.csv'.replace(/^/, new URL(official.url()).origin));
  expect(refused.status()).toBe(403);
});
