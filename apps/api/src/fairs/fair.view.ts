import { FAIR_FUNNEL_STAGES, TARGET_GROUPS, type FairBoardCounts, type FairBoardEmployer, type FairBoardOpening, type TargetGroup } from '@huigong/domain';
import type { FairReportGroupRow, FairReportOpeningRow, FairRow, UncontactedLead } from '@huigong/persistence';
import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { LocationDto } from '../common/dto';

@ApiSchema({ name: 'FairAreaView', description: 'An area a fair draws from, and its caseworker.' })
export class FairAreaView {
  @ApiProperty({ type: 'string', format: 'uuid' })
  caseworkerId: string;

  @ApiProperty({ type: () => LocationDto })
  location: LocationDto;

  @ApiProperty({ type: 'number' })
  radiusKm: number;
}

@ApiSchema({ name: 'FairView', description: 'A job fair.' })
export class FairView {
  @ApiProperty({ type: 'string', format: 'uuid' })
  id: string;

  @ApiProperty({ type: 'string' })
  name: string;

  @ApiProperty({ type: 'string', format: 'date-time' })
  startsAt: string;

  @ApiProperty({ type: 'string', format: 'date-time' })
  endsAt: string;

  @ApiProperty({ type: () => LocationDto })
  location: LocationDto;

  @ApiProperty({ type: 'string', nullable: true })
  address: string | null;

  @ApiProperty({ enum: [...TARGET_GROUPS], enumName: 'TargetGroup', isArray: true })
  targetGroups: TargetGroup[];

  @ApiProperty({ type: 'string', format: 'uuid', isArray: true, description: 'The employers taking part.' })
  employerIds: string[];

  @ApiProperty({ type: 'string', format: 'uuid' })
  defaultCaseworkerId: string;

  @ApiProperty({ type: () => FairAreaView, isArray: true })
  areas: FairAreaView[];

  @ApiProperty({ type: 'integer', minimum: 0, description: 'Openings attached.' })
  openings: number;

  @ApiProperty({ type: 'string', format: 'date-time' })
  createdAt: string;
}

export function fairView(row: FairRow): FairView {
  return {
    id: row.id,
    name: row.name,
    startsAt: row.startsAt.toISOString(),
    endsAt: row.endsAt.toISOString(),
    location: { lat: row.lat, lng: row.lng },
    address: row.address,
    targetGroups: row.targetGroups,
    employerIds: row.employerIds,
    defaultCaseworkerId: row.defaultCaseworkerId,
    areas: row.areas.map((area) => ({ caseworkerId: area.caseworkerId, location: area.location, radiusKm: area.radiusKm })),
    openings: row.openings,
    createdAt: row.createdAt.toISOString(),
  };
}

@ApiSchema({ name: 'FairOpeningsAttached', description: 'What an attachment did.' })
export class OpeningsAttachedView {
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Openings attached by this request (those attached before are not counted).' })
  attached: number;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'Openings of the fair now, of every employer.' })
  openings: number;
}

@ApiSchema({ name: 'FairIntentReceipt', description: 'An intent taken: new, or the same viewer tapping the same opening again (its `taps` grew).' })
export class FairIntentView {
  @ApiProperty({ type: 'string', format: 'uuid', description: 'The intent: the same for every tap of this viewer on this opening.' })
  id: string;

  @ApiProperty({ type: 'string', format: 'uuid' })
  fairId: string;

  @ApiProperty({ type: 'string', format: 'uuid' })
  openingId: string;

  @ApiProperty({
    type: 'string',
    format: 'uuid',
    description: 'The person: the one named, or the one a viewer was registered as (the same for every intent of one phone).',
  })
  candidateId: string;

  @ApiProperty({ type: 'integer', minimum: 1, description: 'How often this viewer tapped this opening.' })
  taps: number;

  @ApiProperty({ type: 'boolean', description: 'True when this tap registered the viewer.' })
  registered: boolean;
}

@ApiSchema({ name: 'FairBoardCounts', description: 'Counts, never people.' })
export class FairBoardCountsView implements FairBoardCounts {
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Intents: distinct viewers who tapped.' })
  intents: number;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'People matched, by the engine or by their own intent (withdrawn matches not counted).' })
  matched: number;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'Of those, the ones a caseworker has contacted or taken further.' })
  contacted: number;
}

@ApiSchema({ name: 'FairBoardOpening' })
export class FairBoardOpeningView extends FairBoardCountsView implements FairBoardOpening {
  @ApiProperty({ type: 'string', format: 'uuid' })
  openingId: string;

  @ApiProperty({ type: 'string' })
  title: string;

  @ApiProperty({ type: 'string', format: 'uuid' })
  employerId: string;

  @ApiProperty({ type: 'string' })
  employerName: string;
}

@ApiSchema({ name: 'FairBoardEmployer' })
export class FairBoardEmployerView extends FairBoardCountsView implements FairBoardEmployer {
  @ApiProperty({ type: 'string', format: 'uuid' })
  employerId: string;

  @ApiProperty({ type: 'string' })
  name: string;
}

@ApiSchema({ name: 'FairBoard', description: "The live board of a fair: counts per opening and employer, and the fair's totals. No personal data." })
export class FairBoardView {
  @ApiProperty({ type: 'string', format: 'uuid' })
  fairId: string;

  @ApiProperty({ type: 'string', format: 'date-time', description: 'When the counts were read.' })
  at: string;

  @ApiProperty({ type: () => FairBoardCountsView })
  totals: FairBoardCountsView;

