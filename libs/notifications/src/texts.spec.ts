import type { WeeklyWindow } from '@huigong/domain';
import { type OfferTextInput, discountText, distanceText, offerText, windowsText } from './texts';

const weekdays = (start: string, end: string): WeeklyWindow[] => [1, 2, 3, 4, 5].map((day) => ({ day, start, end }));

const canteenLunch: OfferTextInput = {
  title: '定海社区食堂午餐',
  windows: weekdays('13:00', '14:00'),
  terms: { discountPercent: 30 },
  distanceKm: 1.2,
  code: 'K7Q2M9',
};

describe('the text of an offer to a worker', () => {
  it('says what, when, how much, how far and the code, in Chinese by default', () => {
    expect(offerText(canteenLunch)).toBe('定海社区食堂午餐：周一至周五 13:00-14:00，七折，距您 1.2 公里。兑换码 K7Q2M9，到店出示即可。');
  });

  it('says the same in English when the deployment asks for it', () => {
    expect(offerText({ ...canteenLunch, title: 'Dinghai canteen lunch' }, 'en')).toBe(
      'Dinghai canteen lunch: Mon-Fri 13:00-14:00, 30% off, 1.2 km from you. Show code K7Q2M9 to redeem.',
    );
  });

  it('says first that a last-minute offer to a worker on standby is a seat free just now, with its date and hours', () => {
    const lastMinute: OfferTextInput = {
      ...canteenLunch,
      lastMinute: true,
      dated: { startDate: '2026-12-01', start: '13:00', endDate: '2026-12-01', end: '14:00', nights: 0 },
    };
    expect(offerText(lastMinute)).toBe('【临时空位】定海社区食堂午餐：12月1日 13:00-14:00，七折，距您 1.2 公里。兑换码 K7Q2M9，到店出示即可。');
    expect(offerText({ ...lastMinute, title: 'Dinghai canteen lunch' }, 'en')).toMatch(/^Last-minute seat! Dinghai canteen lunch: /);
  });

  it('names the date of a dated offer instead of the windows: a course, or a stay with its nights', () => {
    const course: OfferTextInput = {
      title: '电工技能微课堂',
      windows: [],
      dated: { startDate: '2026-12-05', start: '19:00', endDate: '2026-12-05', end: '20:30', nights: 0 },
      terms: { description: '免费' },
      distanceKm: 0.8,
      code: 'C8W2KQ',
    };
    expect(offerText(course)).toBe('电工技能微课堂：12月5日 19:00-20:30，免费，距您 800 米。兑换码 C8W2KQ，到店出示即可。');
    const stay: OfferTextInput = {
      title: 'Rest base',
      windows: [{ day: 6, start: '00:00', end: '00:00' }],
      dated: { startDate: '2026-12-05', start: '14:00', endDate: '2026-12-08', end: '12:00', nights: 3 },
      terms: { price: 0 },
      distanceKm: 2,
      code: 'R3ST9X',
    };
    expect(offerText(stay, 'en')).toBe('Rest base: 5 Dec 14:00 to 8 Dec 12:00, 3 nights, ¥0, 2 km from you. Show code R3ST9X to redeem.');
    expect(offerText(stay)).toContain('12月5日 14:00 入住至 12月8日 12:00，共3晚');
  });

  it('gives a price, and a short description, where the merchant set them', () => {
    const haircut: OfferTextInput = {
      title: '社区理发',
      windows: [
        { day: 2, start: '14:00', end: '16:00' },
        { day: 4, start: '14:00', end: '16:00' },
      ],
      terms: { price: 10, description: '洗剪吹' },
      distanceKm: 0.46,
      code: 'H3P8',
    };
    expect(offerText(haircut)).toBe('社区理发：周二、周四 14:00-16:00，¥10，洗剪吹，距您 500 米。兑换码 H3P8，到店出示即可。');
    expect(offerText({ ...haircut, terms: { discountPercent: 20, price: 12.5 } }, 'en')).toBe(
      '社区理发: Tue, Thu 14:00-16:00, 20% off, ¥12.50, 500 m from you. Show code H3P8 to redeem.',
    );
  });

  it("never carries the worker's groups, needs, name or phone, even when the caller passes them along", () => {
    const match = { ...canteenLunch, groups: ['disabled', 'hardship'], accessibilityNeeds: ['wheelchair'], displayName: '王芳', phone: '13800138000' };
    for (const locale of ['zh-CN', 'en'] as const) {
      const text = offerText(match, locale);
      for (const secret of ['disabled', 'hardship', 'wheelchair', '王芳', '13800138000', '残疾', '困难']) expect(text).not.toContain(secret);
    }
  });

  it('keeps a long description and a multi-line title short and on one line', () => {
    const text = offerText({
      ...canteenLunch,
      title: '定海社区\n食堂午餐',
      terms: { description: '两荤一素一汤，米饭不限量，另送水果一份，饮料自取，餐后甜点每周一换' },
    });
    expect(text).toBe(
      '定海社区 食堂午餐：周一至周五 13:00-14:00，两荤一素一汤，米饭不限量，另送水果一份，饮料自取，餐后甜点…，距您 1.2 公里。兑换码 K7Q2M9，到店出示即可。',
    );
  });

  it('cuts a long description between characters as a reader sees them, never inside an emoji', () => {
    const family = '\u{1F468}\u200D\u{1F469}\u200D\u{1F467}';
    const text = offerText({ ...canteenLunch, terms: { description: `${'饭'.repeat(28)}${family}${'汤'.repeat(5)}` } });
    expect(text).toContain(`${'饭'.repeat(28)}${family}…，`);
  });

  it('refuses to write an offer without its code', () => {
    expect(() => offerText({ ...canteenLunch, code: ' ' })).toThrow(RangeError);
  });
});

describe('parts of an offer text', () => {
  it.each([
    [30, '七折', '30% off'],
    [25, '七五折', '25% off'],
    [50, '五折', '50% off'],
    [5, '九五折', '5% off'],
    [33, '六七折', '33% off'],
    [95, '0.5折', '95% off'],
    [100, '免费', 'free'],
  ])('%i%% off is %s', (percent, zh, en) => {
    expect(discountText(percent)).toBe(zh);
    expect(discountText(percent, 'en')).toBe(en);
  });

  it.each([
    [1.2, '距您 1.2 公里', '1.2 km from you'],
    [0.8, '距您 800 米', '800 m from you'],
    [0.01, '距您 100 米', '100 m from you'],
    [0.97, '距您 1 公里', '1 km from you'],
    [12.34, '距您 12.3 公里', '12.3 km from you'],
  ])('%f km is %s', (km, zh, en) => {
    expect(distanceText(km)).toBe(zh);
    expect(distanceText(km, 'en')).toBe(en);
  });

  it('names the days as people say them', () => {
    expect(windowsText([1, 2, 3, 4, 5, 6, 7].map((day) => ({ day, start: '11:30', end: '13:30' })))).toBe('每天 11:30-13:30');
    expect(windowsText([6, 7, 1].map((day) => ({ day, start: '09:00', end: '11:00' })))).toBe('周六至周一 09:00-11:00');
    expect(
      windowsText(
        [1, 3, 5].map((day) => ({ day, start: '09:00', end: '11:00' })),
        'en',
      ),
    ).toBe('Mon, Wed, Fri 09:00-11:00');
    expect(windowsText([...weekdays('13:00', '14:00'), { day: 6, start: '10:00', end: '12:00' }, { day: 7, start: '10:00', end: '12:00' }])).toBe(
      '周一至周五 13:00-14:00；周六、周日 10:00-12:00',
    );
  });
});
