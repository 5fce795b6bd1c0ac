import { canCaseworkerMoveJobMatch, changesHires, isOpenMatchStatus } from './match-status';

describe('the follow-up of a job match', () => {
  it('moves forward one step at a time', () => {
    expect(canCaseworkerMoveJobMatch('proposed', 'contacted')).toBe(true);
    expect(canCaseworkerMoveJobMatch('contacted', 'interested')).toBe(true);
    expect(canCaseworkerMoveJobMatch('interested', 'interview')).toBe(true);
    expect(canCaseworkerMoveJobMatch('interview', 'hired')).toBe(true);
    expect(canCaseworkerMoveJobMatch('proposed', 'hired')).toBe(false);
    expect(canCaseworkerMoveJobMatch('contacted', 'contacted')).toBe(false);
  });

  it('allows declined or no response from any of the first four statuses only', () => {
    for (const from of ['proposed', 'contacted', 'interested', 'interview'] as const) {
      expect(canCaseworkerMoveJobMatch(from, 'declined')).toBe(true);
      expect(canCaseworkerMoveJobMatch(from, 'no_response')).toBe(true);
    }
    for (const from of ['hired', 'declined', 'no_response', 'withdrawn'] as const) {
      expect(canCaseworkerMoveJobMatch(from, 'declined')).toBe(false);
      expect(canCaseworkerMoveJobMatch(from, 'contacted')).toBe(false);
    }
  });

  it('keeps a hire final for PATCH moves (reverting it is an action of its own)', () => {
    for (const to of ['contacted', 'interested', 'interview', 'hired', 'declined', 'no_response'] as const)
      expect(canCaseworkerMoveJobMatch('hired', to)).toBe(false);
  });

  it('takes or frees a position only on the way into or out of hired', () => {
    expect(changesHires('interview', 'hired')).toBe(true);
    expect(changesHires('hired', 'interview')).toBe(true);
    expect(changesHires('interview', 'declined')).toBe(false);
    expect(changesHires('proposed', 'contacted')).toBe(false);
  });

  it('counts only live statuses as open', () => {
    expect(['proposed', 'contacted', 'interested', 'interview'].every((status) => isOpenMatchStatus(status as never))).toBe(true);
    expect(['hired', 'declined', 'no_response', 'withdrawn', 'redeemed', 'expired'].some((status) => isOpenMatchStatus(status as never))).toBe(false);
  });
});
