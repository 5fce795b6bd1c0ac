import { existsSync, mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import playwright, { type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { ADMIN, DINGHAI_ROAD, type Keys, aCandidate, aSlot, anOpening, bearer, createParties, weekdays, without } from './support/builders';
import {
  type RunningApi,
  TEST_ADMIN_KEY,
  Teardown,
  type TestWorld,
  createTestWorld,
  eventually,
  matcherCaughtUp,
  startApi,
  startWorker,
} from './support/test-environment';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(process.cwd(), 'test-artifacts');
/** A name a caseworker typed that would run script if the page wrote names as HTML. */
const INJECTED = '<img src=x onerror="document.body.dataset.pwned=\'yes\'">';

interface ListEntry {
  matchId: string;
  candidateId: string;
  displayName: string;
  score: number;
  reasons: { code: string; km?: number }[];
  status: string;
}
interface Window {
  day: number;
  start: string;
  end: string;
}
interface Advice {
  servicePointId: string;
  name: string;
  radiusKm: number;
  peopleWithinReach: number;
  busiestHours: { window: Window; suits: number }[];
  suggestions: { window: Window; suits: number }[];
  slots: { slotId: string; title: string; windows: Window[]; offered: number; redeemed: number; uptakeRate: number }[];
}
const ZH_DAYS = ['周一', '周二', '周三', '周四', '周五', '周六', '周日'];
const EN_DAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const zhWindow = (window: Window) => `${ZH_DAYS[window.day - 1]} ${window.start}–${window.end}`;
const enWindow = (window: Window) => `${EN_DAYS[window.day - 1]} ${window.start}–${window.end}`;

interface FairCounts {
  intents: number;
  matched: number;
  contacted: number;
}
interface FairBoard {
  fairId: string;
  at: string;
  totals: FairCounts;
  employers: (FairCounts & { employerId: string; name: string })[];
  openings: (FairCounts & { openingId: string; title: string; employerId: string; employerName: string })[];
}

interface CandidateList {
  kind: 'opening' | 'slot';
  offerId: string;
  title: string;
  matches: ListEntry[];
}

/** The console in headless Chromium, against the API, the matcher and the notifier running in this process. */
describe('the caseworker and merchant console in a browser', () => {
  let world: TestWorld;
  let api: RunningApi;
  let browser: Browser;
  let baseUrl: string;
  let keys: Keys;
  let openingId: string;
  let slotId: string;
  const people: Record<'zhou' | 'injected' | 'far', string> = { zhou: '', injected: '', far: '' };
  const teardown = new Teardown();

  async function lists(): Promise<CandidateList[]> {
    return (await api.http.get('/v1/candidate-lists').set(bearer(keys.caseworker)).expect(200)).body;
  }
  async function matchOf(offerId: string, candidateId: string): Promise<ListEntry> {
    const match = (await lists()).find((list) => list.offerId === offerId)?.matches.find((entry) => entry.candidateId === candidateId);
    if (match === undefined) throw new Error(`no match of ${candidateId} for ${offerId}`);
    return match;
  }

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `Chromium is not installed at ${CHROMIUM}: install Debian's chromium package (apt-get install -y --no-install-recommends chromium); .ci/run installs it.`,
      );
    }
    world = teardown.add(await createTestWorld(), (started) => started.destroy());
    api = teardown.add(await startApi(world), (started) => started.close());
    await api.app.listen(0, '127.0.0.1');
    baseUrl = `http://127.0.0.1:${(api.app.getHttpServer().address() as AddressInfo).port}`;
    teardown.add(await startWorker(world, 'matcher'), (started) => started.close());
    teardown.add(await startWorker(world, 'notifier'), (started) => started.close());

    keys = await createParties(api, 'console');
    const register = async (body: Record<string, unknown>) =>
      (await api.http.post('/v1/candidates').set(bearer(keys.caseworker)).send(body).expect(201)).body.id as string;
    people.zhou = await register(aCandidate({ displayName: 'Rider Zhou', externalRef: 'C-1' }));
    people.injected = await register(aCandidate({ displayName: INJECTED, externalRef: 'C-2', location: { lat: 31.2722, lng: 121.5471 } }));
    people.far = await register(aCandidate({ displayName: 'Far Li', externalRef: 'C-3', location: { lat: DINGHAI_ROAD.lat + 0.5, lng: DINGHAI_ROAD.lng } }));
    const opening = anOpening({
      title: 'Warehouse picker',
      skills: ['delivery'],
      targetGroups: ['rider'],
      shifts: weekdays('08:00', '12:00'),
      accessibilityFeatures: [],
      positions: 2,
    });
    openingId = (await api.http.post('/v1/openings').set(bearer(keys.employer)).send(opening).expect(201)).body.id;
    slotId = (
      await api.http
        .post('/v1/slots')
        .set(bearer(keys.merchant))
        .send(aSlot({ capacity: 2 }))
        .expect(201)
    ).body.id;

    // Real candidate lists from the matcher, and the worker's offer and the merchant's summary from the notifier.
    await eventually(
      async () => {
        const all = await lists();
        return all.find((list) => list.offerId === openingId)?.matches.length === 2 && all.find((list) => list.offerId === slotId)?.matches.length === 2;
      },
      30_000,
      'both candidate lists',
    );
    await matcherCaughtUp(world, 30_000);
    await eventually(
      async () => {
        const { rows } = await world.db.query(`SELECT 1 FROM notifications WHERE type = 'offer' AND recipient_id = $1`, [people.zhou]);
        const inbox = (await api.http.get('/v1/inbox').set(bearer(keys.merchant)).expect(200)).body as { type: string; payload: { offer?: { id: string } } }[];
        return rows.length === 1 && inbox.some((entry) => entry.type === 'match_summary' && entry.payload.offer?.id === slotId);
      },
      30_000,
      'the offer to the worker and the summary to the merchant',
    );

    browser = teardown.add(
      await playwright.chromium.launch({
        executablePath: CHROMIUM,
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-quic',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
        ],
      }),
      (started) => started.close(),
    );
    mkdirSync(ARTIFACTS, { recursive: true });
  }, 120_000);

  afterAll(() => teardown.run());

  /** A fresh browser tab; collects script errors and CSP refusals (failed API calls are expected and left out). */
  async function openTab(): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
    const context = await browser.newContext({ viewport: { width: 1100, height: 900 }, locale: 'zh-CN' });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) problems.push(message.text());
    });
    return { context, page, problems };
  }

  async function signIn(page: Page, key: string): Promise<void> {
    await page.getByLabel('API 密钥').fill(key);
    await page.getByRole('button', { name: '登录', exact: true }).click();
  }

  const text = async (locator: Locator): Promise<string> => (await locator.innerText()).replace(/\s+/g, ' ').trim();

  it('serves the page and its files with their types, no-cache and a strict CSP; nothing else under /console', async () => {
    const page = await api.http.get('/console').expect(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['cache-control']).toBe('no-cache');
    const csp = page.headers['content-security-policy'];
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(page.text).toContain('<html lang="zh-CN">');
    expect(page.text).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    const script = await api.http.get('/console/console.js').expect(200);
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    await api.http.get('/console/console.js').set('If-None-Match', script.headers.etag).expect(304);
    expect((await api.http.get('/console/console.css').expect(200)).headers['content-type']).toBe('text/css; charset=utf-8');
    for (const path of ['/console/main.ts', '/console/..%2F..%2Fpackage.json', '/console/console.controller.ts']) {
      const missing = await api.http.get(path).expect(404);
      expect(missing.body).toMatchObject({ statusCode: 404, error: 'Not Found' });
    }
  });

  it('a caseworker signs in, sees the lists with reasons, moves a match, is refused a stale move, asks why not, and reads it in English', async () => {
    const { context, page, problems } = await openTab();
    try {
      const response = await page.goto(`${baseUrl}/console`);
      expect(response?.headers()['content-security-policy']).toContain("default-src 'self'");
      expect(await page.locator('html').getAttribute('lang')).toBe('zh-CN');
      await signIn(page, keys.caseworker);
      await page.getByRole('heading', { name: '候选名单' }).waitFor();

      // The opening's list: each person with a score and the reasons as sentences.
      const zhouMatch = await matchOf(openingId, people.zhou);
      const km = zhouMatch.reasons.find((reason) => reason.code === 'distance')?.km;
      expect(km).toEqual(expect.any(Number));
      const openingList = page.locator('article.offer', { has: page.getByRole('heading', { name: /Warehouse picker/ }) });
      const zhou = openingList.locator('li.match', { hasText: 'Rider Zhou' });
      await zhou.waitFor();
      expect(await text(zhou)).toContain(`距离约 ${km} 公里`);
      expect(await text(zhou)).toContain(`匹配度 ${Math.round(zhouMatch.score * 100)}%`);
      expect(await text(zhou)).toContain('状态：已推荐');

      // A name is text, never markup.
      const injected = openingList.locator('li.match', { hasText: INJECTED });
      await injected.waitFor();
      expect(await page.locator('main img').count()).toBe(0);
      expect(await page.evaluate('document.body.dataset.pwned')).toBeUndefined();

      // proposed -> contacted -> interested, each checked through the API.
      await zhou.getByRole('button', { name: '标记为已联系' }).click();
      await zhou.locator('[data-status="contacted"]').waitFor();
      expect((await matchOf(openingId, people.zhou)).status).toBe('contacted');
      await zhou.getByRole('button', { name: '标记为有意向' }).click();
      await zhou.locator('[data-status="interested"]').waitFor();
      expect((await matchOf(openingId, people.zhou)).status).toBe('interested');

      // Someone else recorded "no response" meanwhile: the page's "contacted" button is refused with the API's sentence.
      const other = await matchOf(openingId, people.injected);
      await api.http.patch(`/v1/matches/${other.matchId}`).set(bearer(keys.caseworker)).send({ status: 'no_response' }).expect(200);
      await injected.getByRole('button', { name: '标记为已联系' }).click();
      const refusal = injected.getByRole('alert');
      await refusal.waitFor();
      const refused = await api.http.patch(`/v1/matches/${other.matchId}`).set(bearer(keys.caseworker)).send({ status: 'contacted' }).expect(409);
      expect(await text(refusal)).toBe(`未能更改：${refused.body.message}`);
      await injected.locator('[data-status="no_response"]').waitFor();
      expect((await matchOf(openingId, people.injected)).status).toBe('no_response');

      // Why is Far Li not on the opening's list? The distance rule fails, with its figures.
      await page.getByLabel('人员编号', { exact: true }).fill(people.far);
      await page.getByLabel('类型', { exact: true }).selectOption('opening');
      await page.getByLabel('岗位或优惠时段编号', { exact: true }).fill(openingId);
      await page.getByRole('button', { name: '查看原因' }).click();
      const distanceRule = page.locator('#why-result li[data-rule="distance"]');
      await distanceRule.waitFor();
      const explained = (await api.http.get(`/v1/candidates/${people.far}/explain?openingId=${openingId}`).set(bearer(keys.caseworker)).expect(200)).body;
      const distance = explained.rules.find((rule: { rule: string }) => rule.rule === 'distance');
      expect(distance.pass).toBe(false);
      expect(await text(distanceRule)).toBe(`✗ 未通过 距离：距离 ${distance.km} 公里；范围 ${distance.radiusKm} 公里；本人最远 5 公里`);
      expect(await text(page.locator('#why-result li[data-rule="consent"]'))).toContain('✓ 通过');
      expect(await text(page.locator('#why-result'))).toContain('不符合以下标记为“未通过”的规则。');

      await page.screenshot({ path: join(ARTIFACTS, 'console-caseworker.png'), fullPage: true });

      // English, everywhere on the page, and the lang attribute with it.
      await page.getByRole('button', { name: 'English' }).click();
      expect(await page.locator('html').getAttribute('lang')).toBe('en');
      await page.getByRole('heading', { name: 'Candidate lists' }).waitFor();
      expect(await text(zhou)).toContain(`About ${km} km away`);
      expect(await text(zhou)).toContain('Status: Interested');
      expect(await text(distanceRule)).toBe(
        `✗ Failed Distance: ${distance.km} km away; the offer reaches ${distance.radiusKm} km; the person travels at most 5 km`,
      );
      expect(await page.title()).toBe('Huigong console');
      await page.getByRole('button', { name: '中文' }).click();
      expect(await page.locator('html').getAttribute('lang')).toBe('zh-CN');

      // Declining asks for the reason, which the API keeps.
      await zhou.getByRole('button', { name: '记录拒绝……' }).click();
      await zhou.getByLabel('拒绝原因').fill('已找到其他工作');
      await zhou.getByRole('button', { name: '确认拒绝' }).click();
      await zhou.locator('[data-status="declined"]').waitFor();
      const { rows: declined } = await world.db.query(`SELECT status, status_reason FROM matches WHERE id = $1`, [zhouMatch.matchId]);
      expect(declined).toEqual([{ status: 'declined', status_reason: '已找到其他工作' }]);
      expect(await zhou.getByRole('button').allInnerTexts()).toEqual(['为什么？']);

      // The worklist: the caseworker's people still seeking, with their last follow-up (Zhou's, just now).
      await page.locator('#seekers-refresh').click();
      const seekers = page.getByRole('table');
      const zhouRow = seekers.getByRole('row', { name: /Rider Zhou/ });
      // The table from sign-in is there at once; the refreshed one shows the follow-up recorded since.
      await eventually(async () => (await text(zhouRow.locator('[data-field="last-contact"]'))) !== '尚未跟进', 15_000, "Zhou's last follow-up");
      expect(await text(zhouRow.locator('[data-field="days"]'))).toBe('0');
      expect(await text(seekers.getByRole('row', { name: /Far Li/ }).locator('[data-field="last-contact"]'))).toBe('尚未跟进');
      const headers = await seekers.getByRole('columnheader').allInnerTexts();
      expect(headers).toEqual(['姓名', '等待天数', '跟进中的岗位', '最近一次跟进']);

      // Narrow screens: nothing wider than the phone.
      await page.setViewportSize({ width: 360, height: 740 });
      expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(360);

      // Signing out forgets the key.
      await page.getByRole('button', { name: '退出登录' }).click();
      await page.getByRole('heading', { name: '登录' }).waitFor();
      expect(await page.evaluate<number>('sessionStorage.length')).toBe(0);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  }, 120_000);

  it('a merchant sees the slot with its counts, redeems the code the worker was sent, and is refused the second time', async () => {
    const { context, page, problems } = await openTab();
    try {
      await page.goto(`${baseUrl}/console`);
      await signIn(page, keys.merchant);
      await page.getByRole('heading', { name: '我的优惠时段' }).waitFor();
      const slot = page.locator(`li.slot[data-slot-id="${slotId}"]`);
      await slot.waitFor();
      expect(await text(slot.locator('h3'))).toBe('Rider special lunch');
      expect(await text(slot.locator('[data-field="offered"]'))).toBe('2');
      expect(await text(slot.locator('[data-field="redeemed"]'))).toBe('0');
      expect(await text(slot)).toContain('7 折 · Dishes 30% off');
      // A merchant never sees who was offered.
      expect(await text(page.locator('body'))).not.toContain('Rider Zhou');

      // The code the worker was sent, as the notifier recorded it for them.
      const { rows } = await world.db.query(`SELECT payload FROM notifications WHERE type = 'offer' AND recipient_id = $1`, [people.zhou]);
      const code: string = rows[0].payload.redemptionCode;
      expect(code).toMatch(/^[A-Z2-9]{8}$/);

      await page.getByLabel('优惠时段', { exact: true }).selectOption(slotId);
      await page.getByLabel('核销码').fill(code);
      await page.getByRole('button', { name: '核销', exact: true }).click();
      await page.locator('#redeem-result .success').waitFor();
      expect(await text(page.locator('#redeem-result'))).toMatch(/^核销成功（.+）。$/);
      const seen = (await api.http.get(`/v1/slots/${slotId}`).set(bearer(keys.merchant)).expect(200)).body;
      expect(seen.offerSummary.redeemed).toBe(1);
      await eventually(async () => (await text(slot.locator('[data-field="redeemed"]'))) === '1', 5_000, 'the redeemed count on the page');

      await page.getByLabel('核销码').fill(code);
      await page.getByRole('button', { name: '核销', exact: true }).click();
      const refusal = page.locator('#redeem-result [role="alert"]');
      await refusal.waitFor();
      const again = await api.http.post(`/v1/slots/${slotId}/redemptions`).set(bearer(keys.merchant)).send({ code }).expect(409);
      expect(await text(refusal)).toBe(`未能核销：${again.body.message}`);
      expect((await api.http.get(`/v1/slots/${slotId}`).set(bearer(keys.merchant)).expect(200)).body.offerSummary.redeemed).toBe(1);

      // A slot that has offered nothing yet is not in the inbox: the merchant adds it by its id.
      const haircut = (
        await api.http
          .post('/v1/slots')
          .set(bearer(keys.merchant))
          .send(aSlot({ title: 'Evening haircut', kind: 'haircut', eligibleGroups: ['veteran'] }))
          .expect(201)
      ).body.id;
      expect(await page.locator(`li.slot[data-slot-id="${haircut}"]`).count()).toBe(0);
      await page.getByLabel('优惠时段编号', { exact: true }).fill('not-a-slot');
      await page.getByRole('button', { name: '添加' }).click();
      await eventually(async () => (await text(page.locator('#slot-add-error'))).includes('must be a UUID'), 5_000, 'the bad id refused');
      await page.getByLabel('优惠时段编号', { exact: true }).fill(haircut);
      await page.getByRole('button', { name: '添加' }).click();
      const added = page.locator(`li.slot[data-slot-id="${haircut}"]`);
      await added.waitFor();
      expect(await text(added.locator('[data-field="offered"]'))).toBe('0');
      expect(await page.locator('#redeem-slot').inputValue()).toBe(haircut);

      await page.screenshot({ path: join(ARTIFACTS, 'console-merchant.png'), fullPage: true });
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  }, 120_000);

  it('the union admin signs in and sees the funnel, slot uptake, undelivered notifications and who read whose data', async () => {
    const { context, page, problems } = await openTab();
    try {
      await page.goto(`${baseUrl}/console`);
      await signIn(page, TEST_ADMIN_KEY);
      await page.getByRole('heading', { name: '跟进漏斗' }).waitFor();
      // The funnel names the opening, with counts only.
      const funnel = page.locator('#funnel');
      await funnel.getByRole('row', { name: /Warehouse picker/ }).waitFor();
      expect(await funnel.getByRole('columnheader').allInnerTexts()).toEqual([
        '岗位',
        '名额',
        '已推荐',
        '已联系',
        '有意向',
        '面试',
        '录用',
        '30 天在岗',
        '90 天在岗',
      ]);
      // The canteen's uptake, one row per service point.
      await page
        .locator('#uptake')
        .getByRole('row', { name: /Dinghai Canteen console/ })
        .waitFor();
      // Undelivered notifications: as many rows as the API lists, or the sentence that there are none.
      const dead = (await api.http.get('/v1/deliveries').set(bearer(TEST_ADMIN_KEY)).expect(200)).body as unknown[];
      if (dead.length === 0) expect(await text(page.locator('#dead'))).toBe('暂无记录。');
      else expect(await page.locator('#dead tbody tr').count()).toBe(dead.length);
      // The caseworker's reads of this file's people are in the audit; searching by one person narrows it.
      await eventually(
        async () => (await page.locator('#audit tbody tr').count()) > 0 || (await page.locator('#admin-refresh').click(), false),
        15_000,
        'audit rows',
      );
      await page.getByLabel('人员编号（留空：全部）').fill(people.zhou);
      await page.getByRole('button', { name: '查询' }).click();
      await eventually(
        async () => {
          const rows = await page.locator('#audit tbody tr').allInnerTexts();
          return rows.length > 0 && rows.every((row) => row.includes(people.zhou));
        },
        15_000,
        "only Zhou's reads",
      );
      await page.screenshot({ path: join(ARTIFACTS, 'console-admin.png'), fullPage: true });
      // Narrow screens: the tables scroll on their own.
      await page.setViewportSize({ width: 360, height: 740 });
      expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(360);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  }, 120_000);

  it('a merchant reads the idle-capacity advice of its service point: who is within reach, when they rest, where a slot would reach most', async () => {
    // A canteen a hundred kilometres from the others, with people around it whose breaks are known.
    const harbour = { lat: DINGHAI_ROAD.lat + 1, lng: DINGHAI_ROAD.lng };
    const near = (km: number) => ({ lat: harbour.lat + km / 111.2, lng: harbour.lng });
    const merchant = (await api.http.post('/v1/organizations').set(ADMIN).send({ name: 'Harbour Canteen console', kind: 'merchant' }).expect(201)).body.apiKey;
    const point = (
      await api.http.post('/v1/service-points').set(bearer(merchant)).send({ name: 'Harbour Canteen No. 1', kind: 'canteen', location: harbour }).expect(201)
    ).body.id as string;
    const register = (ref: string, body: Record<string, unknown>) =>
      api.http
        .post('/v1/candidates')
        .set(bearer(keys.caseworker))
        .send(aCandidate({ externalRef: ref, ...body }))
        .expect(201);
    // Three riders on a long lunch half a kilometre away, two night guards resting at 02:00 on Saturdays,
    // and a rider two kilometres away who rests in the evening.
    for (let i = 0; i < 3; i++) await register(`H-${i}`, { displayName: `Harbour rider ${i}`, location: near(0.5), breaks: weekdays('12:45', '14:15') });
    for (let i = 0; i < 2; i++) {
      await register(`H-G${i}`, {
        displayName: `Harbour guard ${i}`,
        groups: ['security_guard'],
        location: near(0.8),
        breaks: [{ day: 6, start: '02:00', end: '03:00' }],
      });
    }
    await register('H-E', { displayName: 'Harbour evening rider', location: near(2), breaks: weekdays('17:00', '18:00') });
    const lunch = (
      await api.http
        .post(`/v1/service-points/${point}/slots`)
        .set(bearer(merchant))
        .send(without(aSlot({ title: 'Harbour lunch' }), 'location'))
        .expect(201)
    ).body.id as string;
    // The lunch slot is offered to the three riders, whose breaks overlap it.
    const adviceOf = async (query = ''): Promise<Advice> => {
      const body = (await api.http.get(`/v1/slots/advice${query}`).set(bearer(merchant)).expect(200)).body as Advice[];
      expect(body).toHaveLength(1);
      return body[0];
    };
    await eventually(async () => (await adviceOf()).slots[0]?.offered === 3, 30_000, 'the lunch offered to the three riders');
    await matcherCaughtUp(world, 30_000);
    const advice = await adviceOf();
    // By hand, as the API counts: six people within 3 km; each weekday's 13:00-14:00 finds the three riders resting;
    // 12:30-13:30 is the earliest window that reaches all three.
    expect(advice).toMatchObject({ servicePointId: point, name: 'Harbour Canteen No. 1', radiusKm: 3, peopleWithinReach: 6 });
    expect(advice.busiestHours).toEqual([1, 2, 3, 4, 5].map((day) => ({ window: { day, start: '13:00', end: '14:00' }, suits: 3 })));
    expect(advice.suggestions[0]).toEqual({ window: { day: 1, start: '12:30', end: '13:30' }, suits: 3 });
    expect(advice.slots).toEqual([{ slotId: lunch, title: 'Harbour lunch', windows: weekdays('13:00', '14:00'), offered: 3, redeemed: 0, uptakeRate: 0 }]);

    const { context, page, problems } = await openTab();
    try {
      await page.goto(`${baseUrl}/console`);
      await signIn(page, merchant);
      await page.getByRole('heading', { name: '空闲时段建议' }).waitFor();
      const block = page.locator(`article.advice-point[data-service-point-id="${point}"]`);
      await block.waitFor();
      expect(await text(block.locator('h3'))).toBe('Harbour Canteen No. 1');
      expect(await text(block.locator('[data-field="within-reach"]'))).toBe('3 公里内接受优惠的工友：6 人');
      expect(await block.locator('ul.busiest li').allInnerTexts()).toEqual(
        advice.busiestHours.map((hour) => `${zhWindow(hour.window)}：${hour.suits} 人在休息`),
      );
      expect(await block.locator('ul.busiest li').first().innerText()).toBe('周一 13:00–14:00：3 人在休息');

      // The suggested windows, each with the people it would reach and a bar of their share.
      const suggestions = block.locator('.advice-suggestions');
      expect(await suggestions.getByRole('columnheader').allInnerTexts()).toEqual(['时段', '可覆盖人数', '占范围内人数']);
      const rows = suggestions.locator('tbody tr');
      expect(await rows.count()).toBe(advice.suggestions.length);
      for (const [index, suggestion] of advice.suggestions.entries()) {
        const row = rows.nth(index);
        expect(await row.locator('th, td').allInnerTexts()).toEqual([zhWindow(suggestion.window), String(suggestion.suits), `6 人中的 ${suggestion.suits} 人`]);
        expect(await row.locator('meter').getAttribute('value')).toBe(String(suggestion.suits));
        expect(await row.locator('meter').getAttribute('max')).toBe('6');
      }
      expect(await rows.first().locator('th, td').allInnerTexts()).toEqual(['周一 12:30–13:30', '3', '6 人中的 3 人']);

      // The uptake of the point's current slot.
      const slots = block.locator('.advice-slots');
      expect(await slots.getByRole('columnheader').allInnerTexts()).toEqual(['优惠时段', '时段', '发放', '核销', '使用率']);
      expect(await slots.locator('tbody tr th, tbody tr td').allInnerTexts()).toEqual([
        'Harbour lunch',
        '周一 13:00–14:00，周二 13:00–14:00，周三 13:00–14:00，周四 13:00–14:00，周五 13:00–14:00',
        '3',
        '0',
        '0%',
      ]);
      // Counts only: nobody is named.
      expect(await text(page.locator('body'))).not.toMatch(/Harbour rider|Harbour guard|evening rider/);

      // A kilometre: the evening rider two kilometres away is no longer counted.
      const closer = await adviceOf('?radiusKm=1');
      expect(closer.peopleWithinReach).toBe(5);
      await page.getByLabel('统计范围（公里）').fill('1');
      await page.getByRole('button', { name: '重新统计' }).click();
      await eventually(
        async () => (await text(block.locator('[data-field="within-reach"]'))) === '1 公里内接受优惠的工友：5 人',
        5_000,
        'the count within a kilometre',
      );
      expect(await block.locator('.advice-suggestions tbody tr').count()).toBe(closer.suggestions.length);

      // In English: the day names and sentences of the dictionary.
      await page.getByRole('button', { name: 'English' }).click();
      await page.getByRole('heading', { name: 'Idle-capacity advice' }).waitFor();
      expect(await text(block.locator('[data-field="within-reach"]'))).toBe('People within 1 km who take benefit offers: 5');
      expect(await block.locator('ul.busiest li').first().innerText()).toBe('Mon 13:00–14:00: 3 people on a break');
      expect(await block.locator('.advice-suggestions tbody tr').first().locator('th, td').allInnerTexts()).toEqual([
        enWindow(closer.suggestions[0].window),
        String(closer.suggestions[0].suits),
        `${closer.suggestions[0].suits} of 5`,
      ]);

      // A radius the API refuses: its sentence is shown, the last answer stays.
      await page.getByLabel('Radius (km)').fill('0');
      await page.getByRole('button', { name: 'Count again' }).click();
      const refusal = page.locator('#advice-points [role="alert"]');
      await refusal.waitFor();
      expect(await text(refusal)).toContain('radiusKm: must be a number between 0.1 and 50');
      expect(await text(block.locator('[data-field="within-reach"]'))).toBe('People within 1 km who take benefit offers: 5');
      await page.getByRole('button', { name: '中文' }).click();

      await page.screenshot({ path: join(ARTIFACTS, 'console-advice.png'), fullPage: true });
      await page.setViewportSize({ width: 360, height: 740 });
      expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(360);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }

    // The admin sees every open point's advice, this one among them.
    const admin = await openTab();
    try {
      await admin.page.goto(`${baseUrl}/console`);
      await signIn(admin.page, TEST_ADMIN_KEY);
      const block = admin.page.locator(`article.advice-point[data-service-point-id="${point}"]`);
      await block.waitFor();
      expect(await text(block.locator('[data-field="within-reach"]'))).toBe('3 公里内接受优惠的工友：6 人');
      expect(await admin.page.getByRole('heading', { name: '跟进漏斗' }).count()).toBe(1);
      expect(admin.problems).toEqual([]);
    } finally {
      await admin.context.close();
    }
  }, 120_000);

  it('the host watches a job fair’s live board: totals, employers and openings as /board counts them, updated by the stream without a reload; a partner sees the same, an employer its own openings', async () => {
    const organization = async (name: string, kind: string) =>
      (await api.http.post('/v1/organizations').set(ADMIN).send({ name, kind }).expect(201)).body as { id: string; apiKey: string };
    const factory = await organization('Fair factory console', 'employer');
    const hotel = await organization('Fair hotel console', 'employer');
    const partner = await organization('Fair live stream console', 'partner');
    const fair = (
      await api.http
        .post('/v1/fairs')
        .set(ADMIN)
        .send({
          name: 'Console live fair',
          startsAt: new Date(Date.now() - 3_600_000).toISOString(),
          endsAt: new Date(Date.now() + 3_600_000).toISOString(),
          location: DINGHAI_ROAD,
          targetGroups: ['rider'],
          employerIds: [factory.id, hotel.id],
          defaultCaseworkerId: keys.caseworkerId,
        })
        .expect(201)
    ).body.id as string;
    const post = async (key: string, title: string) =>
      (
        await api.http
          .post('/v1/openings')
          .set(bearer(key))
          .send(anOpening({ title, targetGroups: [], accessibilityFeatures: [], positions: 10 }))
          .expect(201)
      ).body.id as string;
    const assembly = await post(factory.apiKey, 'Fair assembly console');
    const reception = await post(hotel.apiKey, 'Fair reception console');
    const kitchen = await post(hotel.apiKey, 'Fair kitchen console');
    await api.http
      .post(`/v1/fairs/${fair}/openings`)
      .set(ADMIN)
      .send({ openingIds: [assembly, reception, kitchen] })
      .expect(200);

    // Viewers tap "I want this job" during the stream; one is a registered person.
    const viewers = [
      { name: '直播观众王', phone: '13800001111' },
      { name: '直播观众李', phone: '13800002222' },
      { name: 'Viewer Chen', phone: '13800003333' },
      { name: 'Viewer Sun', phone: '13800004444' },
      { name: 'Viewer Ma', phone: '13800005555' },
      { name: 'Viewer He', phone: '13800006666' },
      { name: 'Viewer Guo', phone: '13800007777' },
    ];
    const tap = (openingId: string, viewer: { name: string; phone: string }) =>
      api.http
        .post(`/v1/fairs/${fair}/intents`)
        .set(bearer(partner.apiKey))
        .send({ openingId, viewer: { displayName: viewer.name, phone: viewer.phone, consentJobs: true } })
        .expect(201);
    await tap(assembly, viewers[0]);
    await tap(assembly, viewers[1]);
    await tap(reception, viewers[0]);
    await api.http.post(`/v1/fairs/${fair}/intents`).set(bearer(partner.apiKey)).send({ openingId: kitchen, candidateId: people.zhou }).expect(201);
    await matcherCaughtUp(world, 30_000);
    const boardNow = async (key = TEST_ADMIN_KEY): Promise<FairBoard> =>
      (await api.http.get(`/v1/fairs/${fair}/board`).set(bearer(key)).expect(200)).body as FairBoard;
    expect((await boardNow()).totals.intents).toBe(4);

    const titles = new Map([
      [assembly, 'Fair assembly console'],
      [reception, 'Fair reception console'],
      [kitchen, 'Fair kitchen console'],
    ]);
    const totalsOnPage = async (page: Page): Promise<FairCounts> => {
      const figure = async (field: string) => Number(await text(page.locator(`.fair-totals [data-field="${field}"]`)));
      return { intents: await figure('intents'), matched: await figure('matched'), contacted: await figure('contacted') };
    };
    /** The page's figures, as the rows of /board would be written. */
    const pageShows = async (page: Page) => {
      const rows = async (selector: string) => (await page.locator(selector).allInnerTexts()).map((row) => row.split('\t'));
      return {
        totals: await totalsOnPage(page),
        employers: await rows('#fair-board .fair-employers tbody tr'),
        openings: await rows('#fair-board .fair-openings tbody tr'),
      };
    };
    const boardAsShown = (board: FairBoard) => ({
      totals: board.totals,
      employers: board.employers.map((employer) => [
        employer.name,
        board.openings
          .filter((opening) => opening.employerId === employer.employerId)
          .map((opening) => titles.get(opening.openingId))
          .join('，'),
        String(employer.intents),
        String(employer.matched),
        String(employer.contacted),
      ]),
      openings: board.openings.map((opening) => [
        titles.get(opening.openingId),
        opening.employerName,
        String(opening.intents),
        String(opening.matched),
        String(opening.contacted),
      ]),
    });
    /** Until the page shows what /board answers (the board moves while the matcher works): generous, for a busy machine. */
    const pageMatchesBoard = async (page: Page, what: string, key = TEST_ADMIN_KEY) => {
      let last: unknown;
      await eventually(
        async () => {
          const [shown, board] = [await pageShows(page), await boardNow(key)];
          last = { shown, expected: boardAsShown(board) };
          return JSON.stringify(shown) === JSON.stringify(boardAsShown(board));
        },
        20_000,
        what,
      ).catch((error: unknown) => {
        throw new Error(`${String(error)}: ${JSON.stringify(last)}`);
      });
    };

    const { context, page, problems } = await openTab();
    try {
      await page.goto(`${baseUrl}/console`);
      await signIn(page, TEST_ADMIN_KEY);
      await page.getByRole('heading', { name: '招聘会直播看板' }).waitFor();
      await page.getByLabel('招聘会', { exact: true }).selectOption(fair);
      await page.locator('#fair-connection[data-state="live"]').waitFor();
      expect(await text(page.locator('#fair-connection'))).toBe('实时');
      await page.locator('.fair-totals').waitFor();
      await pageMatchesBoard(page, 'the board on the page as /board counts it');
      const first = await boardNow();
      expect(first.totals.intents).toBe(4);
      expect(await page.locator('#fair-board .fair-employers tbody tr').count()).toBe(2);
      expect(await page.locator('#fair-board .fair-openings tbody tr').count()).toBe(3);
      expect(await page.locator('#fair-board .fair-openings').getByRole('columnheader').allInnerTexts()).toEqual([
        '岗位',
        '用人单位',
        '意向',
        '已匹配',
        '已联系',
      ]);
      expect(await text(page.locator('#fair-updated'))).toMatch(/^最后更新：.*\d{1,2}:\d{2}:\d{2}/);

      // More viewers tap: the totals move by themselves, with no click and no reload.
      await page.evaluate('window.__notReloaded = true');
      await tap(kitchen, viewers[2]);
      await tap(kitchen, viewers[3]);
      await tap(assembly, viewers[4]);
      await eventually(async () => (await totalsOnPage(page)).intents === 7, 20_000, 'the intents total moving to 7 by itself');
      expect(await page.evaluate('window.__notReloaded')).toBe(true);
      await matcherCaughtUp(world, 30_000);
      await pageMatchesBoard(page, 'the moved board on the page as /board counts it');

      // The connection drops: the page says so, connects again as the stream's retry line says, and counts on.
      api.app.getHttpServer().closeAllConnections();
      await page.locator('#fair-connection[data-state="reconnecting"]').waitFor({ timeout: 10_000 });
      expect(await text(page.locator('#fair-connection'))).toBe('连接中断，正在重新连接……');
      await page.locator('#fair-connection[data-state="live"]').waitFor({ timeout: 20_000 });
      await tap(reception, viewers[5]);
      await eventually(async () => (await totalsOnPage(page)).intents === 8, 20_000, 'the intents total moving to 8 after the reconnection');
      await matcherCaughtUp(world, 30_000);
      await pageMatchesBoard(page, 'the board after the reconnection as /board counts it');
      expect(await page.evaluate('window.__notReloaded')).toBe(true);

      // Counts only: no viewer's name or phone, nor the registered person's.
      const body = await text(page.locator('body'));
      for (const viewer of viewers) {
        expect(body).not.toContain(viewer.name);
        expect(body).not.toContain(viewer.phone);
      }
      expect(body).not.toContain('Rider Zhou');

      await page.locator('#fair').screenshot({ path: join(ARTIFACTS, 'console-fair-board.png') });
      // In English, the same figures.
      await page.getByRole('button', { name: 'English' }).click();
      await page.getByRole('heading', { name: 'Job fair live board' }).waitFor();
      expect(await text(page.locator('#fair-connection'))).toBe('Live');
      expect(await page.locator('#fair-board .fair-employers').getByRole('columnheader').allInnerTexts()).toEqual([
        'Employer',
        'Openings at the fair',
        'Intents',
        'Matched',
        'Contacted',
      ]);
      expect((await totalsOnPage(page)).intents).toBe(8);
      await page.getByRole('button', { name: '中文' }).click();
      await page.setViewportSize({ width: 360, height: 740 });
      expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(360);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }

    // The live-stream partner's key is a role of its own: it sees the board and nothing of the admin's.
    const stream = await openTab();
    try {
      await stream.page.goto(`${baseUrl}/console`);
      await signIn(stream.page, partner.apiKey);
      await stream.page.getByRole('heading', { name: '招聘会直播看板' }).waitFor();
      await eventually(async () => (await text(stream.page.locator('#announcer'))) === '已登录：直播合作方', 5_000, 'the partner signed in');
      expect(await stream.page.getByRole('heading', { name: '跟进漏斗' }).isVisible()).toBe(false);
      expect(await stream.page.getByRole('heading', { name: '空闲时段建议' }).isVisible()).toBe(false);
      await stream.page.getByLabel('招聘会', { exact: true }).selectOption(fair);
      await stream.page.locator('#fair-connection[data-state="live"]').waitFor();
      await pageMatchesBoard(stream.page, "the partner's board as /board counts it");
      expect(stream.problems).toEqual([]);
    } finally {
      await stream.context.close();
    }

    // An employer sees its own openings' counts, asked for every few seconds, and nothing of the other employer's.
    const employer = await openTab();
    try {
      await employer.page.goto(`${baseUrl}/console`);
      await signIn(employer.page, hotel.apiKey);
      await employer.page.getByRole('heading', { name: '招聘会直播看板' }).waitFor();
      await eventually(async () => (await text(employer.page.locator('#announcer'))) === '已登录：用人单位', 5_000, 'the employer signed in');
      expect(await employer.page.getByRole('heading', { name: '跟进漏斗' }).isVisible()).toBe(false);
      await employer.page.getByLabel('招聘会', { exact: true }).selectOption(fair);
      await employer.page.locator('#fair-connection[data-state="polling"]').waitFor();
      expect(await text(employer.page.locator('#fair-connection'))).toBe('每 5 秒自动更新');
      await pageMatchesBoard(employer.page, "the employer's own board as /board counts it", hotel.apiKey);
      const own = await boardNow(hotel.apiKey);
      expect(own.openings.map((opening) => opening.openingId).sort()).toEqual([reception, kitchen].sort());
      expect(await employer.page.locator('#fair-board .fair-openings tbody tr').count()).toBe(2);
      expect(await text(employer.page.locator('body'))).not.toContain('Fair assembly console');
      await tap(kitchen, viewers[6]);
      await eventually(
        async () => (await totalsOnPage(employer.page)).intents === own.totals.intents + 1,
        20_000,
        "the employer's intents total moving by itself",
      );
      expect(await text(employer.page.locator('body'))).not.toContain(viewers[6].name);
      expect(employer.problems).toEqual([]);
    } finally {
      await employer.context.close();
    }
  }, 180_000);

  it('an unknown key is told so and stays signed out', async () => {
    const { context, page } = await openTab();
    try {
      await page.goto(`${baseUrl}/console`);
      await signIn(page, 'not-a-key');
      await eventually(async () => (await text(page.locator('#sign-in-error'))) === '这个密钥无效或已被吊销。', 5_000, 'the unknown-key message');
      expect(await page.getByRole('heading', { name: '候选名单' }).count()).toBe(0);
      expect(await page.evaluate<number>('sessionStorage.length')).toBe(0);
    } finally {
      await context.close();
    }
  }, 60_000);
});
