import { emailMessageId, hasNewsLeft, notificationEmail, reasonText, smtpOutcome } from './email';
import { nextStep } from './retry-schedule';

const slot = { kind: 'slot', id: '7d1c0b7e-0000-4000-8000-000000000001', title: '定海社区食堂午餐' };

const candidateList = {
  offer: slot,
  matches: [
    {
      matchId: 'm1',
      candidateId: 'c1',
      displayName: '周强',
      score: 0.874,
      status: 'proposed',
      reasons: [
        { code: 'distance', km: 0.22 },
        { code: 'break_overlap', minutes: 60 },
        { code: 'group', group: 'rider', priority: 1 },
        { code: 'waiting', days: 12 },
      ],
    },
    {
      matchId: 'm2',
      candidateId: 'c2',
      displayName: 'Li Na',
      score: 0.5,
      status: 'proposed',
      reasons: [{ code: 'skills', covered: ['delivery'], missing: ['forklift'] }],
    },
  ],
};

describe('the mails of notifications', () => {
  it("lists a caseworker's own candidates by name, best first, with score and reasons in words", () => {
    const mail = notificationEmail('candidate_list', candidateList);
    expect(mail?.subject).toBe('优惠时段「定海社区食堂午餐」有 2 位候选人');
    expect(mail?.text).toContain(
      '1. 周强（匹配度 87%）\n   - 距离约 0.22 公里\n   - 休息时间与优惠时段重叠 60 分钟\n   - 属于优先群体：外卖骑手\n   - 已等待 12 天',
    );
    expect(mail?.text).toContain('2. Li Na（匹配度 50%）\n   - 具备所需技能：delivery；缺少：forklift');
    expect(mail?.text).toContain('请勿直接回复');
  });

  it('says the same in English when the deployment asks for it', () => {
    const mail = notificationEmail(
      'candidate_list',
      { ...candidateList, offer: { ...slot, kind: 'opening', title: 'Assembly line operator' } },
      { locale: 'en' },
    );
    expect(mail?.subject).toBe('2 candidates for Assembly line operator');
    expect(mail?.text).toContain('2 of your candidates match the job opening "Assembly line operator":');
    expect(mail?.text).toContain(
      '1. 周强 (score 87%)\n   - About 0.22 km away\n   - Break overlaps the offer by 60 minutes\n   - In a priority group: delivery rider\n   - Waiting for 12 days',
    );
  });

  it('tells an employer or merchant counts only: no name, group, need or phone, even when the payload carries them', () => {
    const payload = {
      offer: slot,
      newMatches: 2,
      summary: { proposed: 2, redeemed: 1 },
      // Nothing beyond the offer and the counts is read, whatever a payload carries.
      matches: candidateList.matches,
      displayName: '周强',
      phone: '13911112222',
      groups: ['hardship', 'disabled'],
      accessibilityNeeds: ['wheelchair'],
    };
    for (const locale of ['zh-CN', 'en'] as const) {
      const mail = notificationEmail('match_summary', payload, { locale });
      const all = `${mail?.subject}\n${mail?.text}`;
      for (const secret of [
        '周强',
        'Li Na',
        '139',
        '1111',
        'hardship',
        'disabled',
        '困难',
        '残疾',
        'wheelchair',
        '轮椅',
        'rider',
        '骑手',
        'c1',
        'm1',
        '0.22',
        '87',
      ]) {
        expect(all).not.toContain(secret);
      }
    }
    const mail = notificationEmail('match_summary', payload);
    expect(mail?.subject).toBe('优惠时段「定海社区食堂午餐」新增 2 个匹配');
    expect(mail?.text).toContain('- 已推荐：2\n- 已核销：1');
    expect(notificationEmail('match_summary', payload, { locale: 'en' })?.text).toContain('Your offer slot "定海社区食堂午餐" has 2 new matches.');
  });

  it("folds a digest into offers and counts, and writes its window in the deployment's time zone", () => {
    const digest = {
      windowStart: '2026-03-02T01:50:00.000Z',
      windowEnd: '2026-03-02T02:00:00.000Z',
      candidates: 5,
      lists: [
        { notificationId: 'n1', offer: { kind: 'opening', id: 'o1', title: 'Fair job 3' }, candidates: 2 },
        { notificationId: 'n2', offer: { kind: 'opening', id: 'o2', title: 'Fair job 4' }, candidates: 3 },
      ],
    };
    const mail = notificationEmail('candidate_digest', digest, { timeZone: 'Asia/Shanghai' });
    expect(mail?.subject).toBe('2 份新候选名单，共 5 人');
    expect(mail?.text).toContain('2026-03-02 09:50-10:00');
    expect(mail?.text).toContain('- Fair job 3（岗位）：2 人\n- Fair job 4（岗位）：3 人');
    expect(notificationEmail('candidate_digest', digest, { locale: 'en', timeZone: 'UTC' })?.text).toContain(
      'New candidate lists for your candidates, 2026-03-02 01:50-02:00:',
    );
  });

  it('reminds a caseworker of proposals that have not moved, by name', () => {
    const mail = notificationEmail(
      'reminder',
      {
        afterDays: 7,
        matches: [
          {
            matchId: 'm1',
            candidateId: 'c1',
            displayName: 'Waiting Lin',
            offer: { kind: 'opening', id: 'o1', title: 'Slow job' },
            proposedSince: '2026-02-20T03:00:00.000Z',
          },
        ],
      },
      { locale: 'en', timeZone: 'Asia/Shanghai' },
    );
    expect(mail).toEqual(expect.objectContaining({ subject: 'Reminder: 1 proposal waits for follow-up' }));
    expect(mail?.text).toContain('This proposal has not moved for 7 days:\n\n- Waiting Lin: Slow job, proposed on 2026-02-20');
  });

  it('does not mail offers (workers are reached through the gateway), nor a list its erased candidates emptied', () => {
    expect(notificationEmail('offer', { text: '兑换码 K7Q2M9' })).toBeUndefined();
    expect(hasNewsLeft('candidate_list', { ...candidateList, matches: [] })).toBe(false);
    expect(hasNewsLeft('candidate_list', candidateList)).toBe(true);
    expect(hasNewsLeft('match_summary', { newMatches: 1 })).toBe(true);
  });

  it('words an unknown reason instead of dropping it', () => {
    expect(reasonText({ code: 'policy' })).toBe('其他原因：policy');
    expect(reasonText({ code: 'schedule', coverage: 0.75 }, 'en')).toBe('Available for 75% of the shift hours');
  });

  it("gives every mail of one notification the same Message-ID, in the sender's domain", () => {
    expect(emailMessageId('0b8f7a52-1d8e-4c55-9a3e-2f0c7e2d9f10', '惠工 <noreply@union.example>')).toBe('<0b8f7a52-1d8e-4c55-9a3e-2f0c7e2d9f10@union.example>');
    expect(emailMessageId('n1', 'noreply@mail.union.example')).toBe('<n1@mail.union.example>');
  });
});

