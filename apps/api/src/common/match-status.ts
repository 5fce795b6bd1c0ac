import { JOB_MATCH_STATUSES, SLOT_OFFER_STATUSES } from '@huigong/domain';

/** Every status a match may be in: the follow-up of a job match, or the life of a slot offer. */
export const MATCH_STATUSES: string[] = [...new Set<string>([...JOB_MATCH_STATUSES, ...SLOT_OFFER_STATUSES])];
