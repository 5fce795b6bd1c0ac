/**
 * The mails of notifications sent through SMTP: a subject and a plain-text body for each type a caseworker,
 * an employer or a merchant receives, zh-CN unless the deployment says English. A caseworker's mails name
 * their own candidates, with score and reasons in words; an employer's or merchant's `match_summary` mail
 * is built from the offer's title and counts only: its input has no room for a person, and nothing else of
 * the payload is read. Also: what an SMTP server's answer means for the retry schedule.
 */
import type { AttemptOutcome } from './retry-schedule';
import { type NoticeLocale, windowsText } from './texts';
import type { WeeklyWindow } from '@huigong/domain';

export interface EmailMessage {
  subject: string;
  text: string;
}

export interface EmailOptions {
  locale?: NoticeLocale;
  /** The time zone that times and dates are written in (APP_TIMEZONE). */
  timeZone?: string;
}

interface OfferRef {
  kind: 'opening' | 'slot';
  title: string;
}

/** A reason as the matcher stores it: `{code: "distance", km: 1.2}`, `{code: "group", group: "veteran"}`, ... */
export type ReasonInput = { code: string } & Record<string, unknown>;

export interface CandidateListEmailInput {
  offer: OfferRef;
  matches: readonly { displayName: string; score: number; reasons: readonly ReasonInput[] }[];
}

export interface CandidateDigestEmailInput {
  windowStart: string;
  windowEnd: string;
  candidates: number;
  lists: readonly { offer: OfferRef; candidates: number }[];
}

export interface ReminderEmailInput {
  afterDays: number;
  matches: readonly { displayName: string; offer: { title: string }; proposedSince: string }[];
}

/** What an employer or merchant may learn: its offer's title and counts. */
export interface MatchSummaryEmailInput {
  offer: OfferRef;
  newMatches: number;
  summary: Readonly<Record<string, number>>;
}

const ZH_GROUPS: Record<string, string> = {
  rider: '外卖骑手',
  courier: '快递员',
  security_guard: '保安员',
  sanitation: '环卫工人',
  veteran: '退役军人',
  rural_migrant: '农民工',
  laid_off: '失业人员',
  reassignment: '转岗职工',
  hardship: '困难职工',
  disabled: '残疾职工',
  flexible: '灵活就业人员',
  new_form: '新就业形态劳动者',
  union_member: '工会会员',
};
const EN_GROUPS: Record<string, string> = {
  rider: 'delivery rider',
  courier: 'courier',
  security_guard: 'security guard',
  sanitation: 'sanitation worker',
  veteran: 'veteran',
  rural_migrant: 'rural migrant worker',
  laid_off: 'laid-off worker',
  reassignment: 'worker being reassigned',
  hardship: 'worker in hardship',
  disabled: 'disabled worker',
  flexible: 'flexible worker',
  new_form: 'new-form worker',
  union_member: 'union member',
};
const ZH_STATUS: Record<string, string> = {
  proposed: '已推荐',
  contacted: '已联系',
  interested: '有意向',
  interview: '面试',
  hired: '已录用',
  declined: '已拒绝',
  no_response: '未回应',
  withdrawn: '已撤回',
  redeemed: '已核销',
  expired: '已过期',
};
const EN_STATUS: Record<string, string> = {
  proposed: 'proposed',
  contacted: 'contacted',
  interested: 'interested',
  interview: 'interview',
  hired: 'hired',
  declined: 'declined',
  no_response: 'no response',
  withdrawn: 'withdrawn',
  redeemed: 'redeemed',
  expired: 'expired',
};
const STATUS_ORDER = Object.keys(EN_STATUS);

const pct = (fraction: number) => Math.round(fraction * 100);
const oneLine = (text: string) => text.replace(/\s+/g, ' ').trim();
const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : []);
/** A stored field that should be text: anything else (absent, null, an object) reads as empty, never as "[object Object]". */
const text = (value: unknown): string => (typeof value === 'string' ? value : '');

function offerKind(kind: OfferRef['kind'], locale: NoticeLocale): string {
  if (locale === 'en') return kind === 'slot' ? 'offer slot' : 'job opening';
  return kind === 'slot' ? '优惠时段' : '岗位';
}

