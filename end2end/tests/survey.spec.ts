// Survey entry as field staff do it: an enumerator registers a household (a mistyped ID-card
// number is caught as it is typed), fills the survey, types an impossible birth year and sees
// why in Chinese, fixes it, submits through a connection that drops the answer: the save is
// kept in the device's outbox, which sends it again and gets one survey, not two; the supervisor sends it back, the enumerator fixes and
// resubmits, the supervisor approves, and the county official sees the village's figure move.
import { test, expect, type Page } from '@playwright/test';
import { base, choose, hydrated, idCard, signIn, type, watchErrors } from './helpers';

test('an enumerator registers, fills and submits a survey; review sends it back; the fix is approved and counted', async ({ page, browser }) => {
  test.setTimeout(120_000);
  const errors = watchErrors(page);
  await signIn(page, 'enumerator');
  await hydrated(page);
  await page.getByTestId('field-link').click();
  await expect(page.getByTestId('field-households').first()).toBeVisible();

  // Register a household: a wrong check character is refused before anything is sent.
  await page.getByTestId('register-link').click();
  await expect(page.getByTestId('register-form')).toBeVisible();
  await hydrated(page);
  const village = await page.locator('select[name="village"]').inputValue();
  const good = idCard(Math.floor(Date.now() / 1000) % 997);
  const wrong = good.slice(0, 17) + (good[17] === '1' ? '2' : '1');
  await page.locator('input[name="registry_no"]').fill('9901');
  await page.locator('input[name="head_name"]').fill('吉克阿依');
  await page.locator('input[name="head_id_card"]').fill(wrong);
  await page.locator('input[name="head_id_card"]').press('Tab');
  await expect(page.locator('[data-field="head_id_card"]')).toContainText('校验');
  await page.locator('input[name="head_id_card"]').fill(good);
  await expect(page.getByTestId('id-card-ok')).toContainText('1980年3月15日');
  await choose(page, 'head_sex', Number(good[16]) % 2 === 1 ? 'male' : 'female');
  await choose(page, 'poverty_registration', 'general');
  await choose(page, 'poverty_cause', 'lack_skills');
  await choose(page, 'model', 'household');
  await page.locator('input[name="registration_year"]').fill('2014');
  await page.getByTestId('register-submit').click();
  await expect(page).toHaveURL(/\/survey\//);
  const household = page.url().split('/survey/')[1].split('?')[0];
  await expect(page.getByTestId('survey-form')).toBeVisible();
  await hydrated(page);

  // The head's row; an impossible birth year is explained in Chinese and blocks saving.
  await choose(page, 'members[0].sex', 'female');
  await type(page, 'members[0].birth_year', '2030');
  await expect(page.locator('[data-field="members[0].birth_year"]')).toContainText('出生年份应在1900年至');
  await choose(page, 'members[0].ethnicity', 'yi');
  await choose(page, 'members[0].education', 'primary');
  await choose(page, 'members[0].health', 'healthy');
  await choose(page, 'members[0].labour', 'ordinary');
  await page.getByTestId('submit-survey').click();
  await expect(page.getByTestId('blocked')).toContainText('有错误未改正');
  await type(page, 'members[0].birth_year', '1980');
  await expect(page.locator('[data-field="members[0].birth_year"]')).toHaveCount(0);

  // A second member, an employment row, other income, guarantees; the summary follows.
  await page.getByRole('button', { name: '+ 添加成员' }).click();
  await choose(page, 'members[1].relation', 'child');
  await choose(page, 'members[1].sex', 'male');
  await type(page, 'members[1].birth_year', '2008');
  await choose(page, 'members[1].education', 'junior');
  await choose(page, 'members[1].health', 'healthy');
  await choose(page, 'members[1].labour', 'none');
  await page.getByRole('button', { name: '+ 添加务工' }).click();
  await choose(page, 'employment[0].activity', 'forest_ranger');
  await type(page, 'employment[0].days', '200');
  await type(page, 'employment[0].wages', '6000');
  await type(page, 'other_income.transfers', '1,500');
  // 6,000 + 1,500 = 7,500 for 2 people: 3,750 a head, below 2021's line of 4,000.
  await expect(page.getByTestId('summary-net')).toContainText('7,500.00');
  await expect(page.getByTestId('summary-per-capita')).toContainText('3,750.00');
  await expect(page.getByTestId('summary-status')).toContainText('低于贫困线');
  for (const g of ['food_clothing_secure', 'schooling_ok', 'insured', 'housing_safe', 'water_safe']) {
    await page.locator(`input[name="guarantees.${g}"]`).check();
  }

  // Submit; the connection drops the answer after the server has saved it.
  let dropped = 0;
  await page.route('**/sfn/save_survey', async (route) => {
    if (dropped === 0) {
      dropped += 1;
      await route.fetch();
      await route.abort('connectionreset');
    } else {
      await route.continue();
    }
  });
  await page.getByTestId('submit-survey').click();
  // Not lost: kept in the device's outbox, which sends the same save again (its client id
  // tells the server it is a retry) and empties; there is one survey.
  await expect(page.getByTestId('queued')).toContainText('已保存在本机，尚未上传');
  await expect(page.getByTestId('outbox-badge')).toHaveAttribute('data-count', '0');
  const record = await page.request.get(`${base()}/api/v1/households/${household}`);
  const surveys = (await record.json()).surveys;
  expect(surveys.length).toBe(1);
  expect(surveys[0].status).toBe('submitted');
  await page.screenshot({ path: 'test-results/screens/survey-desktop.png', fullPage: true });

  // The supervisor sends it back with a reason.
  const supervisor = await (await browser.newContext()).newPage();
  await signIn(supervisor, 'supervisor');
  await supervisor.goto(`${base()}/review`);
  await hydrated(supervisor);
  const row = supervisor.locator(`[data-testid="review-submitted"] [data-survey="${surveys[0].id}"]`);
  await row.locator('input[name="comment"]').fill('护林员工资应为5400元');
  await row.getByTestId('reject').click();
  await expect(supervisor.getByTestId('review-rejected')).toContainText('护林员工资应为5400元');

  // The enumerator sees it on the list, fixes it on a phone, resubmits.
  await page.unroute('**/sfn/save_survey');
  await page.setViewportSize({ width: 360, height: 780 });
  await page.goto(`${base()}/field`);
  const listed = page.locator(`tr[data-household="${household}"]`);
  await expect(listed).toContainText('护林员工资应为5400元');
  await listed.getByTestId('open-survey').click();
  await hydrated(page);
  await expect(page.getByTestId('review-comment')).toContainText('护林员工资应为5400元');
  await type(page, 'employment[0].wages', '5400');
  await expect(page.getByTestId('summary-net')).toContainText('6,900.00');
  // The page is reloaded before saving (a dead battery, a closed tab): the device kept it.
  await page.reload();
  await hydrated(page);
  await expect(page.locator('input[name="employment[0].wages"]')).toHaveValue('6000');
  await page.getByTestId('restore-local').click();
  await expect(page.locator('input[name="employment[0].wages"]')).toHaveValue('5400');
  await expect(page.getByTestId('summary-net')).toContainText('6,900.00');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  await page.screenshot({ path: 'test-results/screens/survey-phone.png', fullPage: true });
  await page.getByTestId('submit-survey').click();
  await expect(page.getByTestId('saved')).toContainText('已提交审核（第 3 版）');

  // Approved: the county official sees the village's count go up by one at once.
  const official = await (await browser.newContext()).newPage();
  await signIn(official, 'official.yuexi');
  const wave = await page.getByTestId('survey-form').getAttribute('data-wave');
  const count = async () => {
    const r = await official.request.get(`${base()}/api/v1/indicators?unit=${village}&wave=${wave}&indicator=households_surveyed`);
    return (await r.json()).rows[0].indicators[0].value ?? 0;
  };
  const was = await count();
  await supervisor.goto(`${base()}/review`);
  await hydrated(supervisor);
  await supervisor.locator(`[data-testid="review-submitted"] [data-survey="${surveys[0].id}"]`).getByTestId('approve').click();
  await expect(supervisor.locator(`[data-testid="review-submitted"] [data-survey="${surveys[0].id}"]`)).toHaveCount(0);
  expect(await count()).toBe(was + 1);
  await official.goto(`${base()}/unit/${village}?wave=${wave}`);
  await expect(official.locator(`[data-household="${household}"]`).first()).toContainText('已审核');
  // The one dropped connection is the test's own doing; nothing else may fail.
  expect(errors.filter((e) => !e.includes('ERR_CONNECTION_RESET'))).toEqual([]);
});
