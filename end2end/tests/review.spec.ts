// Review as a township supervisor does it: the queue, a rejection that needs a reason, an
// approval that an official sees in the village's figure at once.
import { test, expect } from '@playwright/test';
import { base, hydrated, signIn, watchErrors } from './helpers';

test('a supervisor sends a survey back with a reason and approves another; the figure changes at once', async ({ page, browser }) => {
  const errors = watchErrors(page);
  await signIn(page, 'supervisor');
  await hydrated(page);
  await page.getByTestId('review-link').click();
  const rows = page.getByTestId('review-submitted').locator('article');
  expect(await rows.count()).toBeGreaterThanOrEqual(2);
  const before = await rows.count();

  // Rejecting without a reason is refused, in Chinese, next to the survey.
  const first = rows.first();
  const rejectedId = await first.getAttribute('data-survey');
  await first.getByTestId('reject').click();
  await expect(first.getByTestId('form-issues')).toContainText('退回问卷时请写明原因');
  await first.locator('input[name="comment"]').fill('第2人出生年份有误，请核实');
  await first.getByTestId('reject').click();
  await expect(page.getByTestId('review-rejected')).toContainText('第2人出生年份有误，请核实');
  await expect(rows).toHaveCount(before - 1);
  await expect(page.locator(`[data-testid="review-submitted"] [data-survey="${rejectedId}"]`)).toHaveCount(0);

  // Approve the next one; an official of the county sees the village's count go up by one.
  const next = rows.first();
  const village = (await next.getAttribute('data-village'))!;
  const official = await (await browser.newContext()).newPage();
  await signIn(official, 'official.yuexi');
  const count = async () => {
    const r = await official.request.get(`${base()}/api/v1/indicators?unit=${village}&wave=2021&indicator=households_surveyed`);
    return (await r.json()).rows[0].indicators[0].value ?? 0;
  };
  const was = await count();
  await next.getByTestId('approve').click();
  await expect(rows).toHaveCount(before - 2);
  expect(await count()).toBe(was + 1);
  await page.setViewportSize({ width: 360, height: 780 });
  await page.screenshot({ path: 'test-results/screens/review-phone.png', fullPage: true });
  expect(errors).toEqual([]);
});