function footer(locale: NoticeLocale): string {
  return locale === 'en'
    ? '-- \nSent automatically by huigong for your trade union. Please do not reply to this mail.'
    : '-- \n此邮件由惠工系统代工会自动发送，请勿直接回复。';
}

/** A reason in words: "距离约 1.2 公里", "About 1.2 km away". */
export function reasonText(reason: ReasonInput, locale: NoticeLocale = 'zh-CN'): string {
  const en = locale === 'en';
  const number = (key: string) => {
    const value = reason[key];
    return typeof value === 'number' ? value : 0;
  };
  switch (reason.code) {
    case 'distance':
      return en ? `About ${number('km')} km away` : `距离约 ${number('km')} 公里`;
    case 'schedule':
      return en ? `Available for ${pct(number('coverage'))}% of the shift hours` : `可工作时间覆盖班次的 ${pct(number('coverage'))}%`;
    case 'break_overlap':
      return en ? `Break overlaps the offer by ${number('minutes')} minutes` : `休息时间与优惠时段重叠 ${number('minutes')} 分钟`;
    case 'skills': {
      const covered = strings(reason.covered);
      const missing = strings(reason.missing);
      if (en)
        return covered.length > 0
          ? `Has the skills ${covered.join(', ')}${missing.length > 0 ? `; lacks ${missing.join(', ')}` : ''}`
          : `Lacks the skills ${missing.join(', ')}`;
      return covered.length > 0
        ? `具备所需技能：${covered.join('、')}${missing.length > 0 ? `；缺少：${missing.join('、')}` : ''}`
        : `缺少所需技能：${missing.join('、')}`;
    }
    case 'group': {
      const group = text(reason.group);
      return en ? `In a priority group: ${EN_GROUPS[group] ?? group}` : `属于优先群体：${ZH_GROUPS[group] ?? group}`;
    }
    case 'waiting': {
      const days = number('days');
      return en ? (days === 1 ? 'Waiting for 1 day' : `Waiting for ${days} days`) : `已等待 ${days} 天`;
    }
    case 'self_declared':
      return en ? 'Asked for this job themselves at a job fair' : '本人在招聘会上报名此岗位';
    default:
      return en ? `Other reason: ${reason.code}` : `其他原因：${reason.code}`;
  }
}

/** The caseworker's own candidates for one offer, best first, each with score and reasons in words. */
export function candidateListEmail(input: CandidateListEmailInput, locale: NoticeLocale = 'zh-CN'): EmailMessage {
  const en = locale === 'en';
  const title = oneLine(input.offer.title);
  const count = input.matches.length;
  const people = input.matches.map((match, index) => {
    const head = en
      ? `${index + 1}. ${oneLine(match.displayName)} (score ${pct(match.score)}%)`
      : `${index + 1}. ${oneLine(match.displayName)}（匹配度 ${pct(match.score)}%）`;
    return [head, ...match.reasons.map((reason) => `   - ${reasonText(reason, locale)}`)].join('\n');
  });
  if (en) {
    return {
      subject: `${count === 1 ? '1 candidate' : `${count} candidates`} for ${title}`,
      text: [
        `${count === 1 ? 'One of your candidates matches' : `${count} of your candidates match`} the ${offerKind(input.offer.kind, locale)} "${title}":`,
        '',
        ...people,
        '',
        'Follow them up in the console.',
        '',
        footer(locale),
      ].join('\n'),
    };
  }
  return {
    subject: `${offerKind(input.offer.kind, locale)}「${title}」有 ${count} 位候选人`,
    text: [
      `您跟进的 ${count} 位人员与${offerKind(input.offer.kind, locale)}「${title}」匹配：`,
      '',
      ...people,
      '',
      '请在工作台跟进。',
      '',
      footer(locale),
    ].join('\n'),
  };
}

function clock(iso: string, timeZone: string): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(iso));
}

function day(iso: string, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(iso));
}

