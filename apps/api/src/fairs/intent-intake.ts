import { Injectable, NotFoundException } from '@nestjs/common';
import { type GeoPoint, caseworkerForPlace, normalizedPhone, takesIntents } from '@huigong/domain';
import { UnitOfWork, type WriteTransaction, outboxEvent } from '@huigong/messaging';
import { CandidateStore, FairStore, type NewCandidateRow, type NewIntentRow } from '@huigong/persistence';
import { GroupCommit, NamedConflictException, type RequestContext, type Settled, ValidationFailedException, currentRequestContext } from '@huigong/platform';
import { createHash, randomUUID } from 'node:crypto';
import type { FairIntentDto } from './fair.dto';
import type { FairIntentView } from './fair.view';

/** Intents taken together: at most so many a batch, so many batches at once (each holds a connection). */
const BATCH_MAX_SIZE = 256;
const BATCHES_IN_FLIGHT = 2;
/** Intents named in one FairIntentsReceived event: a job stays small, and one is made into leads in one transaction. */
export const INTENTS_PER_EVENT = 500;

/** An intent as the intake takes it: checked on its own already (the phone read), to be checked against the tables. */
interface IntentRequest {
  fairId: string;
  partnerId: string;
  openingId: string;
  candidateId: string | null;
  viewer: { displayName: string; phone: string; phoneHash: string; location: GeoPoint | null } | null;
}

/** The hash a phone is known by in `viewer_phones`: of its digits only, so that one number written two ways is one viewer. */
function phoneHash(digits: string): string {
  return createHash('sha256').update(`viewer-phone:${digits}`, 'utf8').digest('hex');
}

/**
 * Takes the intents a streaming partner sends during a fair, hundreds a second in bursts: the intents that
 * arrive at about the same moment are checked and written together, one statement per table for the batch
 * (group commit), and each request is answered once its batch has committed. A viewer not registered yet is
 * registered once, by their phone, on the list of the caseworker of their area, their profile pending
 * until that caseworker completes it. The batch's event names the new intents (`FairIntentsReceived`,
 * made into leads by the matcher).
 */
