// Bulk import as an administrator does it: the template downloads, a file with one bad row is
// refused whole with the line and column named in Chinese, the corrected file lands whole.
import { test, expect } from '@playwright/test';
import { base, hydrated, signIn, watchErrors } from './helpers';

function idCard(sequence: number): string {
  const first17 = `513434` + `19720601` + String(sequence).padStart(3, '0');
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...first17].reduce((s, d, i) => s + Number(d) * weights[i], 0);
  return first17 + '10X98765432'[sum % 11];
}

test('an administrator imports a CSV: one bad row writes nothing, the fixed file lands whole', async ({ page }) => {
  const errors = watchErrors(page);
  await signIn(page, 'admin');
  await hydrated(page);

  // Two new households in the demo enumerator's first village, with no survey yet.
  const users = await (await page.request.get(`${base()}/api/v1/users`)).json();
  const village: string = users.find((u: { username: string }) => u.username === 'enumerator').scopes[0];
  const seq = Math.floor(Date.now() / 1000) % 900;
  const registry = [`8${seq}1`, `8${seq}2`];
  for (const [i, no] of registry.entries()) {
    const created = await page.request.post(`${base()}/api/v1/households`, {
      data: { village, registry_no: no, head_name: '阿苏木呷', head_id_card: idCard(seq + i), head_sex: (seq + i) % 2 === 1 ? 'male' : 'female',
              head_ethnicity: 'yi', poverty_registration: 'non_poor', model: 'collective' },
      headers: { 'sec-fetch-site': 'same-origin' },
    });
    expect(created.status(), await created.text()).toBe(201);
  }

  await page.getByTestId('import-link').click();
  await hydrated(page);
  const template = await page.request.get(`${base()}/api/v1/import/surveys/template.csv`);
  expect((await page.request.get(`${base()}/api/v1/import/surveys/template.xlsx`)).status()).toBe(200);
  const header = (await template.text()).replace(/^\uFEFF/, '').split('\r\n')[0].split(',');
  const wave = (await (await page.request.get(`${base()}/api/v1/indicators?unit=513400`)).json()).wave;
  const row = (no: string, birth: number) => {
    const values: Record<string, string> = {
      village_code: village, registry_no: no, wave: String(wave), status: 'submitted',
      member1_sex: 'female', member1_birth_year: String(birth), member1_relation: 'head', member1_ethnicity: 'yi',
      member1_education: 'primary', member1_health: 'healthy', member1_labour: 'ordinary',
      transfers: '4800', food_clothing_secure: '1', schooling_ok: '1', insured: '1', housing_safe: '1', water_safe: '1',
    };
    return header.map((c) => values[c] ?? '').join(',');
  };
  const file = (bad: boolean) => Buffer.from(['\uFEFF' + header.join(','), row(registry[0], 1972), row(registry[1], bad ? 2035 : 1980)].join('\r\n') + '\r\n');

  await page.locator('input[name="file"]').setInputFiles({ name: 'surveys.csv', mimeType: 'text/csv', buffer: file(true) });
  await expect(page.getByTestId('import-file')).toContainText('surveys.csv');
  await page.getByTestId('import-start').click();
  await expect(page.getByTestId('import-summary')).toContainText('没有写入任何数据');
  const issue = page.getByTestId('import-issues').locator('tr.error').first();
  await expect(issue).toContainText('3');
  await expect(issue).toContainText('member1_birth_year');
  await expect(issue).toContainText('出生年份');

  await page.locator('input[name="file"]').setInputFiles({ name: 'surveys-fixed.csv', mimeType: 'text/csv', buffer: file(false) });
  await page.getByTestId('import-start').click();
  await expect(page.getByTestId('import-summary')).toContainText('已导入 2 份问卷');
  await page.screenshot({ path: 'test-results/screens/import.png', fullPage: true });
  // Chromium logs every non-2xx fetch; the refused file's 422 is the answer the test asked for.
  expect(errors.filter((e) => !e.includes('status of 422'))).toEqual([]);
});