/** A burst of candidate lists folded into one mail: each offer and how many candidates, no names. */
export function candidateDigestEmail(input: CandidateDigestEmailInput, options: EmailOptions = {}): EmailMessage {
  const locale = options.locale ?? 'zh-CN';
  const timeZone = options.timeZone ?? 'Asia/Shanghai';
  const span = `${day(input.windowStart, timeZone)} ${clock(input.windowStart, timeZone)}-${clock(input.windowEnd, timeZone)}`;
  if (locale === 'en') {
    const lines = input.lists.map(
      (list) =>
        `- ${oneLine(list.offer.title)} (${offerKind(list.offer.kind, locale)}): ${list.candidates === 1 ? '1 candidate' : `${list.candidates} candidates`}`,
    );
    return {
      subject: `${input.candidates === 1 ? '1 candidate' : `${input.candidates} candidates`} in ${input.lists.length === 1 ? '1 new list' : `${input.lists.length} new lists`}`,
      text: [
        `New candidate lists for your candidates, ${span}:`,
        '',
        ...lines,
        '',
        'The names, scores and reasons are in your inbox and the console.',
        '',
        footer(locale),
      ].join('\n'),
    };
  }
  const lines = input.lists.map((list) => `- ${oneLine(list.offer.title)}（${offerKind(list.offer.kind, locale)}）：${list.candidates} 人`);
  return {
    subject: `${input.lists.length} 份新候选名单，共 ${input.candidates} 人`,
    text: [`${span} 您跟进的人员有新的候选名单：`, '', ...lines, '', '姓名、匹配度和原因见收件箱和工作台。', '', footer(locale)].join('\n'),
  };
}

/** Proposals that have not moved for a week, to follow up. */
export function reminderEmail(input: ReminderEmailInput, options: EmailOptions = {}): EmailMessage {
  const locale = options.locale ?? 'zh-CN';
  const timeZone = options.timeZone ?? 'Asia/Shanghai';
  const count = input.matches.length;
  if (locale === 'en') {
    const lines = input.matches.map(
      (match) => `- ${oneLine(match.displayName)}: ${oneLine(match.offer.title)}, proposed on ${day(match.proposedSince, timeZone)}`,
    );
    return {
      subject: `Reminder: ${count === 1 ? '1 proposal waits' : `${count} proposals wait`} for follow-up`,
      text: [
        `${count === 1 ? 'This proposal has' : 'These proposals have'} not moved for ${input.afterDays} days:`,
        '',
        ...lines,
        '',
        'Record what became of them in the console.',
        '',
        footer(locale),
      ].join('\n'),
    };
  }
  const lines = input.matches.map((match) => `- ${oneLine(match.displayName)}：${oneLine(match.offer.title)}，推荐于 ${day(match.proposedSince, timeZone)}`);
  return {
    subject: `提醒：${count} 条推荐待跟进`,
    text: [`以下推荐已 ${input.afterDays} 天没有进展：`, '', ...lines, '', '请在工作台记录跟进结果。', '', footer(locale)].join('\n'),
  };
}

export interface FairLeadsReminderEmailInput {
  fair: string;
  afterHours: number;
  matches: { displayName: string; offer: { title: string }; intentAt: string }[];
}

/** Leads of a job fair nobody has contacted two days after the person asked for the job. */
export function fairLeadsReminderEmail(input: FairLeadsReminderEmailInput, options: EmailOptions = {}): EmailMessage {
  const locale = options.locale ?? 'zh-CN';
  const timeZone = options.timeZone ?? 'Asia/Shanghai';
  const count = input.matches.length;
  const fair = oneLine(input.fair);
  if (locale === 'en') {
    const lines = input.matches.map((match) => `- ${oneLine(match.displayName)}: ${oneLine(match.offer.title)}, asked on ${day(match.intentAt, timeZone)}`);
    return {
      subject: `Reminder: ${count === 1 ? '1 person' : `${count} people`} from ${fair} not contacted yet`,
      text: [
        `${count === 1 ? 'This person' : 'These people'} asked for a job at ${fair} more than ${input.afterHours} hours ago, and nobody has contacted them yet:`,
        '',
        ...lines,
        '',
        'Record the contact in the console.',
        '',
        footer(locale),
      ].join('\n'),
    };
  }
  const lines = input.matches.map((match) => `- ${oneLine(match.displayName)}：${oneLine(match.offer.title)}，报名于 ${day(match.intentAt, timeZone)}`);
  return {
    subject: `提醒：${fair} 有 ${count} 人报名后尚未联系`,
    text: [`以下人员在 ${fair} 报名已超过 ${input.afterHours} 小时，仍无人联系：`, '', ...lines, '', '请在工作台记录联系结果。', '', footer(locale)].join('\n'),
  };
}

