import { hsdsPageWindow } from './hsds-export';

describe('the pages of the open-data export', () => {
  it('takes the member benefits first, then the offers, and nothing past the end', () => {
    expect(hsdsPageWindow(3, 10, 1, 2)).toEqual({ benefits: { offset: 0, limit: 2 }, offers: { offset: 0, limit: 0 }, totalItems: 13 });
    expect(hsdsPageWindow(3, 10, 2, 2)).toEqual({ benefits: { offset: 2, limit: 1 }, offers: { offset: 0, limit: 1 }, totalItems: 13 });
    expect(hsdsPageWindow(3, 10, 7, 2)).toEqual({ benefits: { offset: 3, limit: 0 }, offers: { offset: 9, limit: 1 }, totalItems: 13 });
    expect(hsdsPageWindow(3, 10, 8, 2)).toEqual({ benefits: { offset: 3, limit: 0 }, offers: { offset: 10, limit: 0 }, totalItems: 13 });
  });
});