describe('what an SMTP answer means for the retry schedule', () => {
  const now = new Date('2026-03-02T02:00:00Z');
  const step = (reply: Parameters<typeof smtpOutcome>[0], attempt = 1) => nextStep(attempt, smtpOutcome(reply), now, { random: () => 0.5 }).action;

  it('delivers what the server accepted', () => {
    expect(step({ accepted: true })).toBe('delivered');
  });

  it('gives up at once on a permanent rejection of the recipient or the message', () => {
    expect(step({ accepted: false, responseCode: 550, code: 'EENVELOPE' })).toBe('dead');
    expect(step({ accepted: false, responseCode: 554, code: 'EMESSAGE' })).toBe('dead');
    expect(step({ accepted: false, code: 'EENVELOPE' })).toBe('dead');
  });

  it('tries again after a temporary failure, a lost connection, a time-out or a refused login, until the attempts run out', () => {
    expect(step({ accepted: false, responseCode: 451, code: 'EENVELOPE' })).toBe('retry');
    expect(step({ accepted: false, responseCode: 421, code: 'ECONNECTION' })).toBe('retry');
    expect(step({ accepted: false, responseCode: 503, code: 'EPROTOCOL' })).toBe('retry');
    expect(step({ accepted: false, code: 'ECONNECTION' })).toBe('retry');
    expect(step({ accepted: false, code: 'ETIMEDOUT' })).toBe('retry');
    expect(step({ accepted: false, responseCode: 535, code: 'EAUTH' })).toBe('retry');
    expect(step({ accepted: false, responseCode: 451 }, 15)).toBe('dead');
  });

  it("names the reply code, never the server's words (they carry the address)", () => {
    expect(smtpOutcome({ accepted: false, responseCode: 451, code: 'EMESSAGE' })).toEqual({ error: 'the mail server answered 451, try later' });
    expect(smtpOutcome({ accepted: false, code: 'ETIMEDOUT' })).toEqual({ error: 'timeout' });
    expect(smtpOutcome({ accepted: false, code: 'ESOCKET' })).toEqual({ error: 'network error' });
  });
});

