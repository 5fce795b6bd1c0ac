import { employmentWithHires, takesJobProposals } from './employment';

describe('employment', () => {
  it('is employed while a hire stands, seeking once none does', () => {
    expect(employmentWithHires(1)).toBe('employed');
    expect(employmentWithHires(2)).toBe('employed');
    expect(employmentWithHires(0)).toBe('seeking');
  });

  it('takes job proposals while seeking, or employed and marked open to job offers', () => {
    expect(takesJobProposals('seeking', false)).toBe(true);
    expect(takesJobProposals('employed', false)).toBe(false);
    expect(takesJobProposals('employed', true)).toBe(true);
  });
});
