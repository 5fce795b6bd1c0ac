import { STATUS_CODES } from 'node:http';
import { DocumentBuilder, type OpenAPIObject, type ReferenceObject, type SchemaObject, SwaggerModule } from '@nestjs/swagger';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { ApiErrorResponse, FieldErrorView } from './api-error.response';
import { API_KEY_SCHEME } from './operation';
import { TAGGED_UNION_SCHEMAS } from './tagged-unions';

/** Where the docs are served: Swagger UI at `/docs`, the OpenAPI document at `/docs-json`. */
export const DOCS_PATH = 'docs';
export const DOCS_JSON_PATH = 'docs-json';

const DESCRIPTION = `The intake API of huigong: employers post openings, merchants publish off-peak slots, caseworkers
register and follow up job seekers; the engine matches them and notifies each party.

Every request carries \`Authorization: Bearer <apiKey>\`. The admin key creates organizations (employers,
merchants) and caseworkers, each of which gets its own key, shown once. A key of the wrong role gets 403;
someone else's resource is 404.

Every error has one JSON shape (\`ApiError\`): \`{statusCode, error, message, details?}\`, with \`details\`
naming each bad field on validation errors. Bodies are JSON up to 1 MiB (bulk import: NDJSON or CSV up to
32 MiB); unknown fields are refused. Every POST accepts an \`Idempotency-Key\`.`;

/**
 * Descriptions of the shared enums. @nestjs/swagger gives an enum schema the description of the first
 * property that uses it, which reads wrong everywhere else.
 */
const ENUM_DESCRIPTIONS: Record<string, string> = {
  TargetGroup: 'A target group of the union. `hardship` and `disabled` are sensitive: never sent to employers or merchants.',
  AccessibilityFeature: 'An accessibility feature of a place, or a need of a person (needs are sensitive).',
  ConsentPurpose: 'jobs (openings may be proposed), benefits (slots may be offered), sensitive (disability, hardship and needs may be used in matching).',
  ConsentMethod: 'How the person gave or withdrew a consent: on a paper form, in the app, in person, by phone.',
  SlotKind: 'What a slot offers.',
  ServicePointKind:
    'What a service point is: a canteen, a restaurant, a barber, a hotel, a repair shop, a worker station, a rest-and-recuperation base, or other.',
  OrganizationKind: 'Employers post openings; merchants publish slots; partners (a job fair’s streaming platform) send intents.',
  OfferKind: 'An opening (job) or a slot (off-peak capacity).',
  OpeningStatus:
    'open: people are proposed to it. filled: hires have taken every position; it proposes no one until a hire is reverted or positions are added. closed: by its employer, for good.',
  SlotStatus: 'A slot is active until its merchant withdraws it.',
  MatchStatus:
    'Job matches: proposed -> contacted -> interested -> interview -> hired, or declined / no_response; a hire may be reverted (POST /v1/matches/:id/revert-hire: back to interview); withdrawn when the offer closes or fills or consent is withdrawn. Slot offers: proposed -> redeemed or expired.',
  SettableMatchStatus: 'The statuses a caseworker may set.',
  NotificationType:
    'candidate_list (caseworkers), match_summary (employers, merchants), offer (workers), reminder (caseworkers), candidate_digest (caseworkers: the lists of a burst, sent together at the end of a window), matches_withdrawn (caseworkers: an opening filled, and which of their people it no longer goes on with), retention_check (caseworkers: a hire 30 or 90 days on; record whether the person stayed), course_demand (a station: orders of a course topic reached its threshold; how many, and the windows that suit most of them).',
  DeliveryStatus: "pending, delivered, dead (gave up), disabled (the receiver answered 410), dropped (an offer outside the worker's budget).",
};

