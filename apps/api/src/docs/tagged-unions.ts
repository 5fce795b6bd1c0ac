import { ACCESSIBILITY_FEATURES, TARGET_GROUPS } from '@huigong/domain';
import type { SchemaObject } from '@nestjs/swagger';

/**
 * Schemas of the tagged unions the API returns (`RuleCheck`, `CapCheck` of explain, `MatchReason` of the
 * candidate lists): one object schema per variant, told apart by the tag. They mirror the types of
 * libs/matching and apps/api/src/candidates/candidate-explain.ts; the OpenAPI e2e test holds real
 * responses to them.
 */
type Fields = Record<string, SchemaObject>;

const number: SchemaObject = { type: 'number' };
const integer: SchemaObject = { type: 'integer', minimum: 0 };
const boolean: SchemaObject = { type: 'boolean' };
const groups: SchemaObject = { type: 'array', items: { type: 'string', enum: [...TARGET_GROUPS] } };
const features: SchemaObject = { type: 'array', items: { type: 'string', enum: [...ACCESSIBILITY_FEATURES] } };

/** One variant of a tagged union: the tag, its required fields, and fields given only sometimes (`optional`). */
function variant(tag: string, value: string, fields: Fields, description?: string, optional: Fields = {}): SchemaObject {
  return {
    type: 'object',
    ...(description === undefined ? {} : { description }),
    required: [tag, ...Object.keys(fields)],
    properties: { [tag]: { type: 'string', enum: [value] }, ...fields, ...optional },
  };
}

function union(description: string, variants: SchemaObject[]): SchemaObject {
  return { description, oneOf: variants };
}

export const RULE_CHECK_SCHEMA = union('One hard rule of API v1, whether it passes, and its figures.', [
  variant('rule', 'offer_accepting', { pass: boolean }, 'The offer is open (or active) and not past `validUntil`.'),
  variant(
    'rule',
    'consent',
    { pass: boolean, purpose: { type: 'string', enum: ['jobs', 'benefits'] } },
    'The person consents to the purpose of the offer: `jobs` for an opening, `benefits` for a slot.',
  ),
  variant(
    'rule',
    'seeking_work',
    { pass: boolean },
    'Openings only: the person is seeking work, or employed and marked open to job offers (a hire makes them employed).',
  ),
  variant('rule', 'target_group', { pass: boolean, required: groups, common: groups }, 'A group in common with the offer (or none required).'),
  variant(
    'rule',
    'distance',
    { pass: boolean, km: number, radiusKm: number, maxTravelKm: { type: 'number', nullable: true } },
    "Within the offer's radius and the person's own limit.",
  ),
  variant('rule', 'accessibility', { pass: boolean, unmetNeeds: features }, 'Every need of the person is among the features.'),
  variant(
    'rule',
    'schedule',
    { pass: boolean, coveredMinutes: integer, shiftMinutes: integer, coverage: number, requiredCoverage: number },
    "Availability covers enough of the opening's weekly shift minutes.",
  ),
  variant(
    'rule',
    'break_overlap',
    { pass: boolean, bestOverlapMinutes: integer, requiredMinutes: integer },
    "A break overlaps one of the slot's windows (weekly, or a dated session) long enough; or, for a slot with stays, the person's breaks cover one of them whole (`stayCovered`, given only for such a slot).",
    { stayCovered: boolean },
  ),
]);

export const CAP_CHECK_SCHEMA = union('A cap of API v1, counted now.', [
  variant('rule', 'person_cap', { pass: boolean, openJobMatches: integer, max: integer }, 'Open job matches of the person.'),
  variant('rule', 'shortlist', { pass: boolean, openMatches: integer, size: integer }, "Open matches of the opening against its shortlist's size."),
  variant('rule', 'slot_offers', { pass: boolean, openOffers: integer, limit: integer }, 'Open offers of the slot against 2 x capacity.'),
  variant(
    'rule',
    'no_shows',
    { pass: boolean, noShows: integer, behindAfter: integer, days: integer },
    "Offers the person left to expire (the occurrence had seats) within `days`; at `behindAfter` or more they go behind the others in the slot's rotation, never out of it.",
  ),
]);

export const MATCH_REASON_SCHEMA = union('Why a person was matched: one figure of the score.', [
  variant('code', 'distance', { km: number }),
  variant('code', 'schedule', { coverage: number }),
  variant('code', 'break_overlap', { minutes: integer }),
  variant('code', 'skills', { covered: { type: 'array', items: { type: 'string' } }, missing: { type: 'array', items: { type: 'string' } } }),
  variant('code', 'group', { group: { type: 'string', enum: [...TARGET_GROUPS] }, priority: number }),
  variant('code', 'waiting', { days: number }),
  variant('code', 'self_declared', { fairId: { type: 'string', format: 'uuid' }, taps: integer }),
]);

/** Added to `components.schemas` of the document under these names. */
export const TAGGED_UNION_SCHEMAS = {
  RuleCheck: RULE_CHECK_SCHEMA,
  CapCheck: CAP_CHECK_SCHEMA,
  MatchReason: MATCH_REASON_SCHEMA,
} satisfies Record<string, SchemaObject>;

/** A `$ref` to one of the schemas above. */
export const unionRef = (name: keyof typeof TAGGED_UNION_SCHEMAS): { $ref: string } => ({ $ref: `#/components/schemas/${name}` });