export interface RetentionCheckEmailInput {
  checkpointDays: number;
  matches: { displayName: string; offer: { title: string }; hiredAt: string }[];
}

/** A hire's 30- or 90-day check: did the person stay? */
export function retentionCheckEmail(input: RetentionCheckEmailInput, options: EmailOptions = {}): EmailMessage {
  const locale = options.locale ?? 'zh-CN';
  const timeZone = options.timeZone ?? 'Asia/Shanghai';
  if (locale === 'en') {
    const lines = input.matches.map((match) => `- ${oneLine(match.displayName)}: ${oneLine(match.offer.title)}, hired on ${day(match.hiredAt, timeZone)}`);
    return {
      subject: `${input.checkpointDays}-day check: still in the job?`,
      text: [
        `${input.checkpointDays} days ago:`,
        '',
        ...lines,
        '',
        'Record in the console whether they stayed (retained) or left; someone who left is matched to open jobs again.',
        '',
        footer(locale),
      ].join('\n'),
    };
  }
  const lines = input.matches.map((match) => `- ${oneLine(match.displayName)}：${oneLine(match.offer.title)}，入职于 ${day(match.hiredAt, timeZone)}`);
  return {
    subject: `${input.checkpointDays} 天回访：是否仍在岗？`,
    text: [
      `以下人员入职已满 ${input.checkpointDays} 天：`,
      '',
      ...lines,
      '',
      '请在工作台记录是否仍在岗；已离职的人员将重新匹配岗位。',
      '',
      footer(locale),
    ].join('\n'),
  };
}

export interface MatchesWithdrawnEmailInput {
  offer: OfferRef;
  matches: { displayName: string }[];
}

/** An opening filled: the caseworker's people it no longer goes on with. */
export function matchesWithdrawnEmail(input: MatchesWithdrawnEmailInput, locale: NoticeLocale = 'zh-CN'): EmailMessage {
  const title = oneLine(input.offer.title);
  const lines = input.matches.map((match) => `- ${oneLine(match.displayName)}`);
  if (locale === 'en') {
    return {
      subject: `${title} is filled`,
      text: [
        `Every position of the job opening "${title}" is filled. It no longer goes on with:`,
        '',
        ...lines,
        '',
        'They are free for other openings; the engine goes on matching them.',
        '',
        footer(locale),
      ].join('\n'),
    };
  }
  return {
    subject: `岗位已招满：${title}`,
    text: [`岗位「${title}」已全部招满，以下人员的推荐已结束：`, '', ...lines, '', '他们可继续匹配其他岗位。', '', footer(locale)].join('\n'),
  };
}

/** Counts only, for the employer or merchant: never who. */
export function matchSummaryEmail(input: MatchSummaryEmailInput, locale: NoticeLocale = 'zh-CN'): EmailMessage {
  const en = locale === 'en';
  const title = oneLine(input.offer.title);
  const known = STATUS_ORDER.filter((status) => typeof input.summary[status] === 'number' && input.summary[status] > 0);
  const counts = known.map((status) => (en ? `- ${EN_STATUS[status]}: ${input.summary[status]}` : `- ${ZH_STATUS[status]}：${input.summary[status]}`));
  if (en) {
    return {
      subject: `${input.newMatches === 1 ? '1 new match' : `${input.newMatches} new matches`} for ${title}`,
      text: [
        `Your ${offerKind(input.offer.kind, locale)} "${title}" has ${input.newMatches === 1 ? '1 new match' : `${input.newMatches} new matches`}.`,
        '',
        'All its matches so far:',
        ...counts,
        '',
        'The union contacts the people; their details are not shared.',
        '',
        footer(locale),
      ].join('\n'),
    };
  }
  return {
    subject: `${offerKind(input.offer.kind, locale)}「${title}」新增 ${input.newMatches} 个匹配`,
    text: [
      `您的${offerKind(input.offer.kind, locale)}「${title}」新增 ${input.newMatches} 个匹配。`,
      '',
      '目前的全部匹配：',
      ...counts,
      '',
      '工会将联系相关人员，个人信息不对外提供。',
      '',
      footer(locale),
    ].join('\n'),
  };
}

