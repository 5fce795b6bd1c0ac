import { randomUUID } from 'node:crypto';
import { ADMIN, aCandidate, anOpening, aSlot, bearer, createParties, without } from './support/builders';
import { type RunningApi, Teardown, type TestWorld, createTestWorld, startApi } from './support/test-environment';
import { aPhone, importedCandidate, marker, ndjsonImport, rowsContaining } from './support/candidate-fixtures';

/**
 * Candidates end to end, against real PostgreSQL and Redis: bulk import (NDJSON and CSV) and its limits,
 * idempotent retries of POST, erasure when consent is withdrawn, and ownership.
 *
 * The erasure test scans the whole database for the word "disabled" and "hardship": no other test in this
 * file writes a candidate with a sensitive group, and no rejected import that would list the groups in its
 * error message is stored as an idempotent response.
 */
describe('candidates', () => {
  let world: TestWorld;
  let api: RunningApi;
  let tearingDown = false;
  const teardown = new Teardown();

  beforeAll(async () => {
    world = teardown.add(await createTestWorld(), (started) => started.destroy());
    // world.destroy() ends this pool and at once drops the database WITH (FORCE): a connection still closing
    // is then terminated (57P01), and the pool re-emits that as an unhandled 'error'. Only then is it ignored.
    world.db.on('error', (error) => {
      if (!tearingDown) throw error;
    });
    api = teardown.add(await startApi(world), (started) => started.close());
  });

  afterAll(async () => {
    tearingDown = true;
    await teardown.run();
  });

  /** A new caseworker and its key, made through the API. */
  async function aCaseworker(name: string): Promise<{ id: string; key: string }> {
    const response = await api.http.post('/v1/caseworkers').set(ADMIN).send({ name }).expect(201);
    return { id: response.body.id, key: response.body.apiKey };
  }

  const bulk = (key: string, contentType: string, body: string) =>
    api.http.post('/v1/candidates/bulk').set(bearer(key)).set('Content-Type', contentType).send(body);

  async function activeCandidatesOf(caseworkerId: string): Promise<number> {
    const { rows } = await world.db.query(`SELECT count(*)::int AS n FROM candidates WHERE caseworker_id = $1 AND status = 'active'`, [caseworkerId]);
    return rows[0].n;
  }

  async function idOfExternalRef(externalRef: string): Promise<string> {
    const { rows } = await world.db.query(`SELECT id FROM candidates WHERE external_ref = $1`, [externalRef]);
    expect(rows).toHaveLength(1);
    return rows[0].id;
  }

  const expectErrorShape = (body: unknown, statusCode: number) => {
    expect(body).toEqual(expect.objectContaining({ statusCode, error: expect.any(String), message: expect.any(String) }));
  };

  // ------------------------------------------------------------------------------------------------------
  describe('DELETE /v1/candidates/:id (consent withdrawn)', () => {
    it('erases the person everywhere: API, lists, matches, notifications, stored responses; keeps the others', async () => {
      const parties = await createParties(api, 'erasure');
      const caseworker = bearer(parties.caseworker);
      const mk = marker('erase');
      const phone = aPhone();
      const personBody = aCandidate({
        displayName: `Wang Fang ${mk}`,
        externalRef: `YP-${mk}`,
        phone: phone.written,
        groups: ['disabled', 'hardship'],
        skills: ['assembly'],
        accessibilityNeeds: ['wheelchair'],
      });
      const created = await api.http.post('/v1/candidates').set(caseworker).set('Idempotency-Key', `register-${mk}`).send(personBody).expect(201);
      const personId: string = created.body.id;
      expect(created.body).toMatchObject({ displayName: `Wang Fang ${mk}`, phone: phone.written, groups: ['disabled', 'hardship'] });

      const otherMk = marker('keep');
      const other = await api.http
        .post('/v1/candidates')
        .set(caseworker)
        .send(aCandidate({ displayName: `Chen Jie ${otherMk}`, externalRef: `YP-${otherMk}`, groups: ['veteran'] }))
        .expect(201);
      const otherId: string = other.body.id;

      const opening = await api.http.post('/v1/openings').set(bearer(parties.employer)).send(anOpening()).expect(201);
      const openingId: string = opening.body.id;
      const slot = await api.http.post('/v1/slots').set(bearer(parties.merchant)).send(aSlot()).expect(201);
      const slotId: string = slot.body.id;

      // What the matcher and the notifier would have written about the two people.
      const personMatchId = randomUUID();
      const otherMatchId = randomUUID();
      const slotMatchId = randomUUID();
      const redemptionCode = `HG${mk.slice(-6).toUpperCase()}`;
      const personReasons = [
        { code: 'group', group: 'disabled' },
        { code: 'distance', km: 0.8 },
        { code: 'accessibility', needs: ['wheelchair'] },
      ];
      const otherReasons = [
        { code: 'group', group: 'veteran' },
        { code: 'distance', km: 1.4 },
      ];
      await world.db.query(
        `INSERT INTO matches (id, offer_kind, opening_id, slot_id, candidate_id, caseworker_id, score, reasons, status, status_reason, note, redemption_code, expires_at)
         VALUES ($1, 'opening', $2, NULL, $3, $4, 0.91, $5, 'proposed', NULL, $6, NULL, NULL),
                ($7, 'opening', $2, NULL, $8, $4, 0.72, $9, 'proposed', NULL, 'Prefers the early shift', NULL, NULL),
                ($10, 'slot', NULL, $11, $3, $4, 0.5, $12, 'proposed', NULL, NULL, $13, now() + interval '1 day')`,
        [
          personMatchId,
          openingId,
          personId,
          parties.caseworkerId,
          JSON.stringify(personReasons),
          `Called ${mk}: wheelchair user, prefers mornings`,
          otherMatchId,
          otherId,
          JSON.stringify(otherReasons),
          slotMatchId,
          slotId,
          JSON.stringify([{ code: 'group', group: 'hardship' }]),
          redemptionCode,
        ],
      );
      const personEntry = {
        matchId: personMatchId,
        candidateId: personId,
        displayName: `Wang Fang ${mk}`,
        score: 0.91,
        reasons: personReasons,
        status: 'proposed',
      };
      const otherEntry = {
        matchId: otherMatchId,
        candidateId: otherId,
        displayName: `Chen Jie ${otherMk}`,
        score: 0.72,
        reasons: otherReasons,
        status: 'proposed',
      };
      const listNotificationId = randomUUID();
      const offerNotificationId = randomUUID();
      await world.db.query(
        `INSERT INTO notifications (id, recipient_kind, recipient_id, type, dedupe_key, payload, candidate_ids)
         VALUES ($1, 'caseworker', $2, 'candidate_list', $3, $4, $5::uuid[]),
                ($6, 'candidate', $7, 'offer', $8, $9, $10::uuid[])`,
        [
          listNotificationId,
          parties.caseworkerId,
          `candidate_list:${openingId}:1`,
          JSON.stringify({ kind: 'opening', offerId: openingId, title: 'Assembly line operator', matches: [personEntry, otherEntry] }),
          [personId, otherId],
          offerNotificationId,
          personId,
          `offer:${slotMatchId}`,
          JSON.stringify({
            slotId,
            window: { day: 1, start: '13:00', end: '14:00' },
            offer: { discountPercent: 30, description: 'Dishes 30% off' },
            distanceKm: 0.3,
            code: redemptionCode,
            text: `王芳 ${mk}，您好：定海路食堂 13:00-14:00 骑手特惠，菜品七折，出示兑换码 ${redemptionCode}。`,
          }),
          [personId],
        ],
      );

      // Before: the person is visible to the caseworker, and the scan finds their data (so it can fail).
      const listsBefore = await api.http.get('/v1/candidate-lists').set(caseworker).expect(200);
      const openingListBefore = listsBefore.body.find((list: { offerId: string }) => list.offerId === openingId);
      expect(openingListBefore.matches.map((m: { candidateId: string }) => m.candidateId).sort()).toEqual([personId, otherId].sort());
      expect(listsBefore.body.find((list: { offerId: string }) => list.offerId === slotId)?.matches).toHaveLength(1);
      const markerTablesBefore = new Set((await rowsContaining(world.db, mk)).map((hit) => hit.table));
      expect([...markerTablesBefore]).toEqual(expect.arrayContaining(['candidates', 'idempotency_records', 'matches', 'notifications']));
      const phoneTablesBefore = new Set((await rowsContaining(world.db, phone.written)).map((hit) => hit.table));
      expect([...phoneTablesBefore]).toEqual(expect.arrayContaining(['candidates', 'idempotency_records']));

      // Consent withdrawn.
      // Standing by for a canteen's last-minute seats (the standby pool).
      const point = await api.http
        .post('/v1/service-points')
        .set(bearer(parties.merchant))
        .send({ name: 'Erasure canteen', kind: 'canteen', location: { lat: 31.27, lng: 121.55 } })
        .expect(201);
      await api.http.put(`/v1/candidates/${personId}/standby/${point.body.id}`).set(caseworker).expect(200);

      const erased = await api.http.delete(`/v1/candidates/${personId}`).set(caseworker).expect(204);
      expect(erased.text).toBe('');
      // Standing by for nothing any more.
      expect((await world.db.query(`SELECT * FROM standby_enrolments WHERE candidate_id = $1`, [personId])).rows).toEqual([]);

      // The API no longer knows the person.
      await api.http.get(`/v1/candidates/${personId}`).set(caseworker).expect(404);
      await api.http.patch(`/v1/candidates/${personId}`).set(caseworker).send({ displayName: 'Wang Fang' }).expect(404);
      await api.http.get(`/v1/candidates/${personId}/explain`).query({ openingId }).set(caseworker).expect(404);
      await api.http.delete(`/v1/candidates/${personId}`).set(caseworker).expect(404);

      // A retry of the original registration must not bring the person back: the key is spent.
      const retried = await api.http.post('/v1/candidates').set(caseworker).set('Idempotency-Key', `register-${mk}`).send(personBody).expect(409);
      expect(retried.body).toMatchObject({ statusCode: 409, error: 'Conflict' });
      expect(JSON.stringify(retried.body)).not.toContain(mk);

      // Removed from every list; the other person stays, untouched.
      const listsAfter = await api.http.get('/v1/candidate-lists').set(caseworker).expect(200);
      expect(JSON.stringify(listsAfter.body)).not.toContain(personId);
      expect(JSON.stringify(listsAfter.body)).not.toContain(mk);
      const openingListAfter = listsAfter.body.find((list: { offerId: string }) => list.offerId === openingId);
      expect(openingListAfter.matches).toEqual([{ ...otherEntry, selfDeclared: false }]);
      expect(listsAfter.body.find((list: { offerId: string }) => list.offerId === slotId)).toBeUndefined();

      // The shared notification keeps the other person's entry only; the offer to the person is gone.
      const inbox = await api.http.get('/v1/inbox').set(caseworker).expect(200);
      const listNotification = inbox.body.find((entry: { id: string }) => entry.id === listNotificationId);
      expect(listNotification.payload).toEqual({ kind: 'opening', offerId: openingId, title: 'Assembly line operator', matches: [otherEntry] });
      const { rows: notifications } = await world.db.query(`SELECT id, candidate_ids::text[] AS candidate_ids FROM notifications ORDER BY id`);
      expect(notifications).toEqual([{ id: listNotificationId, candidate_ids: [otherId] }]);

      // Matches: withdrawn, their reasons and notes gone, the offer code can no longer be redeemed.
      const { rows: matches } = await world.db.query(
        `SELECT id, status, reasons, note, status_reason, redemption_code FROM matches WHERE candidate_id = $1 ORDER BY id`,
        [personId],
      );
      expect(matches).toHaveLength(2);
      for (const match of matches) {
        expect(match).toMatchObject({ status: 'withdrawn', reasons: [], note: null, status_reason: null, redemption_code: null });
      }
      const { rows: otherMatch } = await world.db.query(`SELECT status, reasons, note FROM matches WHERE id = $1`, [otherMatchId]);
      expect(otherMatch).toEqual([{ status: 'proposed', reasons: otherReasons, note: 'Prefers the early shift' }]);
      const redemption = await api.http.post(`/v1/slots/${slotId}/redemptions`).set(bearer(parties.merchant)).send({ code: redemptionCode });
      expect([404, 409]).toContain(redemption.status);
      const openingView = await api.http.get(`/v1/openings/${openingId}`).set(bearer(parties.employer)).expect(200);
      expect(openingView.body.matchSummary).toMatchObject({ proposed: 1, withdrawn: 1 });

      // The profile is a tombstone: ids and timestamps only.
      const { rows: tombstone } = await world.db.query(
        `SELECT status, display_name, external_ref, phone, groups::text[] AS groups, skills::text[] AS skills, lat, lng, max_travel_km,
                availability, breaks, accessibility_needs::text[] AS needs, consent_contact, erased_at IS NOT NULL AS erased
           FROM candidates WHERE id = $1`,
        [personId],
      );
      expect(tombstone).toEqual([
        {
          status: 'erased',
          display_name: null,
          external_ref: null,
          phone: null,
          groups: [],
          skills: [],
          lat: null,
          lng: null,
          max_travel_km: null,
          availability: [],
          breaks: [],
          needs: [],
          consent_contact: false,
          erased: true,
        },
      ]);

      // Every row of every table: the marker (name, reference, note, offer text) and the phone are gone...
      expect(await rowsContaining(world.db, mk)).toEqual([]);
      expect(await rowsContaining(world.db, phone.written)).toEqual([]);
      expect(await rowsContaining(world.db, phone.digits)).toEqual([]);
      // ...and the sensitive groups survive only in the opening's own target groups (not the person's).
      const disabledRows = await rowsContaining(world.db, 'disabled');
      expect(disabledRows.map((hit) => hit.table)).toEqual(['openings']);
      expect(disabledRows[0].row).toContain(openingId);
      expect(await rowsContaining(world.db, 'hardship')).toEqual([]);
      // The other person's data is still there.
      expect((await rowsContaining(world.db, otherMk)).map((hit) => hit.table).sort()).toEqual(['candidates', 'notifications']);

      // The erasure is an event that carries the id and nothing else.
      const { rows: erasedEvents } = await world.db.query(
        `SELECT payload FROM outbox_events WHERE event_name = 'CandidateErased' AND payload->>'candidateId' = $1`,
        [personId],
      );
      expect(erasedEvents).toEqual([{ payload: { candidateId: personId } }]);
    });
  });

  // ------------------------------------------------------------------------------------------------------
  describe('POST /v1/candidates/bulk as NDJSON', () => {
    it('imports 20,000 candidates, reports every bad line by number and field, and emits one event each', async () => {
      const caseworker = await aCaseworker('NDJSON import');
      const batch = marker('nd');
      const secret = marker('secret');
      const badLine = (n: number, patch: Record<string, unknown>, drop?: string) => {
        const record: Record<string, unknown> = { ...importedCandidate(batch, n), externalRef: `${batch}-bad-${n}`, ...patch };
        return JSON.stringify(drop === undefined ? record : without(record, drop));
      };
      const bad = new Map<number, { field: string; text: string }>([
        [1, { field: '(line)', text: `{"displayName": "Broken ${batch}", "groups": ["rider"], ` }],
        [7, { field: 'groups', text: badLine(7, { groups: ['rider', 'astronaut'] }) }],
        [5_000, { field: 'consent', text: badLine(5_000, {}, 'consent') }],
        [12_345, { field: 'location.lat', text: badLine(12_345, { location: { lat: 91.5, lng: 121.5 } }) }],
        [15_000, { field: 'phone', text: badLine(15_000, { phone: `call ${secret}` }) }],
        [20_007, { field: 'nickname', text: badLine(20_007, { nickname: 'Xiao Zhang' }) }],
      ]);
      const { body, lines } = ndjsonImport(batch, 20_000, bad, new Set([10_000]));
      expect(lines).toHaveLength(20_007);
      expect(lines.filter((line) => line.kind === 'good')).toHaveLength(20_000);

      const started = performance.now();
      const response = await bulk(caseworker.key, 'application/x-ndjson', body);
      const seconds = (performance.now() - started) / 1000;
      console.log(`bulk import of 20,000 NDJSON candidates (+6 bad lines): ${seconds.toFixed(1)} s`);

      expect(response.status).toBe(200);
      expect(Object.keys(response.body).sort()).toEqual(['accepted', 'rejected']);
      expect(response.body.accepted).toBe(20_000);
      const rejected: { line: number; details: { field: string; message: string }[] }[] = response.body.rejected;
      expect(rejected.map((entry) => entry.line)).toEqual([...bad.keys()]);
      for (const entry of rejected) {
        expect(Object.keys(entry).sort()).toEqual(['details', 'line']);
        expect(entry.details.length).toBeGreaterThan(0);
        expect(entry.details.map((detail) => detail.field)).toEqual(entry.details.map(() => bad.get(entry.line)?.field));
        for (const detail of entry.details) expect(detail.message).toEqual(expect.any(String));
      }
      // Values are never echoed back: they may be personal data.
      expect(JSON.stringify(response.body)).not.toContain(secret);
      expect(JSON.stringify(response.body)).not.toContain('Xiao Zhang');

      // In the database: exactly the good lines, with their data.
      expect(await activeCandidatesOf(caseworker.id)).toBe(20_000);
      const { rows: refs } = await world.db.query(
        `SELECT count(DISTINCT external_ref)::int AS distinct_refs, count(*) FILTER (WHERE external_ref LIKE $2)::int AS bad_refs
           FROM candidates WHERE caseworker_id = $1`,
        [caseworker.id, `${batch}-bad-%`],
      );
      expect(refs).toEqual([{ distinct_refs: 20_000, bad_refs: 0 }]);
      const { rows: broken } = await world.db.query(`SELECT count(*)::int AS n FROM candidates WHERE display_name LIKE $1`, [`Broken ${batch}%`]);
      expect(broken[0].n).toBe(0);
      for (const n of [1, 4_321, 20_000]) {
        const expected = importedCandidate(batch, n);
        const view = await api.http
          .get(`/v1/candidates/${await idOfExternalRef(`${batch}-${n}`)}`)
          .set(bearer(caseworker.key))
          .expect(200);
        expect(view.body).toMatchObject({ ...expected, externalRef: `${batch}-${n}`, accessibilityNeeds: [] });
      }

      // The matcher hears of them in chunks: CandidatesImported events of at most 1,000 ids each, carrying
      // only the ids, naming every accepted candidate exactly once and nobody else.
      const { rows: events } = await world.db.query(
        `SELECT o.id, jsonb_array_length(o.payload->'candidateIds')::int AS ids, (o.payload - 'candidateIds' = '{}'::jsonb) AS ids_only
           FROM outbox_events o
          WHERE o.event_name = 'CandidatesImported'
            AND EXISTS (SELECT 1 FROM candidates c WHERE c.id = (o.payload->'candidateIds'->>0)::uuid AND c.caseworker_id = $1)`,
        [caseworker.id],
      );
      expect(events).toHaveLength(20);
      expect(events.every((event) => event.ids === 1_000 && event.ids_only === true)).toBe(true);
      const { rows: named } = await world.db.query(
        `SELECT count(*)::int AS names, count(DISTINCT c.id)::int AS candidates, count(*) FILTER (WHERE c.caseworker_id IS DISTINCT FROM $2)::int AS others
           FROM outbox_events o CROSS JOIN jsonb_array_elements_text(o.payload->'candidateIds') AS named(id)
           LEFT JOIN candidates c ON c.id = named.id::uuid
          WHERE o.id = ANY($1)`,
        [events.map((event) => event.id), caseworker.id],
      );
      expect(named).toEqual([{ names: 20_000, candidates: 20_000, others: 0 }]);
    });
    it('refuses a single candidate without consent or location with 400 naming the field (the rule bulk lines share)', async () => {
      const caseworker = await aCaseworker('single');
      for (const field of ['consent', 'location']) {
        const body = without(aCandidate({ externalRef: `single-without-${field}` }), field);
        const response = await api.http.post('/v1/candidates').set(bearer(caseworker.key)).send(body);
        expect({ field, status: response.status }).toEqual({ field, status: 400 });
        expect(response.body.details).toEqual([expect.objectContaining({ field })]);
      }
      expect(await activeCandidatesOf(caseworker.id)).toBe(0);
    });
  });

  // ------------------------------------------------------------------------------------------------------
  describe('POST /v1/candidates/bulk as CSV', () => {
    it('reads the documented columns (as Excel writes them: BOM, CRLF, quotes) and reports bad rows by line', async () => {
      const caseworker = await aCaseworker('CSV import');
      const ref = marker('csv');
      const csv = [
        'displayName,externalRef,phone,groups,skills,lat,lng,maxTravelKm,availability,breaks,accessibilityNeeds,consentContact',
        `"Li, Na",${ref}-1,+86 139 0000 0001,veteran;laid_off,cleaning; cooking,31.2712,121.5481,5,1 08:00-12:00;3 08:00-12:00,7 22:00-06:00,wheelchair,yes`,
        `王芳,${ref}-2,,rider,,31.28,121.55,,,1 13:00-14:00,,0`,
        `Bad Window,${ref}-3,,rider,,31.28,121.55,,1 8-12,,,true`,
        `Bad Latitude,${ref}-4,,rider,,95,121.55,,,,,true`,
        `"Zhao ""Lei""",${ref}-5,138-0000-0005,sanitation;union_member,sweeping,31.25,121.52,12.5,6 06:00-10:00,,,false`,
      ];
      const response = await bulk(caseworker.key, 'text/csv', `\uFEFF${csv.join('\r\n')}\r\n`);
      expect(response.status).toBe(200);
      expect(response.body.accepted).toBe(3);
      expect(response.body.rejected).toEqual([
        { line: 4, details: [expect.objectContaining({ field: 'availability' })] },
        { line: 5, details: [expect.objectContaining({ field: 'location.lat' })] },
      ]);
      expect(await activeCandidatesOf(caseworker.id)).toBe(3);

      const get = async (n: number) =>
        (
          await api.http
            .get(`/v1/candidates/${await idOfExternalRef(`${ref}-${n}`)}`)
            .set(bearer(caseworker.key))
            .expect(200)
        ).body;
      expect(await get(1)).toMatchObject({
        displayName: 'Li, Na',
        externalRef: `${ref}-1`,
        phone: '+86 139 0000 0001',
        groups: ['veteran', 'laid_off'],
        skills: ['cleaning', 'cooking'],
        location: { lat: 31.2712, lng: 121.5481 },
        maxTravelKm: 5,
        availability: [
          { day: 1, start: '08:00', end: '12:00' },
          { day: 3, start: '08:00', end: '12:00' },
        ],
        breaks: [{ day: 7, start: '22:00', end: '06:00' }],
        accessibilityNeeds: ['wheelchair'],
        consent: { contact: true },
      });
      expect(await get(2)).toMatchObject({
        displayName: '王芳',
        phone: null,
        groups: ['rider'],
        skills: [],
        location: { lat: 31.28, lng: 121.55 },
        maxTravelKm: null,
        availability: [],
        breaks: [{ day: 1, start: '13:00', end: '14:00' }],
        accessibilityNeeds: [],
        consent: { contact: false },
      });
      expect(await get(5)).toMatchObject({
        displayName: 'Zhao "Lei"',
        phone: '138-0000-0005',
        groups: ['sanitation', 'union_member'],
        skills: ['sweeping'],
        maxTravelKm: 12.5,
        availability: [{ day: 6, start: '06:00', end: '10:00' }],
        breaks: [],
        consent: { contact: false },
      });
    });

    it('keeps the other rows when one row has a stray comma (too many cells), and reports that row by line', async () => {
      const caseworker = await aCaseworker('CSV stray comma');
      const ref = marker('csvcomma');
      const csv = [
        'displayName,externalRef,groups,lat,lng,consentContact',
        `Sun Li,${ref}-1,rider,31.27,121.54,yes`,
        `Li, Na,${ref}-2,rider,31.27,121.54,yes`,
        `Zhou Min,${ref}-3,courier,31.28,121.55,no`,
      ];
      const response = await bulk(caseworker.key, 'text/csv', `${csv.join('\n')}\n`);
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ accepted: 2, rejected: [{ line: 3, details: [expect.objectContaining({ field: expect.any(String) })] }] });
      expect(await activeCandidatesOf(caseworker.id)).toBe(2);
      const { rows } = await world.db.query(`SELECT external_ref FROM candidates WHERE caseworker_id = $1 ORDER BY external_ref`, [caseworker.id]);
      expect(rows.map((row) => row.external_ref)).toEqual([`${ref}-1`, `${ref}-3`]);
    });
  });

  // ------------------------------------------------------------------------------------------------------
  describe('bulk import limits', () => {
    const minimal = (n: number) => `{"displayName":"W ${n}","groups":["rider"],"location":{"lat":31.27,"lng":121.54},"consent":{"contact":true}}`;

    it('refuses more than 100,000 candidates with 413 and imports none of them', async () => {
      const caseworker = await aCaseworker('too many');
      const body = `${Array.from({ length: 100_001 }, (_, index) => minimal(index + 1)).join('\n')}\n`;
      expect(Buffer.byteLength(body)).toBeLessThan(32 * 1024 * 1024); // the count is what is too large, not the bytes
      const response = await bulk(caseworker.key, 'application/x-ndjson', body);
      expect(response.status).toBe(413);
      expectErrorShape(response.body, 413);
      expect(await activeCandidatesOf(caseworker.id)).toBe(0);
    });

    it('refuses a body over 32 MiB with 413', async () => {
      const caseworker = await aCaseworker('too big');
      const line = JSON.stringify(aCandidate({ skills: Array.from({ length: 40 }, (_, i) => `skill-${i}-${'x'.repeat(40)}`) }));
      const body = `${Array.from({ length: Math.ceil((33 * 1024 * 1024) / line.length) }, () => line).join('\n')}\n`;
      const response = await bulk(caseworker.key, 'application/x-ndjson', body);
      expect(response.status).toBe(413);
      expectErrorShape(response.body, 413);
      expect(await activeCandidatesOf(caseworker.id)).toBe(0);
    });

    it('refuses a wrong content type with 415', async () => {
      const caseworker = await aCaseworker('wrong type');
      const asJson = await bulk(caseworker.key, 'application/json', JSON.stringify([aCandidate()]));
      expect(asJson.status).toBe(415);
      expectErrorShape(asJson.body, 415);
      const asText = await bulk(caseworker.key, 'text/plain', `${JSON.stringify(aCandidate())}\n`);
      expect(asText.status).toBe(415);
      expectErrorShape(asText.body, 415);
      expect(await activeCandidatesOf(caseworker.id)).toBe(0);
    });

    it('answers an empty import (no body, or a CSV header only) with 200 and nothing accepted', async () => {
      const caseworker = await aCaseworker('empty');
      const empty = await bulk(caseworker.key, 'application/x-ndjson', '');
      expect(empty.status).toBe(200);
      expect(empty.body).toEqual({ accepted: 0, rejected: [] });
      const blankLines = await bulk(caseworker.key, 'application/x-ndjson', '\n\n');
      expect(blankLines.status).toBe(200);
      expect(blankLines.body).toEqual({ accepted: 0, rejected: [] });
      const headerOnly = await bulk(caseworker.key, 'text/csv', 'displayName,groups,lat,lng,consentContact\n');
      expect(headerOnly.status).toBe(200);
      expect(headerOnly.body).toEqual({ accepted: 0, rejected: [] });
      expect(await activeCandidatesOf(caseworker.id)).toBe(0);
    });
  });

  // ------------------------------------------------------------------------------------------------------
  describe('Idempotency-Key on POST', () => {
    it('replays the first response for the same key and body, and refuses another body with 409', async () => {
      const caseworker = await aCaseworker('retrying');
      const ref = marker('idem');
      const body = aCandidate({ externalRef: ref });
      const first = await api.http.post('/v1/candidates').set(bearer(caseworker.key)).set('Idempotency-Key', ref).send(body);
      expect(first.status).toBe(201);
      expect(first.headers['idempotent-replayed']).toBeUndefined();
      const retry = await api.http.post('/v1/candidates').set(bearer(caseworker.key)).set('Idempotency-Key', ref).send(body);
      expect(retry.status).toBe(201);
      expect(retry.headers['idempotent-replayed']).toBe('true');
      expect(retry.body).toEqual(first.body);
      expect(await activeCandidatesOf(caseworker.id)).toBe(1);

      const changed = await api.http
        .post('/v1/candidates')
        .set(bearer(caseworker.key))
        .set('Idempotency-Key', ref)
        .send({ ...body, displayName: 'Someone else' });
      expect(changed.status).toBe(409);
      expectErrorShape(changed.body, 409);
      expect(await activeCandidatesOf(caseworker.id)).toBe(1);

      // The same key from another caseworker's API key is another request.
      const colleague = await aCaseworker('colleague');
      const theirs = await api.http.post('/v1/candidates').set(bearer(colleague.key)).set('Idempotency-Key', ref).send(body);
      expect(theirs.status).toBe(201);
      expect(theirs.headers['idempotent-replayed']).toBeUndefined();
      expect(theirs.body.id).not.toBe(first.body.id);
      await api.http.get(`/v1/candidates/${theirs.body.id}`).set(bearer(colleague.key)).expect(200);
      await api.http.get(`/v1/candidates/${theirs.body.id}`).set(bearer(caseworker.key)).expect(404);
      expect(await activeCandidatesOf(caseworker.id)).toBe(1);
      expect(await activeCandidatesOf(colleague.id)).toBe(1);

      const { rows: events } = await world.db.query(
        `SELECT payload->>'candidateId' AS id FROM outbox_events WHERE event_name = 'CandidateRegistered' AND payload->>'candidateId' = ANY($1)`,
        [[first.body.id, theirs.body.id]],
      );
      expect(events.map((event) => event.id).sort()).toEqual([first.body.id, theirs.body.id].sort());
    });

    it('creates one candidate for ten concurrent requests with the same key and body', async () => {
      const caseworker = await aCaseworker('impatient');
      const ref = marker('race');
      const body = aCandidate({ externalRef: ref });
      const responses = await Promise.all(
        Array.from({ length: 10 }, () => api.http.post('/v1/candidates').set(bearer(caseworker.key)).set('Idempotency-Key', ref).send(body)),
      );
      expect(responses.map((response) => response.status)).toEqual(Array(10).fill(201));
      const ids = new Set(responses.map((response) => response.body.id));
      expect(ids.size).toBe(1);
      expect(responses.filter((response) => response.headers['idempotent-replayed'] !== 'true')).toHaveLength(1);
      expect(await activeCandidatesOf(caseworker.id)).toBe(1);
      const { rows } = await world.db.query(`SELECT id FROM candidates WHERE external_ref = $1`, [ref]);
      expect(rows).toEqual([{ id: [...ids][0] }]);
      const { rows: events } = await world.db.query(
        `SELECT count(*)::int AS n FROM outbox_events WHERE event_name = 'CandidateRegistered' AND payload->>'candidateId' = $1`,
        [[...ids][0]],
      );
      expect(events[0].n).toBe(1);
    });

    it('makes a retried bulk import create nothing new, also when the retries race', async () => {
      const caseworker = await aCaseworker('bulk retry');
      const batch = marker('bulkidem');
      // Bad lines here have no unknown group: their message would list the sensitive groups (see the erasure test).
      const { body } = ndjsonImport(
        batch,
        50,
        new Map([[3, { field: 'location.lat', text: JSON.stringify({ ...importedCandidate(batch, 0), location: { lat: -95, lng: 0 } }) }]]),
      );
      const send = () => bulk(caseworker.key, 'application/x-ndjson', body).set('Idempotency-Key', batch);
      const first = await send();
      expect(first.status).toBe(200);
      expect(first.body).toEqual({ accepted: 50, rejected: [{ line: 3, details: [expect.objectContaining({ field: 'location.lat' })] }] });
      const retry = await send();
      expect(retry.status).toBe(200);
      expect(retry.headers['idempotent-replayed']).toBe('true');
      expect(retry.body).toEqual(first.body);
      expect(await activeCandidatesOf(caseworker.id)).toBe(50);

      const changed = await bulk(caseworker.key, 'application/x-ndjson', `${body}${JSON.stringify(importedCandidate(batch, 51))}\n`).set(
        'Idempotency-Key',
        batch,
      );
      expect(changed.status).toBe(409);
      expect(await activeCandidatesOf(caseworker.id)).toBe(50);

      const raceKey = `${batch}-race`;
      const racing = await Promise.all(Array.from({ length: 5 }, () => bulk(caseworker.key, 'application/x-ndjson', body).set('Idempotency-Key', raceKey)));
      expect(racing.map((response) => response.status)).toEqual(Array(5).fill(200));
      for (const response of racing) expect(response.body).toEqual(first.body);
      expect(racing.filter((response) => response.headers['idempotent-replayed'] !== 'true')).toHaveLength(1);
      expect(await activeCandidatesOf(caseworker.id)).toBe(100);
      const { rows: events } = await world.db.query(
        `SELECT count(*)::int AS n, count(DISTINCT c.id)::int AS candidates
           FROM outbox_events o CROSS JOIN jsonb_array_elements_text(o.payload->'candidateIds') AS named(id)
           JOIN candidates c ON c.id = named.id::uuid
          WHERE o.event_name = 'CandidatesImported' AND c.caseworker_id = $1`,
        [caseworker.id],
      );
      expect(events[0]).toEqual({ n: 100, candidates: 100 });
    });
  });

  // ------------------------------------------------------------------------------------------------------
  describe('ownership', () => {
    it("hides a caseworker's candidate from another caseworker (404), who can neither change nor erase it", async () => {
      const owner = await aCaseworker('owner');
      const stranger = await aCaseworker('stranger');
      const ref = marker('own');
      const created = await api.http
        .post('/v1/candidates')
        .set(bearer(owner.key))
        .send(aCandidate({ externalRef: ref }))
        .expect(201);
      const id: string = created.body.id;

      const read = await api.http.get(`/v1/candidates/${id}`).set(bearer(stranger.key));
      expect(read.status).toBe(404);
      expectErrorShape(read.body, 404);
      expect(JSON.stringify(read.body)).not.toContain(ref);
      // Indistinguishable from a candidate that does not exist.
      const unknownId = randomUUID();
      const unknown = await api.http.get(`/v1/candidates/${unknownId}`).set(bearer(stranger.key)).expect(404);
      expect({ ...read.body, message: read.body.message.replace(id, '<id>') }).toEqual({
        ...unknown.body,
        message: unknown.body.message.replace(unknownId, '<id>'),
      });

      await api.http
        .patch(`/v1/candidates/${id}`)
        .set(bearer(stranger.key))
        .send({ displayName: 'Hijacked', consent: { contact: false } })
        .expect(404);
      await api.http.get(`/v1/candidates/${id}/explain`).set(bearer(stranger.key)).expect(404);
      await api.http.delete(`/v1/candidates/${id}`).set(bearer(stranger.key)).expect(404);

      const after = await api.http.get(`/v1/candidates/${id}`).set(bearer(owner.key)).expect(200);
      expect(after.body).toEqual(created.body);
      const { rows } = await world.db.query(`SELECT status, revision FROM candidates WHERE id = $1`, [id]);
      expect(rows).toEqual([{ status: 'active', revision: 1 }]);
    });
  });
});
