import type { AccessibilityFeature } from './accessibility';
import { type TargetGroup, isSensitiveGroup } from './target-group';

/**
 * What a person consents to, purpose by purpose (China's PIPL asks for a separate consent to the use of
 * sensitive personal information):
 * - `jobs`: job openings are proposed to them and their caseworker contacts them about those;
 * - `benefits`: benefit slots (meals, haircuts, stays, courses) are offered to them;
 * - `sensitive`: their disability, hardship and accessibility needs are used in matching. Without it
 *   those groups and needs are not used at all, as if they had not been given.
 */
export const CONSENT_PURPOSES = ['jobs', 'benefits', 'sensitive'] as const;
export type ConsentPurpose = (typeof CONSENT_PURPOSES)[number];

/** How a consent was given or withdrawn, as the caseworker records it. */
export const CONSENT_METHODS = ['paper_form', 'app', 'in_person', 'phone'] as const;
export type ConsentMethod = (typeof CONSENT_METHODS)[number];
/** In the history: the caseworker did not say how; the person was erased (every consent withdrawn). */
export type ConsentRecordMethod = ConsentMethod | 'not_stated' | 'erasure';

export type Consents = Record<ConsentPurpose, boolean>;

export const NO_CONSENTS: Consents = Object.freeze({ jobs: false, benefits: false, sensitive: false });

/**
 * The consents a request gives: `contact` is the contract's shortcut, and the purposes named beside it
 * say more. On its own, `contact` gives or withdraws every purpose: v1 had one consent, and a person
 * registered with it was matched on everything their caseworker recorded, the sensitive groups and
 * needs included; a client that records the purposes apart names them. A purpose not named keeps what
 * `contact` says, or, without `contact` (a change), what the person had. `contact: false` refuses jobs and
 * benefits given beside it; `contact: true` needs one of them.
 */
export interface ConsentInput {
  contact?: boolean;
  jobs?: boolean;
  benefits?: boolean;
  sensitive?: boolean;
}

export interface ConsentFieldError {
  /** Under `consent` (`contact`, `jobs`, ...). */
  field: string;
  message: string;
}

/** The consents after `input`, from `current` (`NO_CONSENTS` for a new person); or why they contradict themselves. */
export function consentsGiven(current: Consents, input: ConsentInput): Consents | ConsentFieldError {
  const base: Consents = input.contact === undefined ? current : { jobs: input.contact, benefits: input.contact, sensitive: input.contact };
  const next: Consents = {
    jobs: input.jobs ?? base.jobs,
    benefits: input.benefits ?? base.benefits,
    sensitive: input.sensitive ?? base.sensitive,
  };
  // Sensitive use may stand without contact: a person may allow it before (or apart from) being contacted.
  if (input.contact === false && mayContact(next)) {
    return { field: next.jobs ? 'jobs' : 'benefits', message: 'contradicts contact: false (no contact, so neither jobs nor benefits)' };
  }
  if (input.contact === true && !mayContact(next)) {
    return { field: 'contact', message: 'true needs jobs or benefits: both are false' };
  }
  return next;
}

/** Whether the person may be contacted at all: for jobs, for benefits, or both. The contract's `contact`. */
export function mayContact(consents: Consents): boolean {
  return consents.jobs || consents.benefits;
}

/** The purposes given and withdrawn from `before` to `after`, in CONSENT_PURPOSES order. */
export function consentChanges(before: Consents, after: Consents): { given: ConsentPurpose[]; withdrawn: ConsentPurpose[] } {
  return {
    given: CONSENT_PURPOSES.filter((purpose) => after[purpose] && !before[purpose]),
    withdrawn: CONSENT_PURPOSES.filter((purpose) => before[purpose] && !after[purpose]),
  };
}

/**
 * The groups and needs matching may use: all of them with consent to sensitive use, else neither the
 * sensitive groups (hardship, disabled) nor any accessibility need.
 */
export function usableInMatching(
  groups: readonly TargetGroup[],
  accessibilityNeeds: readonly AccessibilityFeature[],
  sensitive: boolean,
): { groups: TargetGroup[]; accessibilityNeeds: AccessibilityFeature[] } {
  if (sensitive) return { groups: [...groups], accessibilityNeeds: [...accessibilityNeeds] };
  return { groups: groups.filter((group) => !isSensitiveGroup(group)), accessibilityNeeds: [] };
}
