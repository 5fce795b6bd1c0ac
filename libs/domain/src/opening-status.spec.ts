import { openingStatusWithHires, whyOpeningTakesNoOne, whySlotTakesNoOne } from './opening-status';

describe('openingStatusWithHires', () => {
  it('fills an open opening when hires reach its positions, and opens it again below them', () => {
    expect(openingStatusWithHires('open', 1, 2)).toBe('open');
    expect(openingStatusWithHires('open', 2, 2)).toBe('filled');
    expect(openingStatusWithHires('filled', 1, 2)).toBe('open');
    // Positions cut below the hires made: filled as well.
    expect(openingStatusWithHires('open', 3, 2)).toBe('filled');
  });

  it('leaves a closed opening closed, hires or not', () => {
    expect(openingStatusWithHires('closed', 0, 2)).toBe('closed');
    expect(openingStatusWithHires('closed', 2, 2)).toBe('closed');
  });
});

describe('whyOpeningTakesNoOne', () => {
  const now = Date.parse('2026-11-30T12:00:00Z');
  it('names filled, closed and expired; null for an open opening still valid', () => {
    expect(whyOpeningTakesNoOne({ status: 'filled', validUntil: null }, now)).toBe('filled');
    expect(whyOpeningTakesNoOne({ status: 'closed', validUntil: '2026-11-01T00:00:00Z' }, now)).toBe('closed');
    expect(whyOpeningTakesNoOne({ status: 'open', validUntil: '2026-11-30T12:00:00Z' }, now)).toBe('expired');
    expect(whyOpeningTakesNoOne({ status: 'open', validUntil: new Date('2026-12-01T00:00:00Z') }, now)).toBeNull();
    expect(whyOpeningTakesNoOne({ status: 'open', validUntil: null }, now)).toBeNull();
  });
});

describe('whySlotTakesNoOne', () => {
  const now = Date.parse('2026-11-30T12:00:00Z');
  it('names withdrawn and expired; null for an active slot still valid', () => {
    expect(whySlotTakesNoOne({ status: 'withdrawn', validUntil: null }, now)).toBe('withdrawn');
    expect(whySlotTakesNoOne({ status: 'active', validUntil: '2026-11-30T11:59:00Z' }, now)).toBe('expired');
    expect(whySlotTakesNoOne({ status: 'active', validUntil: null }, now)).toBeNull();
  });
});