  @ApiProperty({ type: () => FairBoardEmployerView, isArray: true })
  employers: FairBoardEmployerView[];

  @ApiProperty({ type: () => FairBoardOpeningView, isArray: true })
  openings: FairBoardOpeningView[];
}

@ApiSchema({ name: 'FairFunnel', description: 'Intents, and how many of their leads reached each stage since.' })
export class FairFunnelView {
  @ApiProperty({ type: 'integer', minimum: 0 })
  intents: number;

  @ApiProperty({ type: 'integer', minimum: 0 })
  contacted: number;

  @ApiProperty({ type: 'integer', minimum: 0 })
  interview: number;

  @ApiProperty({ type: 'integer', minimum: 0 })
  hired: number;
}

@ApiSchema({ name: 'FairReportEmployer' })
export class FairReportEmployerView extends FairFunnelView {
  @ApiProperty({ type: 'string', format: 'uuid' })
  employerId: string;

  @ApiProperty({ type: 'string' })
  name: string;
}

@ApiSchema({ name: 'FairReportOpening' })
export class FairReportOpeningView extends FairFunnelView {
  @ApiProperty({ type: 'string', format: 'uuid' })
  openingId: string;

  @ApiProperty({ type: 'string', format: 'uuid' })
  employerId: string;

  @ApiProperty({ type: 'string' })
  title: string;
}

@ApiSchema({
  name: 'FairReportGroup',
  description: 'A person in several groups counts in each; `group: null` are newcomers whose groups are not recorded yet.',
})
export class FairReportGroupView extends FairFunnelView {
  @ApiProperty({ enum: [...TARGET_GROUPS], enumName: 'TargetGroup', nullable: true })
  group: TargetGroup | null;
}

@ApiSchema({ name: 'FairUncontactedLeads', description: "A caseworker's leads of the fair nobody has contacted 48 hours after the intent: ids only." })
export class FairUncontactedView {
  @ApiProperty({ type: 'string', format: 'uuid' })
  caseworkerId: string;

  @ApiProperty({ type: 'integer', minimum: 1 })
  leads: number;

  @ApiProperty({ type: 'string', format: 'uuid', isArray: true, description: 'The matches (leads) waiting.' })
  matchIds: string[];

  @ApiProperty({ type: 'string', format: 'date-time', description: 'The oldest intent among them.' })
  oldestIntentAt: string;
}

@ApiSchema({
  name: 'FairReport',
  description: 'After the fair: intents -> contacted -> interview -> hired, per employer, opening and target group; and the leads still waiting.',
})
export class FairReportView {
  @ApiProperty({ type: 'string', format: 'uuid' })
  fairId: string;

  @ApiProperty({ type: () => FairFunnelView })
  totals: FairFunnelView;

  @ApiProperty({ type: () => FairReportEmployerView, isArray: true })
  employers: FairReportEmployerView[];

  @ApiProperty({ type: () => FairReportOpeningView, isArray: true })
  openings: FairReportOpeningView[];

  @ApiProperty({ type: () => FairReportGroupView, isArray: true })
  groups: FairReportGroupView[];

  @ApiProperty({ type: 'integer', minimum: 0, description: 'Leads nobody has contacted 48 hours after their intent.' })
  uncontactedAfter48h: number;

  @ApiProperty({ type: () => FairUncontactedView, isArray: true })
  uncontacted: FairUncontactedView[];
}

const ZERO_FUNNEL = { intents: 0, contacted: 0, interview: 0, hired: 0 } as const;

function addTo(into: FairFunnelView, row: FairFunnelView): void {
  for (const stage of FAIR_FUNNEL_STAGES) into[stage] += row[stage];
}

/** The report from its rows: per opening (adding up to the employers and the totals) and per group. */
export function fairReportView(
  fairId: string,
  report: { openings: readonly FairReportOpeningRow[]; groups: readonly FairReportGroupRow[] },
  uncontacted: readonly UncontactedLead[],
): FairReportView {
  const totals: FairFunnelView = { ...ZERO_FUNNEL };
  const employers = new Map<string, FairReportEmployerView>();
  const openings: FairReportOpeningView[] = [];
  for (const row of report.openings) {
    addTo(totals, row);
    let employer = employers.get(row.employerId);
    if (employer === undefined) {
      employer = { employerId: row.employerId, name: row.employerName, ...ZERO_FUNNEL };
      employers.set(row.employerId, employer);
    }
    addTo(employer, row);
    openings.push({
      openingId: row.openingId,
      employerId: row.employerId,
      title: row.title,
      intents: row.intents,
      contacted: row.contacted,
      interview: row.interview,
      hired: row.hired,
    });
  }
  const byCaseworker = new Map<string, FairUncontactedView>();
  for (const lead of uncontacted) {
    const entry = byCaseworker.get(lead.caseworkerId);
    if (entry === undefined)
      byCaseworker.set(lead.caseworkerId, { caseworkerId: lead.caseworkerId, leads: 1, matchIds: [lead.matchId], oldestIntentAt: lead.tappedAt.toISOString() });
    else {
      entry.leads++;
      entry.matchIds.push(lead.matchId);
    }
  }
  return {
    fairId,
    totals,
    employers: [...employers.values()],
    openings,
    groups: report.groups.map((row) => ({ group: row.group, intents: row.intents, contacted: row.contacted, interview: row.interview, hired: row.hired })),
    uncontactedAfter48h: uncontacted.length,
    uncontacted: [...byCaseworker.values()],
  };
}
