import { ADMIN, DINGHAI_ROAD, aCandidate, aSlot, bearer, weekdays, without } from './support/builders';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { type RunningApi, Teardown, type TestWorld, createTestWorld, startApi } from './support/test-environment';

const SCHEMAS = join(process.cwd(), 'test', 'fixtures', 'hsds-3.0');
const BASE = 'https://hsds.openreferral.example/schema/';

type Node = Record<string, unknown>;

/**
 * The schema with no property allowed beyond those it names, at every level (as HSDS's own example
 * validation does, `--set-additional-properties-false-everywhere`): a misspelled field is an error.
 */
function closed(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(closed);
  if (node === null || typeof node !== 'object') return node;
  const out: Node = {};
  for (const [key, value] of Object.entries(node as Node))
    out[key] = key === 'properties' ? Object.fromEntries(Object.entries(value as Node).map(([name, inner]) => [name, closed(inner)])) : closed(value);
  if (out.type === 'object' && out.properties !== undefined && out.additionalProperties === undefined) out.additionalProperties = false;
  return out;
}

/** HSDS 3.0's published schemas (test/fixtures/hsds-3.0), each under its file name so that their `$ref`s resolve. */
function hsdsValidator(): { service: ReturnType<Ajv['compile']>; page: ReturnType<Ajv['compile']>; ajv: Ajv } {
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  for (const file of readdirSync(SCHEMAS).filter((name) => name.endsWith('.json') && name !== 'openapi.json')) {
    const schema = JSON.parse(readFileSync(join(SCHEMAS, file), 'utf8')) as Node;
    ajv.addSchema({ ...(closed(schema) as Node), $id: `${BASE}${file}` });
  }
  const openapi = JSON.parse(readFileSync(join(SCHEMAS, 'openapi.json'), 'utf8')) as { components: { schemas: { Page: Node } } };
  // As HSDS's API answers GET /services: its `Page`, with the services as `contents`.
  const { Page } = openapi.components.schemas;
  const page = ajv.compile({
    ...(closed({ ...Page, properties: { ...(Page.properties as Node), contents: { type: 'array', items: { $ref: `${BASE}service.json` } } } }) as Node),
    required: ['total_items', 'total_pages', 'page_number', 'size', 'first_page', 'last_page', 'empty', 'contents'],
  });
  return { service: ajv.getSchema(`${BASE}service.json`) as ReturnType<Ajv['compile']>, page, ajv };
}

