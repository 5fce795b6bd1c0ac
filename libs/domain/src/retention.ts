/**
 * Retention after a hire: at 30 and 90 days the caseworker checks whether the person stayed. `left` ends
 * the hire for the person (seeking work again); the match keeps its `hired`, which the funnel counts.
 */
export const RETENTION_CHECKPOINTS = [30, 90] as const;
export type RetentionCheckpoint = (typeof RETENTION_CHECKPOINTS)[number];

export const RETENTION_OUTCOMES = ['retained', 'left'] as const;
export type RetentionOutcome = (typeof RETENTION_OUTCOMES)[number];

/** Days after a checkpoint during which its reminder is still sent (a notifier that was down catches up). */
export const RETENTION_REMINDER_GRACE_DAYS = 7;
