/**
 * The fast path of validation (libs/platform/src/http/compiled-validator.ts) against the way it replaces, on the
 * API's own DTOs: for the schema of every JSON body the OpenAPI document describes, bodies it accepts and bodies
 * it refuses in every way the contract fuzzer knows (test/support/openapi-arbitraries.ts), each validated both
 * ways. The answers must be the same: the same instance (classes, keys in order, values), or the same refusal
 * (the same exception with the same body, byte for byte). Request bodies go through the pipe; bulk import lines
 * (`Candidate` records) through validateRecord. And a body class-validator accepts takes the fast path.
 *
 * VALIDATION_RUNS (default below) sets the bodies per schema.
 */
import type { NestExpressApplication } from '@nestjs/platform-express';
import { ApiValidationPipe, validInstance, validateRecord, validateRecordWithClassValidator } from '@huigong/platform';
import fc from 'fast-check';
import request from 'supertest';
import { CandidateDto, UpdateCandidateDto } from '../apps/api/src/candidates/candidate.dto';
import { CreateCaseworkerDto } from '../apps/api/src/caseworkers/caseworkers';
import { createApiApp } from '../apps/api/src/create-api-app';
import { RetentionCheckDto, RevertHireDto, UpdateMatchDto } from '../apps/api/src/matches/matches';
import { OpeningDto, UpdateOpeningDto } from '../apps/api/src/openings/opening.dto';
import { CreateOrganizationDto } from '../apps/api/src/organizations/organizations';
import { RedemptionDto, SlotDto, UpdateSlotDto } from '../apps/api/src/slots/slot.dto';
import { ServicePointDto, ServicePointSlotDto, UpdateServicePointDto } from '../apps/api/src/service-points/service-point.dto';
import { AttachOpeningsDto, FairDto, FairIntentDto } from '../apps/api/src/fairs/fair.dto';
import { CourseOrderDto, CourseTopicDto } from '../apps/api/src/course-menu/course-menu.dto';
import { operationsOf } from './support/contract-fuzzer';
import { ContractModel, mutate, mutationSpec, serialize } from './support/openapi-arbitraries';
import { difference } from './support/structural-difference';
import { type TestWorld, createTestWorld } from './support/test-environment';

const RUNS = Number(process.env.VALIDATION_RUNS ?? 600);

/** The DTO class of each body schema of the document. */
const DTOS: Record<string, new () => object> = {
  Candidate: CandidateDto,
  CandidatePatch: UpdateCandidateDto,
  Opening: OpeningDto,
  OpeningPatch: UpdateOpeningDto,
  Slot: SlotDto,
  SlotPatch: UpdateSlotDto,
  Redemption: RedemptionDto,
  ServicePoint: ServicePointDto,
  ServicePointPatch: UpdateServicePointDto,
  ServicePointSlot: ServicePointSlotDto,
  CourseTopic: CourseTopicDto,
  CourseOrder: CourseOrderDto,
  MatchOutcome: UpdateMatchDto,
  HireReverted: RevertHireDto,
  RetentionCheck: RetentionCheckDto,
  NewCaseworker: CreateCaseworkerDto,
  NewOrganization: CreateOrganizationDto,
  Fair: FairDto,
  FairIntent: FairIntentDto,
  FairOpeningsAttachment: AttachOpeningsDto,
};

/** How a validation ended: with a value, or with an error (its class and its answer, as JSON). */
type Outcome = { value: unknown } | { error: string };

async function outcomeOf(run: () => Promise<unknown>): Promise<Outcome> {
  try {
    return { value: await run() };
  } catch (error) {
    const answer = (error as { getResponse?: () => unknown }).getResponse?.();
    return { error: `${(error as object).constructor.name} ${JSON.stringify(answer ?? String(error))}` };
  }
}

function sameOutcome(fast: Outcome, slow: Outcome): string | undefined {
  if ('error' in fast || 'error' in slow) {
    return 'error' in fast && 'error' in slow && fast.error === slow.error ? undefined : `fast: ${JSON.stringify(fast)}\nslow: ${JSON.stringify(slow)}`;
  }
  return difference(fast.value, slow.value);
}

describe('the fast path of validation answers as class-transformer and class-validator do', () => {
  let world: TestWorld;
  let app: NestExpressApplication;
  let model: ContractModel;

  beforeAll(async () => {
    world = await createTestWorld();
    app = await createApiApp(world.config, { logger: false });
    await app.init();
    model = new ContractModel(JSON.parse((await request(app.getHttpServer()).get('/docs-json').expect(200)).text));
  });

  afterAll(async () => {
    await (app as NestExpressApplication | undefined)?.close();
    await (world as TestWorld | undefined)?.destroy();
  });

  it('knows the DTO of every JSON body and of every bulk import record the document describes', () => {
    const schemas = operationsOf(model).flatMap((op) => [op.json, op.text?.record].filter((schema) => schema !== undefined));
    const names = new Set(schemas.map((schema) => model.refName(schema)));
    expect([...names].sort()).toEqual(Object.keys(DTOS).sort());
  });

  it.each(Object.keys(DTOS))('%s: the same instance or the same refusal, from the pipe and from validateRecord', async (name) => {
    const dto = DTOS[name];
    const schema = { $ref: `#/components/schemas/${name}` };
    const pipe = new ApiValidationPipe();
    const metadata = { type: 'body', metatype: dto } as const;
    const valid = model.valid(schema);
    const mutated = fc
      .tuple(valid, mutationSpec)
      .map(([body, spec]) => mutate(model, schema, body, spec)?.value)
      .filter((body) => body !== undefined);
    const bodies = fc.oneof({ weight: 2, arbitrary: valid }, { weight: 3, arbitrary: mutated });
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(bodies, async (body) => {
        let text: string;
        try {
          text = new TextDecoder('utf-8', { fatal: true }).decode(serialize(body));
        } catch {
          // Bytes that are not UTF-8: refused by the body parser, before any validation.
          return;
        }
        // Each way gets its own copy: the pipe may change the value it is given (class-validator's whitelist
        // deletes, Nest strips `__proto__` keys).
        const parse = () => JSON.parse(text) as unknown;
        const fromPipe = await outcomeOf(() => pipe.transform(parse(), metadata));
        const fromClassValidator = await outcomeOf(() => pipe.transformWithClassValidator(parse(), metadata));
        expect(sameOutcome(fromPipe, fromClassValidator)).toBeUndefined();
        const record = await validateRecord(dto, parse());
        const recordWithClassValidator = await validateRecordWithClassValidator(dto, parse());
        expect(record.errors).toEqual(recordWithClassValidator.errors);
        expect(difference(record.value, recordWithClassValidator.value)).toBeUndefined();
        if (recordWithClassValidator.value !== undefined) {
          accepted++;
          // What class-validator accepts goes the fast way: the path is fast for the bodies that matter.
          const plain = parse();
          expect(validInstance(dto, plain as object)).toBeDefined();
        }
      }),
      { numRuns: RUNS },
    );
    expect(accepted).toBeGreaterThan(RUNS / 10);
  });
});