export interface CourseDemandEmailInput {
  topic: string;
  servicePoint: string;
  orders: number;
  bestWindows: { window: WeeklyWindow; suits: number }[];
}

/** A station hears that a topic has enough orders: how many, and the windows that suit most (counts only). */
export function courseDemandEmail(input: CourseDemandEmailInput, locale: NoticeLocale = 'zh-CN'): EmailMessage {
  const en = locale === 'en';
  const topic = oneLine(input.topic);
  const windows = input.bestWindows.map(({ window, suits }) =>
    en ? `- ${windowsText([window], 'en')}: suits ${suits}` : `- ${windowsText([window])}：适合 ${suits} 人`,
  );
  if (en) {
    return {
      subject: `${input.orders} orders for "${topic}" at ${oneLine(input.servicePoint)}`,
      text: [
        `"${topic}" at ${oneLine(input.servicePoint)} has ${input.orders} orders: enough to schedule a course.`,
        '',
        'The weekly windows that suit most of them:',
        ...windows,
        '',
        'Publish the course as a dated slot with this demand (courseDemandId): those who ordered are offered it first.',
        '',
        footer(locale),
      ].join('\n'),
    };
  }
  return {
    subject: `「${topic}」已有 ${input.orders} 人报名（${oneLine(input.servicePoint)}）`,
    text: [
      `${oneLine(input.servicePoint)}的课程「${topic}」已有 ${input.orders} 人报名，可以排课了。`,
      '',
      '最适合大家的时段：',
      ...windows,
      '',
      '发布课程时注明该需求（courseDemandId），报名的职工将优先收到通知。',
      '',
      footer(locale),
    ].join('\n'),
  };
}

function offerRef(value: unknown): OfferRef {
  const offer = (value ?? {}) as { kind?: unknown; title?: unknown };
  return { kind: offer.kind === 'slot' ? 'slot' : 'opening', title: typeof offer.title === 'string' ? offer.title : '' };
}

const count = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : 0);
const list = (value: unknown): Record<string, unknown>[] =>
  Array.isArray(value) ? (value as unknown[]).filter((item): item is Record<string, unknown> => typeof item === 'object' && item !== null) : [];

/**
 * The mail of a stored notification (its type and payload as recorded), or undefined for a type that is not
 * mailed (offers reach workers through the gateway). Each type reads only the fields it names.
 */