describe('the mail of a matches_withdrawn', () => {
  const payload = {
    offer: { kind: 'opening', id: 'o1', title: 'Estate cleaner' },
    reason: 'filled',
    matches: [
      { matchId: 'm1', candidateId: 'c1', displayName: 'Wang Fang' },
      { matchId: 'm2', candidateId: 'c2', displayName: 'Li Wei' },
    ],
  };

  it('names the filled opening and each of the caseworker’s people, in Chinese by default and in English', () => {
    const zh = notificationEmail('matches_withdrawn', payload) as { subject: string; text: string };
    expect(zh.subject).toBe('岗位已招满：Estate cleaner');
    expect(zh.text).toContain('- Wang Fang\n- Li Wei');
    const en = notificationEmail('matches_withdrawn', payload, { locale: 'en' }) as { subject: string; text: string };
    expect(en.subject).toBe('Estate cleaner is filled');
    expect(en.text).toContain('"Estate cleaner" is filled');
  });

  it('has nothing left to tell once erasure took everyone out of it', () => {
    expect(hasNewsLeft('matches_withdrawn', payload)).toBe(true);
    expect(hasNewsLeft('matches_withdrawn', { ...payload, matches: [] })).toBe(false);
  });
});

describe('the mail of a retention_check', () => {
  const payload = {
    checkpointDays: 30,
    matches: [
      {
        matchId: 'm1',
        candidateId: 'c1',
        displayName: 'Sun Qiang',
        offer: { kind: 'opening', id: 'o1', title: 'Crane assistant' },
        hiredAt: '2026-10-31T02:00:00Z',
      },
    ],
  };

  it('asks whether the person stayed, with the job and the day of the hire in the deployment’s time zone', () => {
    const zh = notificationEmail('retention_check', payload) as { subject: string; text: string };
    expect(zh.subject).toBe('30 天回访：是否仍在岗？');
    expect(zh.text).toContain('- Sun Qiang：Crane assistant，入职于 2026-10-31');
    const en = notificationEmail('retention_check', payload, { locale: 'en' }) as { subject: string; text: string };
    expect(en.subject).toBe('30-day check: still in the job?');
    expect(en.text).toContain('- Sun Qiang: Crane assistant, hired on 2026-10-31');
    expect(hasNewsLeft('retention_check', { ...payload, matches: [] })).toBe(false);
  });
});

describe('the mail of a course_demand', () => {
  it('tells the station how many ordered and the windows that suit most, in counts only', () => {
    const payload = {
      demandId: 'd1',
      topic: { id: 't1', title: '电工技能' },
      servicePoint: { id: 'p1', name: '民乐县职工服务站' },
      orders: 10,
      bestWindows: [
        { window: { day: 3, start: '18:30', end: '20:00' }, suits: 7 },
        { window: { day: 6, start: '09:00', end: '10:30' }, suits: 3 },
      ],
    };
    const zh = notificationEmail('course_demand', payload) as { subject: string; text: string };
    expect(zh.subject).toBe('「电工技能」已有 10 人报名（民乐县职工服务站）');
    expect(zh.text).toContain('- 周三 18:30-20:00：适合 7 人');
    const en = notificationEmail('course_demand', payload, { locale: 'en' }) as { subject: string; text: string };
    expect(en.text).toContain('- Wed 18:30-20:00: suits 7');
    expect(en.text).toContain('- Sat 09:00-10:30: suits 3');
  });
});

describe('the mail of a fair_leads_reminder', () => {
  const payload = {
    fair: { id: 'f', name: 'Baise union job fair' },
    afterHours: 48,
    matches: [
      {
        matchId: 'm1',
        candidateId: 'c1',
        displayName: '黄师傅',
        offer: { kind: 'opening', id: 'o', title: 'Assembly operator' },
        intentAt: '2026-12-12T02:00:00Z',
      },
    ],
  };

  it('names the fair, each person and job, and the day they asked, to their own caseworker', () => {
    const zh = notificationEmail('fair_leads_reminder', payload);
    expect(zh?.subject).toBe('提醒：Baise union job fair 有 1 人报名后尚未联系');
    expect(zh?.text).toContain('- 黄师傅：Assembly operator，报名于 2026-12-12');
    const en = notificationEmail('fair_leads_reminder', payload, { locale: 'en' });
    expect(en?.subject).toBe('Reminder: 1 person from Baise union job fair not contacted yet');
    expect(en?.text).toContain('more than 48 hours ago');
  });

  it('tells nothing once erasure emptied it, and reads a lead’s reason in words', () => {
    expect(hasNewsLeft('fair_leads_reminder', { ...payload, matches: [] })).toBe(false);
    expect(reasonText({ code: 'self_declared', fairId: 'f', taps: 2 }, 'en')).toBe('Asked for this job themselves at a job fair');
  });
});
