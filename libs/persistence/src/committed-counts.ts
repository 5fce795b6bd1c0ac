import { Logger } from '@nestjs/common';
import type { MatchStatus, OfferKind } from '@huigong/domain';
import {
  type EntityManager,
  EventSubscriber,
  type EntitySubscriberInterface,
  type QueryRunner,
  type TransactionCommitEvent,
  type TransactionRollbackEvent,
} from 'typeorm';

/** What an attempt at a delivery left it as (`pending`: it failed and is retried). */
export type DeliveryAttemptStatus = 'pending' | 'delivered' | 'dead' | 'disabled' | 'dropped';

/**
 * What the stores count as they write it: matches proposed, moves of a match's status (one per
 * match_status_history row), attempts at deliveries. Each count is reported once the transaction that wrote
 * it has committed, by the process that wrote it, and never for a transaction rolled back (a group redone
 * alone is counted once). libs/observability provides the Prometheus counters behind it; this layer only
 * declares it, as the platform declares ApiKeyDirectory.
 */
export abstract class CommittedCounts {
  abstract matchesProposed(kind: OfferKind, count: number): void;
  abstract matchStatusChanged(kind: OfferKind, status: MatchStatus, count: number): void;
  abstract deliveryAttempts(status: DeliveryAttemptStatus, count: number): void;
}

const pending = new WeakMap<QueryRunner, (() => void)[]>();
const logger = new Logger('CommittedCounts');

/**
 * Runs `report` once what `manager` wrote is committed: at once outside a transaction (the statement has
 * committed when it returns), after the COMMIT inside one (AfterCommitSubscriber), never after a rollback.
 * The stores do not nest transactions; a savepoint's commit or rollback is not the transaction's.
 */
export function afterCommit(manager: EntityManager, report: () => void): void {
  const runner = manager.queryRunner;
  if (runner?.isTransactionActive !== true) {
    runSafely(report);
    return;
  }
  const reports = pending.get(runner) ?? [];
  reports.push(report);
  pending.set(runner, reports);
}

/** Counts the matches a statement moved into `status`, per kind, once its transaction commits. */
export function countMoves(manager: EntityManager, counts: CommittedCounts | undefined, rows: readonly { offer_kind: OfferKind }[], status: MatchStatus): void {
  if (counts === undefined || rows.length === 0) return;
  const jobs = rows.filter((row) => row.offer_kind === 'opening').length;
  afterCommit(manager, () => {
    if (jobs > 0) counts.matchStatusChanged('opening', status, jobs);
    if (rows.length > jobs) counts.matchStatusChanged('slot', status, rows.length - jobs);
  });
}

/**
 * Reports what a transaction counted once it committed; forgets it if it rolled back. TypeORM takes a
 * subscriber listed in the data source's options only if it is decorated.
 */
@EventSubscriber()
export class AfterCommitSubscriber implements EntitySubscriberInterface {
  afterTransactionCommit(event: TransactionCommitEvent): void {
    if (event.queryRunner.isTransactionActive) return; // a savepoint released: the transaction goes on
    const reports = pending.get(event.queryRunner) ?? [];
    pending.delete(event.queryRunner);
    for (const report of reports) runSafely(report);
  }

  afterTransactionRollback(event: TransactionRollbackEvent): void {
    if (!event.queryRunner.isTransactionActive) pending.delete(event.queryRunner);
  }
}

/** A count that fails must not fail the commit it follows: the caller would redo what is committed. */
function runSafely(report: () => void): void {
  try {
    report();
  } catch (error) {
    logger.warn(`A count was not taken: ${error instanceof Error ? error.message : String(error)}`);
  }
}
