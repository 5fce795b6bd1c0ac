import { NO_CONSENTS, consentChanges, consentsGiven, mayContact, usableInMatching } from './consent';

describe('consents per purpose', () => {
  it('reads contact on its own as every purpose, as v1 meant it', () => {
    expect(consentsGiven(NO_CONSENTS, { contact: true })).toEqual({ jobs: true, benefits: true, sensitive: true });
    expect(consentsGiven({ jobs: true, benefits: true, sensitive: true }, { contact: false })).toEqual(NO_CONSENTS);
  });

  it('lets the purposes named beside contact say more', () => {
    expect(consentsGiven(NO_CONSENTS, { contact: true, sensitive: false })).toEqual({ jobs: true, benefits: true, sensitive: false });
    expect(consentsGiven(NO_CONSENTS, { contact: true, jobs: false })).toEqual({ jobs: false, benefits: true, sensitive: true });
  });

  it('changes only the purposes named when contact is left out', () => {
    const all = { jobs: true, benefits: true, sensitive: true };
    expect(consentsGiven(all, { sensitive: false })).toEqual({ jobs: true, benefits: true, sensitive: false });
    expect(consentsGiven({ jobs: false, benefits: true, sensitive: false }, { jobs: true })).toEqual({ jobs: true, benefits: true, sensitive: false });
  });

  it('refuses a contact that contradicts the purposes, naming the field', () => {
    const noContact = consentsGiven(NO_CONSENTS, { contact: false, jobs: true });
    expect(noContact).toMatchObject({ field: 'jobs' });
    expect('message' in noContact && noContact.message).toContain('contact: false');
    expect(consentsGiven(NO_CONSENTS, { contact: true, jobs: false, benefits: false })).toMatchObject({ field: 'contact' });
    // Sensitive use without contact is no contradiction: nothing is matched until contact is given too.
    expect(consentsGiven(NO_CONSENTS, { contact: false, sensitive: true })).toEqual({ jobs: false, benefits: false, sensitive: true });
  });

  it('may contact for jobs or for benefits', () => {
    expect(mayContact({ jobs: false, benefits: true, sensitive: false })).toBe(true);
    expect(mayContact({ jobs: false, benefits: false, sensitive: true })).toBe(false);
  });

  it('lists what was given and what withdrawn', () => {
    expect(consentChanges({ jobs: true, benefits: false, sensitive: true }, { jobs: true, benefits: true, sensitive: false })).toEqual({
      given: ['benefits'],
      withdrawn: ['sensitive'],
    });
  });

  it('leaves the sensitive groups and every need out of matching without consent to sensitive use', () => {
    expect(usableInMatching(['disabled', 'rider', 'hardship'], ['wheelchair'], false)).toEqual({ groups: ['rider'], accessibilityNeeds: [] });
    expect(usableInMatching(['disabled', 'rider'], ['wheelchair'], true)).toEqual({ groups: ['disabled', 'rider'], accessibilityNeeds: ['wheelchair'] });
  });
});
