import type { EntityManager } from 'typeorm';

/** The entity a domain event is about, by the ids its payload carries. */
export interface EventSubject {
  kind: 'candidate' | 'opening' | 'slot';
  id: string;
}

/**
 * Where the people, openings and slots are, by id (one statement): the outbox relay routes each domain event
 * to the matchers of the regions around its place. A person without a place (erased, or never placed) is
 * missing from the answer.
 */
export async function placesOf(manager: EntityManager, subjects: readonly EventSubject[]): Promise<Map<string, { lat: number; lng: number }>> {
  const ids = (kind: EventSubject['kind']) => [...new Set(subjects.filter((subject) => subject.kind === kind).map((subject) => subject.id))];
  if (subjects.length === 0) return new Map();
  const rows: { id: string; lat: number; lng: number }[] = await manager.query(
    `SELECT id::text, lat, lng FROM candidates WHERE id = ANY($1::uuid[]) AND lat IS NOT NULL
     UNION ALL SELECT id::text, lat, lng FROM openings WHERE id = ANY($2::uuid[])
     UNION ALL SELECT id::text, lat, lng FROM slots WHERE id = ANY($3::uuid[])`,
    [ids('candidate'), ids('opening'), ids('slot')],
  );
  return new Map(rows.map((row) => [row.id, { lat: row.lat, lng: row.lng }]));
}
