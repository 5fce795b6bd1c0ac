/** Employers post openings; merchants publish slots; partners (a fair's streaming platform) send intents. */
export const ORGANIZATION_KINDS = ['employer', 'merchant', 'partner'] as const;
export type OrganizationKind = (typeof ORGANIZATION_KINDS)[number];

/** Who may call the API: the bootstrap admin, an organisation of either kind, or a caseworker. */
export type Role = 'admin' | OrganizationKind | 'caseworker';

export const SLOT_KINDS = ['meal', 'haircut', 'repair', 'lodging', 'course', 'other'] as const;
export type SlotKind = (typeof SLOT_KINDS)[number];

export const OFFER_KINDS = ['opening', 'slot'] as const;
/** What a match is for: a job opening, or an idle time slot of a merchant. */
export type OfferKind = (typeof OFFER_KINDS)[number];