@Injectable()
export class FairIntentIntake {
  private readonly batches = new GroupCommit<{ item: IntentRequest; context: RequestContext }, FairIntentView>(
    (entries) =>
      this.unitOfWork.runBatched(
        entries,
        (tx, items) => this.take(tx, items),
        (view) => view.candidateId,
      ),
    { maxSize: BATCH_MAX_SIZE, maxInFlight: BATCHES_IN_FLIGHT },
  );

  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly fairs: FairStore,
    private readonly candidates: CandidateStore,
  ) {}

  /** Checks the intent on its own (400 naming the field), then takes it with the others of its moment. */
  submit(fairId: string, partnerId: string, input: FairIntentDto): Promise<FairIntentView> {
    const hasPerson = input.candidateId !== undefined;
    const hasViewer = input.viewer !== undefined;
    if (hasPerson === hasViewer) {
      throw new ValidationFailedException([
        {
          field: hasPerson ? 'viewer' : 'candidateId',
          message: hasPerson ? 'must be absent when candidateId is given' : 'is required when no viewer is given',
        },
      ]);
    }
    let viewer: IntentRequest['viewer'] = null;
    if (input.viewer !== undefined) {
      const digits = normalizedPhone(input.viewer.phone);
      if (digits === null) throw new ValidationFailedException([{ field: 'viewer.phone', message: 'must be a phone number of 5 to 15 digits' }]);
      viewer = {
        displayName: input.viewer.displayName.trim(),
        phone: input.viewer.phone.trim(),
        phoneHash: phoneHash(digits),
        location: input.viewer.location === undefined ? null : { lat: input.viewer.location.lat, lng: input.viewer.location.lng },
      };
    }
    const context = currentRequestContext() ?? { correlationId: randomUUID() };
    return this.batches.submit({ item: { fairId, partnerId, openingId: input.openingId, candidateId: input.candidateId ?? null, viewer }, context });
  }

  private async take({ manager, emit }: WriteTransaction, items: readonly IntentRequest[]): Promise<Settled<FairIntentView>[]> {
    const now = new Date();
    const fairs = await this.fairs.intakeFairs(manager, items);
    const registered = await this.fairs.registeredAmong(manager, [...new Set(items.flatMap((item) => (item.candidateId === null ? [] : [item.candidateId])))]);

    // Each request's refusal, or the person it is for (a newcomer's: once their phone is claimed below).
    const refusals = new Map<number, unknown>();
    items.forEach((item, index) => {
      const fair = fairs.get(item.fairId);
      if (fair === undefined) refusals.set(index, new NotFoundException(`No fair ${item.fairId}.`));
      else if (!takesIntents(fair, now))
        refusals.set(index, new NamedConflictException('fair_over', 'The fair ended more than a day ago: it takes no more intents.'));
      else if (!fair.openingIds.has(item.openingId)) refusals.set(index, new NotFoundException(`No opening ${item.openingId} at this fair.`));
      else if (item.candidateId !== null) {
        const person = registered.get(item.candidateId);
        if (person === undefined) refusals.set(index, new NotFoundException(`No person ${item.candidateId}.`));
        else if (!person.consentJobs) refusals.set(index, new NamedConflictException('no_consent', 'The person has not consented to be contacted about jobs.'));
      }
    });

    // Newcomers: each phone claimed once; those this batch claimed are registered now.
    const newcomers = new Map<string, { index: number; candidateId: string }>();
    items.forEach((item, index) => {
      if (refusals.has(index) || item.viewer === null || newcomers.has(item.viewer.phoneHash)) return;
      newcomers.set(item.viewer.phoneHash, { index, candidateId: randomUUID() });
    });
    const { owners, claimed } = await this.fairs.claimPhones(
      manager,
      [...newcomers].map(([hash, newcomer]) => ({ phoneHash: hash, candidateId: newcomer.candidateId })),
    );
    const registrations: NewCandidateRow[] = [];
    for (const hash of claimed) {
      const newcomer = newcomers.get(hash);
      if (newcomer === undefined) continue;
      const item = items[newcomer.index];
      const fair = fairs.get(item.fairId);
      if (fair === undefined || item.viewer === null) continue;
      registrations.push(newcomerRow(newcomer.candidateId, item.viewer, fair));
    }
    if (registrations.length > 0) await this.candidates.insertNew(manager, registrations);

    // The intents, those of one viewer for one opening merged (their taps added).
    const rows = new Map<string, NewIntentRow>();
    const keyOf = new Map<number, string>();
    items.forEach((item, index) => {
      if (refusals.has(index)) return;
      const candidateId = item.candidateId ?? (item.viewer === null ? undefined : owners.get(item.viewer.phoneHash));
      if (candidateId === undefined) {
        refusals.set(index, new Error('a viewer’s phone was neither claimed nor found'));
        return;
      }
      const key = `${item.fairId}:${item.openingId}:${candidateId}`;
      keyOf.set(index, key);
      const row = rows.get(key);
      if (row !== undefined) row.taps++;
      else {
        const selfRegistered = item.viewer !== null && claimed.has(item.viewer.phoneHash) && newcomers.get(item.viewer.phoneHash)?.index === index;
        rows.set(key, { id: randomUUID(), fairId: item.fairId, openingId: item.openingId, candidateId, partnerId: item.partnerId, selfRegistered, taps: 1 });
      }
    });
    const recorded = await this.fairs.recordIntents(manager, [...rows.values()]);
    const byKey = new Map(recorded.map((intent) => [`${intent.fairId}:${intent.openingId}:${intent.candidateId}`, intent]));

    const newIntents = recorded.filter((intent) => intent.inserted).map((intent) => intent.id);
    for (let start = 0; start < newIntents.length; start += INTENTS_PER_EVENT) {
      emit(outboxEvent('FairIntentsReceived', { intentIds: newIntents.slice(start, start + INTENTS_PER_EVENT) }));
    }

    const registeredNow = new Set(registrations.map((row) => row.id));
    return items.map((item, index): Settled<FairIntentView> => {
      const refusal = refusals.get(index);
      if (refusal !== undefined) return { ok: false, error: refusal };
      const intent = byKey.get(keyOf.get(index) ?? '');
      if (intent === undefined) return { ok: false, error: new Error('an intent written was not given back') };
      const registeredHere = item.viewer !== null && registeredNow.has(intent.candidateId) && newcomers.get(item.viewer.phoneHash)?.index === index;
      return {
        ok: true,
        value: {
          id: intent.id,
          fairId: intent.fairId,
          openingId: intent.openingId,
          candidateId: intent.candidateId,
          taps: intent.taps,
          registered: registeredHere,
        },
      };
    });
  }
}

/**
 * A viewer registered by their intent: their name and phone, placed where they said (else at the fair), on
 * the list of their area's caseworker, with consent to job contact given in the partner's app. Groups,
 * skills and schedules are for their caseworker to complete: until then the profile is pending, and the
 * engine proposes nothing to them (their lead is what they asked for).
 */
function newcomerRow(
  id: string,
  viewer: NonNullable<IntentRequest['viewer']>,
  fair: { lat: number; lng: number; areas: Parameters<typeof caseworkerForPlace>[0]; defaultCaseworkerId: string },
): NewCandidateRow {
  const place = viewer.location ?? { lat: fair.lat, lng: fair.lng };
  return {
    id,
    caseworkerId: caseworkerForPlace(fair.areas, viewer.location, fair.defaultCaseworkerId),
    status: 'active',
    displayName: viewer.displayName,
    externalRef: null,
    phone: viewer.phone,
    groups: [],
    skills: [],
    lat: place.lat,
    lng: place.lng,
    maxTravelKm: null,
    availability: [],
    breaks: [],
    accessibilityNeeds: [],
    consentJobs: true,
    consentBenefits: false,
    consentSensitive: false,
    consentHow: 'app',
    openToJobOffers: false,
    noticePreferences: {},
    revision: 1,
    profilePending: true,
  };
}
