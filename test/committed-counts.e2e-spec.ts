import { CommittedCounts, MatchStore, dataSourceOptions } from '@huigong/persistence';
import type { MatchStatus, OfferKind } from '@huigong/domain';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { Teardown, type TestWorld, createTestWorld } from './support/test-environment';

/** Notes what it is told, and whether the transaction was still open at that moment. */
class NotedCounts extends CommittedCounts {
  readonly noted: { status: MatchStatus; count: number; during: boolean }[] = [];
  transactionOpen = false;

  matchesProposed(): void {
    throw new Error('not in this test');
  }

  matchStatusChanged(_kind: OfferKind, status: MatchStatus, count: number): void {
    this.noted.push({ status, count, during: this.transactionOpen });
  }

  deliveryAttempts(): void {
    throw new Error('not in this test');
  }
}

/**
 * The stores' counts (the metrics' `_total` counters) are reported after the transaction that wrote them
 * commits, never when it rolls back: a group commit redone one write at a time counts each write once.
 */
describe('counts of what the stores commit', () => {
  const teardown = new Teardown();
  let world: TestWorld;
  let dataSource: DataSource;

  beforeAll(async () => {
    world = teardown.add(await createTestWorld(), (started) => started.destroy());
    dataSource = teardown.add(new DataSource(dataSourceOptions({ databaseUrl: world.config.databaseUrl, poolSize: 2 })), (source) => source.destroy());
    await dataSource.initialize();
  });

  afterAll(() => teardown.run());

  it('are reported once the transaction commits, and not at all when it rolls back', async () => {
    const counts = new NotedCounts();
    const store = new MatchStore(dataSource, counts);
    const [employer, caseworker, person, opening, match] = [randomUUID(), randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    await world.db.query(`INSERT INTO organizations (id, name, kind) VALUES ($1, 'employer', 'employer')`, [employer]);
    await world.db.query(`INSERT INTO caseworkers (id, name) VALUES ($1, 'desk')`, [caseworker]);
    await world.db.query(
      `INSERT INTO candidates (id, caseworker_id, status, display_name, lat, lng, consent_jobs, consent_benefits) VALUES ($1, $2, 'active', 'person', 23.9, 106.6, true, true)`,
      [person, caseworker],
    );
    await world.db.query(
      `INSERT INTO openings (id, organization_id, status, title, lat, lng, radius_km, shifts, positions) VALUES ($1, $2, 'open', 'job', 23.9, 106.6, 10, '[]', 1)`,
      [opening, employer],
    );
    await world.db.query(
      `INSERT INTO matches (id, offer_kind, opening_id, candidate_id, caseworker_id, score, status) VALUES ($1, 'opening', $2, $3, $4, 0.5, 'proposed')`,
      [match, opening, person, caseworker],
    );
    const change = { matchId: match, offerKind: 'opening' as const, from: 'proposed' as const, by: { kind: 'caseworker' as const, id: caseworker } };

    await expect(
      dataSource.transaction(async (manager) => {
        counts.transactionOpen = true;
        await store.recordStatusChange(manager, { ...change, to: 'contacted' });
        throw new Error('the write after it failed');
      }),
    ).rejects.toThrow('the write after it failed');
    counts.transactionOpen = false;
    expect(counts.noted).toEqual([]);

    await dataSource.transaction(async (manager) => {
      counts.transactionOpen = true;
      await store.recordStatusChange(manager, { ...change, to: 'contacted' });
      await store.recordStatusChange(manager, { ...change, from: 'contacted', to: 'interested' });
      expect(counts.noted).toEqual([]);
      counts.transactionOpen = false; // the callback returns: TypeORM commits next
    });
    expect(counts.noted).toEqual([
      { status: 'contacted', count: 1, during: false },
      { status: 'interested', count: 1, during: false },
    ]);
    const { rows } = await world.db.query(`SELECT to_status FROM match_status_history WHERE match_id = $1 ORDER BY changed_at, to_status`, [change.matchId]);
    expect(rows.map((row: { to_status: string }) => row.to_status).sort()).toEqual(['contacted', 'interested']);
  });
});
