import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import playwright, { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { ADMIN, DINGHAI_ROAD, aSlot, bearer, weekdays, without } from './support/builders';
import { type RunningApi, Teardown, type TestWorld, createTestWorld, startApi } from './support/test-environment';

const CHROMIUM = '/usr/bin/chromium';
/** Street tiles from a port where nothing listens: every tile fails, as on a phone that cannot reach them. */
const UNREACHABLE_TILES = 'http://127.0.0.1:9/{z}/{x}/{y}.png';
/** A merchant's name that would run script if the page wrote names as HTML. */
const INJECTED = '<img src=x onerror="document.body.dataset.pwned=\'yes\'">';

/** The benefit map page (/console/map) on a phone-sized headless Chromium, with the street tiles unreachable. */
describe('the benefit map page in a browser', () => {
  let world: TestWorld;
  let publicApi: RunningApi;
  let keyedApi: RunningApi;
  let browser: Browser;
  const origin = (api: RunningApi) => `http://127.0.0.1:${(api.app.getHttpServer().address() as AddressInfo).port}`;
  const teardown = new Teardown();
  const near = `lat=${DINGHAI_ROAD.lat}&lng=${DINGHAI_ROAD.lng}`;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`Chromium is not installed at ${CHROMIUM}: .ci/run installs Debian's chromium package.`);
    world = teardown.add(await createTestWorld(), (started) => started.destroy());
    const map = { ...world.config.map, tileUrl: UNREACHABLE_TILES };
    publicApi = teardown.add(await startApi({ ...world, config: { ...world.config, publicBenefitMap: true, map } }), (started) => started.close());
    keyedApi = teardown.add(await startApi({ ...world, config: { ...world.config, map } }), (started) => started.close());
    await publicApi.app.listen(0, '127.0.0.1');
    await keyedApi.app.listen(0, '127.0.0.1');

    const merchant = (await publicApi.http.post('/v1/organizations').set(ADMIN).send({ name: INJECTED, kind: 'merchant' }).expect(201)).body.apiKey as string;
    const point = async (body: Record<string, unknown>) =>
      (await publicApi.http.post('/v1/service-points').set(bearer(merchant)).send(body).expect(201)).body.id as string;
    const canteen = await point({
      name: 'Community canteen',
      kind: 'canteen',
      location: { lat: DINGHAI_ROAD.lat + 0.002, lng: DINGHAI_ROAD.lng },
      openingHours: weekdays('10:30', '14:30'),
    });
    await point({
      name: 'Barber on Dinghai Road',
      kind: 'barber',
      location: { lat: DINGHAI_ROAD.lat - 0.003, lng: DINGHAI_ROAD.lng + 0.002 },
      memberBenefit: 'Union members 20% off',
    });
    await point({ name: 'Far hotel', kind: 'hotel', location: { lat: DINGHAI_ROAD.lat + 0.2, lng: DINGHAI_ROAD.lng } });
    await publicApi.http
      .post(`/v1/service-points/${canteen}/slots`)
      .set(bearer(merchant))
      .send(without(aSlot({ title: 'Rider special', offer: { discountPercent: 30 } }), 'location'))
      .expect(201);
    await publicApi.http
      .post('/v1/slots')
      .set(bearer(merchant))
      .send(
        aSlot({
          title: 'Bicycle repair for veterans',
          kind: 'repair',
          eligibleGroups: ['veteran'],
          location: { lat: DINGHAI_ROAD.lat, lng: DINGHAI_ROAD.lng + 0.004 },
        }),
      )
      .expect(201);

    browser = teardown.add(
      await playwright.chromium.launch({
        executablePath: CHROMIUM,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
      }),
      (started) => started.close(),
    );
  }, 120_000);

  afterAll(() => teardown.run());

  /** A phone-sized tab; collects script errors and CSP refusals (the tiles that cannot load are expected and left out). */
  async function openTab(): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, locale: 'zh-CN' });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) problems.push(message.text());
    });
    return { context, page, problems };
  }

  async function placesFromApi(query: string): Promise<string[]> {
    return ((await publicApi.http.get(`/v1/benefits?${query}`).expect(200)).body.places as { name: string }[]).map((place) => place.name);
  }

  it('lists and plots the places near the member without the street tiles, and filters them by group', async () => {
    const { context, page, problems } = await openTab();
    try {
      await page.goto(`${origin(publicApi)}/console/map?${near}`);
      const expected = await placesFromApi(`${near}&radiusKm=2`);
      expect(expected).toHaveLength(3);
      await page
        .locator('#places li.place')
        .nth(expected.length - 1)
        .waitFor();
      expect(await page.locator('#places li.place h2').allTextContents()).toEqual(expected);
      // Every tile failed: the page says so, and Leaflet still plots each place and the member.
      await page.locator('#tiles-note').waitFor({ state: 'visible' });
      expect(await page.locator('path.place-marker').count()).toBe(expected.length);
      expect(await page.locator('path.you').count()).toBe(1);
      // The canteen's offer, the barber's standing benefit, the walking time; a name from the API stays text.
      const canteen = page.locator('#places li.place', { hasText: 'Community canteen' });
      expect(await canteen.locator('li.offer').textContent()).toContain('Rider special');
      expect(await canteen.locator('li.offer').textContent()).toContain('30% 折扣');
      expect(await page.locator('#places li.place', { hasText: 'Barber' }).locator('.benefit').textContent()).toBe('Union members 20% off');
      expect(await canteen.locator('.distance').textContent()).toMatch(/步行约 \d+ 分钟/);
      expect(await page.evaluate('document.body.dataset.pwned')).toBeUndefined();
      // Veterans: the repair offer, and the barber's benefit for every member; not the riders' canteen.
      await page.locator('#group').selectOption('veteran');
      await page.locator('#places li.place', { hasText: 'Community canteen' }).waitFor({ state: 'detached' });
      expect(await page.locator('#places li.place h2').allTextContents()).toEqual(await placesFromApi(`${near}&radiusKm=2&group=veteran`));
      // In English.
      await page.locator('#language').click();
      expect(await page.locator('h1').textContent()).toBe('Benefit map');
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('draws the places plainly when Leaflet itself cannot load, and asks for a key where the map is not public', async () => {
    const { context, page, problems } = await openTab();
    try {
      await page.route('**/console/leaflet.js', (route) => route.abort());
      await page.goto(`${origin(publicApi)}/console/map?${near}`);
      await page.locator('#places li.place').nth(2).waitFor();
      expect(await page.locator('svg.plain circle.place-marker').count()).toBe(3);
      expect(problems).toEqual([]);

      const keyed = await context.newPage();
      await keyed.goto(`${origin(keyedApi)}/console/map?${near}`);
      await keyed.locator('#status', { hasText: 'API 密钥' }).waitFor();
      expect(await keyed.locator('#places li').count()).toBe(0);
      const key = (await keyedApi.http.post('/v1/caseworkers').set(ADMIN).send({ name: 'Map desk' }).expect(201)).body.apiKey as string;
      await keyed.locator('#api-key').fill(key);
      await keyed.locator('#api-key').press('Enter');
      await keyed.locator('#places li.place').nth(2).waitFor();
    } finally {
      await context.close();
    }
  });
});