/** Consents that contradict themselves; each says only what it is about (the other fields may be anything). */
const CONSENT_CONTRADICTIONS: SchemaObject = {
  anyOf: [
    { properties: { contact: { enum: [false] }, jobs: { enum: [true] } }, required: ['contact', 'jobs'], additionalProperties: true },
    { properties: { contact: { enum: [false] }, benefits: { enum: [true] } }, required: ['contact', 'benefits'], additionalProperties: true },
    {
      properties: { contact: { enum: [true] }, jobs: { enum: [false] }, benefits: { enum: [false] } },
      required: ['contact', 'jobs', 'benefits'],
      additionalProperties: true,
    },
  ],
};

/** The OpenAPI document of the intake API, from the controllers' decorators. */
export function buildApiDocument(app: NestExpressApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('huigong intake API')
    .setDescription(DESCRIPTION)
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'The API key: `Authorization: Bearer <apiKey>`.' }, API_KEY_SCHEME)
    .addTag('organizations', 'Employers and merchants (admin)')
    .addTag('caseworkers', 'Union and community staff (admin)')
    .addTag('candidates', 'People registered and followed up by their caseworker')
    .addTag('openings', 'Job openings of an employer')
    .addTag('slots', 'Off-peak capacity of a merchant, and the redemption of its offers')
    .addTag('service-points', 'Premises where members get a standing benefit and use offers (merchant, admin)')
    .addTag('benefits', 'The benefit map: what is on offer near a place (every role; anyone when PUBLIC_BENEFIT_MAP=true)')
    .addTag('course-menu', "Worker stations' course menus: topics, orders through caseworkers, and the demands that orders make")
    .addTag('matches', 'Candidate lists and the follow-up of matches (caseworker)')
    .addTag('inbox', 'Notifications delivered to the caller')
    .addTag('reports', 'Counts of the follow-up funnel')
    .addTag('deliveries', 'Webhook deliveries that failed, and their replay (admin)')
    .build();
  config.components = { ...config.components, schemas: { ...config.components?.schemas, ...TAGGED_UNION_SCHEMAS } };
  const document = SwaggerModule.createDocument(app, config, {
    extraModels: [ApiErrorResponse, FieldErrorView],
    operationIdFactory: (controllerKey, methodKey) => `${controllerKey.replace(/Controller$/, '')}_${methodKey}`,
  });
  // A name of ENUM_DESCRIPTIONS has a schema only if some DTO declared that enum.
  const schemas: Partial<Record<string, SchemaObject | ReferenceObject>> = document.components?.schemas ?? {};
  for (const [name, description] of Object.entries(ENUM_DESCRIPTIONS)) {
    const schema = schemas[name];
    if (schema !== undefined && 'enum' in schema) schema.description = description;
  }
  // What the consent schemas say in words, in the schema too: `contact: false` beside jobs or benefits
  // given, and `contact: true` with both refused, are contradictions (libs/domain's consentsGiven).
  for (const name of ['Consent', 'ConsentPatch']) {
    const schema = schemas[name];
    if (schema !== undefined && !('$ref' in schema)) schema.not = CONSENT_CONTRADICTIONS;
  }
  // A success response declared without a description gets its reason phrase ("OK", "Created").
  for (const item of Object.values(document.paths)) {
    for (const operation of [item.get, item.put, item.post, item.delete, item.patch]) {
      for (const [status, response] of Object.entries(operation?.responses ?? {})) {
        if (response !== undefined && 'description' in response && response.description === '') response.description = STATUS_CODES[Number(status)] ?? status;
      }
    }
  }
  return document;
}

/**
 * Serves Swagger UI at `/docs` and the document at `/docs-json`. They are plain express routes, outside
 * Nest's router, so the API key guard never sees them: the docs need no key. The document is built on the
 * first request, so a process that is never asked for it does not pay for it.
 */
export function setupApiDocs(app: NestExpressApplication): void {
  SwaggerModule.setup(DOCS_PATH, app, () => buildApiDocument(app), {
    jsonDocumentUrl: DOCS_JSON_PATH,
    raw: ['json'],
    customSiteTitle: 'huigong intake API',
  });
}