describe('the HSDS 3.0 export', () => {
  let world: TestWorld;
  let api: RunningApi;
  const teardown = new Teardown();

  beforeAll(async () => {
    world = teardown.add(await createTestWorld(), (started) => started.destroy());
    api = teardown.add(await startApi(world), (started) => started.close());
  });

  afterAll(() => teardown.run());

  it("publishes Dinghai Road's points and offers as services valid against HSDS's published schemas, with nothing about any person", async () => {
    const canteens = (await api.http.post('/v1/organizations').set(ADMIN).send({ name: 'Dinghai canteens', kind: 'merchant' }).expect(201)).body
      .apiKey as string;
    const barbers = (await api.http.post('/v1/organizations').set(ADMIN).send({ name: 'Street barbers', kind: 'merchant' }).expect(201)).body.apiKey as string;
    const canteen = (
      await api.http
        .post('/v1/service-points')
        .set(bearer(canteens))
        .send({
          name: 'Community canteen No. 1',
          kind: 'canteen',
          location: DINGHAI_ROAD,
          address: '定海路 449 弄',
          openingHours: weekdays('10:30', '14:30'),
          accessibilityFeatures: ['wheelchair'],
        })
        .expect(201)
    ).body.id as string;
    const barber = (
      await api.http
        .post('/v1/service-points')
        .set(bearer(barbers))
        .send({
          name: 'Barber on Dinghai Road',
          kind: 'barber',
          location: { lat: DINGHAI_ROAD.lat + 0.003, lng: DINGHAI_ROAD.lng },
          memberBenefit: 'Union members 20% off',
        })
        .expect(201)
    ).body.id as string;
    const lunch = (
      await api.http
        .post(`/v1/service-points/${canteen}/slots`)
        .set(bearer(canteens))
        .send(without(aSlot({ title: 'Rider special', capacity: 40, offer: { discountPercent: 30, price: 12.5 } }), 'location'))
        .expect(201)
    ).body.id as string;
    const night = (
      await api.http
        .post('/v1/slots')
        .set(bearer(canteens))
        .send(aSlot({ title: 'Night guards supper', windows: [{ day: 7, start: '22:00', end: '02:00' }], eligibleGroups: ['security_guard'] }))
        .expect(201)
    ).body.id as string;
    // A rest base's stay on dates: a schedule that happens once, from check-in to check-out.
    const stay = (
      await api.http
        .post('/v1/slots')
        .set(bearer(canteens))
        .send(
          without(
            aSlot({
              title: 'Rest base stay',
              kind: 'lodging',
              occurrences: [{ startsAt: '2030-06-07T14:00:00+08:00', endsAt: '2030-06-10T12:00:00+08:00' }],
              capacity: 20,
              eligibleGroups: ['veteran'],
            }),
            'windows',
          ),
        )
        .expect(201)
    ).body.id as string;
    const desk = (await api.http.post('/v1/caseworkers').set(ADMIN).send({ name: 'Desk' }).expect(201)).body.apiKey as string;
    await api.http
      .post('/v1/candidates')
      .set(bearer(desk))
      .send(aCandidate({ displayName: 'Zhou Min', phone: '+86 137 5555 6666', groups: ['disabled'] }))
      .expect(201);

    const answer = await api.http.get('/v1/exports/hsds').set(bearer(desk)).expect(200);
    const { service, page } = hsdsValidator();
    expect(page(answer.body) ? [] : page.errors).toEqual([]);
    const services = answer.body.contents as Node[];
    for (const one of services) expect({ id: one.id, errors: service(one) ? [] : service.errors }).toEqual({ id: one.id, errors: [] });
    expect(answer.body).toMatchObject({ total_items: 4, size: 4, empty: false });

    const byId = new Map(services.map((one) => [one.id as string, one]));
    expect(byId.get(lunch)).toMatchObject({
      name: 'Rider special',
      status: 'active',
      description: '30% off; 12.5 yuan',
      organization: { name: 'Dinghai canteens' },
      cost_options: [{ amount: 12.5, currency: 'CNY' }],
      schedules: expect.arrayContaining([
        expect.objectContaining({ freq: 'WEEKLY', byday: 'MO', opens_at: '13:00+08:00', closes_at: '14:00+08:00', timezone: 8 }),
      ]),
      service_at_locations: [
        {
          location_id: canteen,
          location: expect.objectContaining({
            id: canteen,
            latitude: DINGHAI_ROAD.lat,
            description: '定海路 449 弄',
            accessibility: [expect.objectContaining({ description: 'Wheelchair accessible' })],
          }),
        },
      ],
    });
    expect((byId.get(lunch)?.eligibility_description as string).startsWith('For delivery riders')).toBe(true);
    expect(byId.get(night)).toMatchObject({ schedules: [expect.objectContaining({ byday: 'SU', opens_at: '22:00+08:00', closes_at: '02:00+08:00' })] });
    expect(byId.get(stay)).toMatchObject({
      schedules: [
        {
          dtstart: '2030-06-07',
          until: '2030-06-10',
          count: 1,
          valid_from: '2030-06-07',
          valid_to: '2030-06-10',
          opens_at: '14:00+08:00',
          closes_at: '12:00+08:00',
          description: '2030-06-07 14:00 to 2030-06-10 12:00 (Asia/Shanghai), 3 nights',
        },
      ],
    });
    const benefit = services.find((one) => one.description === 'Union members 20% off') as Node;
    expect(benefit).toMatchObject({ organization: { name: 'Street barbers' }, service_at_locations: [{ location_id: barber }] });
    // In pages: the member benefit first, then the offers; every service on exactly one page.
    const pages = [];
    for (const number of [1, 2, 3]) {
      const one = (await api.http.get(`/v1/exports/hsds?page=${number}&per_page=2`).set(bearer(desk)).expect(200)).body as Node;
      expect(page(one) ? [] : page.errors).toEqual([]);
      pages.push(one);
    }
    expect(pages.map((one) => [one.page_number, one.size, one.total_items, one.total_pages, one.first_page, one.last_page, one.empty])).toEqual([
      [1, 2, 4, 2, true, false, false],
      [2, 2, 4, 2, false, true, false],
      [3, 0, 4, 2, false, true, true],
    ]);
    expect(pages.flatMap((one) => (one.contents as Node[]).map((service) => service.id))).toEqual(services.map((one) => one.id));
    expect((pages[0].contents as Node[])[0].description).toBe('Union members 20% off');
    const badPage = await api.http.get('/v1/exports/hsds?per_page=0').set(bearer(desk)).expect(400);
    expect(badPage.body.details).toEqual([{ field: 'per_page', message: expect.stringContaining('from 1 to 1000') }]);
    // The same ids on every export.
    const again = (await api.http.get('/v1/exports/hsds').set(ADMIN).expect(200)).body as { contents: Node[] };
    expect(again.contents.map((one) => one.id).sort()).toEqual(services.map((one) => one.id).sort());
    // Places and offers only.
    expect(answer.text).not.toContain('Zhou Min');
    expect(answer.text).not.toContain('5555');
    expect(answer.text).not.toContain('disabled');
    await api.http.get('/v1/exports/hsds').expect(401);
  });

  it('the validation would catch a misspelled field and a wrong type', () => {
    const { service } = hsdsValidator();
    const valid = { id: '1a7f7b4e-0000-4000-8000-000000000001', name: 'A service', status: 'active' };
    expect(service(valid)).toBe(true);
    expect(service({ ...valid, stauts: 'active' })).toBe(false);
    expect(service({ ...valid, schedules: [{ id: 'x', freq: 'DAILY' }] })).toBe(false);
  });
});