export function notificationEmail(type: string, payload: Record<string, unknown>, options: EmailOptions = {}): EmailMessage | undefined {
  const locale = options.locale ?? 'zh-CN';
  switch (type) {
    case 'candidate_list':
      return candidateListEmail(
        {
          offer: offerRef(payload.offer),
          matches: list(payload.matches).map((match) => ({
            displayName: text(match.displayName),
            score: count(match.score),
            reasons: list(match.reasons).filter((reason): reason is ReasonInput => typeof reason.code === 'string'),
          })),
        },
        locale,
      );
    case 'candidate_digest':
      return candidateDigestEmail(
        {
          windowStart: String(payload.windowStart),
          windowEnd: String(payload.windowEnd),
          candidates: count(payload.candidates),
          lists: list(payload.lists).map((entry) => ({ offer: offerRef(entry.offer), candidates: count(entry.candidates) })),
        },
        options,
      );
    case 'reminder':
      return reminderEmail(
        {
          afterDays: count(payload.afterDays),
          matches: list(payload.matches).map((match) => ({
            displayName: text(match.displayName),
            offer: { title: offerRef(match.offer).title },
            proposedSince: String(match.proposedSince),
          })),
        },
        options,
      );
    case 'fair_leads_reminder':
      return fairLeadsReminderEmail(
        {
          fair: text(((payload.fair ?? {}) as Record<string, unknown>).name),
          afterHours: count(payload.afterHours),
          matches: list(payload.matches).map((match) => ({
            displayName: text(match.displayName),
            offer: { title: offerRef(match.offer).title },
            intentAt: String(match.intentAt),
          })),
        },
        options,
      );
    case 'retention_check':
      return retentionCheckEmail(
        {
          checkpointDays: count(payload.checkpointDays),
          matches: list(payload.matches).map((match) => ({
            displayName: text(match.displayName),
            offer: { title: offerRef(match.offer).title },
            hiredAt: String(match.hiredAt),
          })),
        },
        options,
      );
    case 'matches_withdrawn':
      return matchesWithdrawnEmail(
        { offer: offerRef(payload.offer), matches: list(payload.matches).map((match) => ({ displayName: text(match.displayName) })) },
        locale,
      );
    case 'match_summary': {
      const summary = (payload.summary ?? {}) as Record<string, unknown>;
      return matchSummaryEmail(
        {
          offer: offerRef(payload.offer),
          newMatches: count(payload.newMatches),
          summary: Object.fromEntries(STATUS_ORDER.map((status) => [status, count(summary[status])])),
        },
        locale,
      );
    }
    case 'course_demand': {
      const topic = (payload.topic ?? {}) as Record<string, unknown>;
      const point = (payload.servicePoint ?? {}) as Record<string, unknown>;
      return courseDemandEmail(
        {
          topic: text(topic.title),
          servicePoint: text(point.name),
          orders: count(payload.orders),
          bestWindows: list(payload.bestWindows).map((entry) => ({ window: entry.window as WeeklyWindow, suits: count(entry.suits) })),
        },
        locale,
      );
    }
    default:
      return undefined;
  }
}

/** Whether a notification still tells its recipient something: erasure may have emptied a list. */
export function hasNewsLeft(type: string, payload: Record<string, unknown>): boolean {
  if (type === 'candidate_list' || type === 'reminder' || type === 'matches_withdrawn' || type === 'retention_check' || type === 'fair_leads_reminder')
    return list(payload.matches).length > 0;
  return true;
}

/** The `Message-ID` of a notification's mail: the same on every attempt, so a repeat is recognisable. */
export function emailMessageId(notificationId: string, from: string): string {
  const domain = /@([^\s@<>]+)>?\s*$/.exec(from)?.[1] ?? 'huigong.invalid';
  return `<${notificationId}@${domain}>`;
}

/** What an SMTP attempt came to, as the mail transport reports it. */
export type SmtpReply = { accepted: true } | { accepted: false; responseCode?: number; code?: string };

/**
 * An SMTP answer as an attempt outcome for the retry schedule (`nextStep`): accepted is delivered; a 5xx
 * rejection of the message or its recipient (not 503, a session out of step) is a permanent refusal, dead
 * at once; a 4xx, a refused login (our configuration, to be fixed), a connection failure or a time-out is
 * tried again with the webhooks' backoff. The error text names the reply code only: servers put the
 * recipient's address in their messages, and it is not written down.
 */
export function smtpOutcome(reply: SmtpReply): AttemptOutcome {
  if (reply.accepted) return { status: 250 };
  const { responseCode, code } = reply;
  const login = code === 'EAUTH' || code === 'ENOAUTH';
  if (responseCode !== undefined && responseCode >= 500 && responseCode < 600 && responseCode !== 503 && !login) return { status: 400 };
  if (code === 'EENVELOPE' && responseCode === undefined) return { status: 400 };
  if (login) return { error: `the mail server refused the login${responseCode === undefined ? '' : ` (${responseCode})`}: check SMTP_URL` };
  if (responseCode !== undefined) return { error: `the mail server answered ${responseCode}, try later` };
  return { error: code === 'ETIMEDOUT' ? 'timeout' : 'network error' };
}
