import { readCsv, readNdjson } from './bulk-import.format';

describe('reading a bulk import', () => {
  it('numbers NDJSON records by their physical line and reports unreadable lines', () => {
    const records = readNdjson('{"displayName":"A"}\n\n{not json}\r\n{"displayName":"B"}\n');
    expect(records).toEqual([
      { line: 1, plain: { displayName: 'A' } },
      { line: 3, details: [{ field: '(line)', message: 'is not valid JSON' }] },
      { line: 4, plain: { displayName: 'B' } },
    ]);
  });

  it('turns CSV cells into a candidate: lists, windows, numbers and consent', () => {
    const csv = [
      'displayName,groups,skills,lat,lng,maxTravelKm,breaks,accessibilityNeeds,consentContact,phone',
      'Li Na,rider;sanitation,,31.27,121.55,4,1 13:00-14:00;2 12:30-13:30,wheelchair,yes,',
    ].join('\n');
    expect(readCsv(csv)).toEqual([
      {
        line: 2,
        plain: {
          displayName: 'Li Na',
          groups: ['rider', 'sanitation'],
          location: { lat: 31.27, lng: 121.55 },
          maxTravelKm: 4,
          breaks: [
            { day: 1, start: '13:00', end: '14:00' },
            { day: 2, start: '12:30', end: '13:30' },
          ],
          accessibilityNeeds: ['wheelchair'],
          consent: { contact: true },
        },
      },
    ]);
  });

  it('reports a malformed window by line and field, and keeps a non-number as text for validation to name', () => {
    const csv = 'displayName,availability,lat\nA,Monday 9-5,31\nB,,north\n';
    const [first, second] = readCsv(csv);
    expect(first).toEqual({ line: 2, details: [{ field: 'availability', message: 'must be windows like "1 13:00-14:00" separated by ";"' }] });
    expect(second).toEqual({ line: 3, plain: { displayName: 'B', location: { lat: 'north' } } });
  });

  it('reports a CSV that cannot be parsed instead of throwing', () => {
    const [record] = readCsv('displayName,groups\n"unterminated,rider\n');
    expect(record).toMatchObject({ details: [{ field: '(csv)' }] });
  });

  it('skips a row with a stray comma, reports its line, and keeps the rows around it', () => {
    const records = readCsv('displayName,groups\nA,rider\nLi, Na,rider\nB,veteran\n');
    expect(records).toEqual([
      { line: 2, plain: { displayName: 'A', groups: ['rider'] } },
      { line: 3, details: [{ field: '(csv)', message: 'cannot be read: the row does not have one cell per column' }] },
      { line: 4, plain: { displayName: 'B', groups: ['veteran'] } },
    ]);
  });

  it('refuses, by name, a column that is not in the format: __proto__ and constructor too, which would vanish', () => {
    const csv = 'displayName,__proto__,constructor,location,lat\nA,x,y,z,31\nB,,,,31\n';
    const refused = ['__proto__', 'constructor', 'location'].map((field) => ({ field, message: 'is not allowed' }));
    expect(readCsv(csv)).toEqual([
      { line: 2, details: refused },
      { line: 3, details: refused },
    ]);
  });

  it('names a column that is not in the format as an answer kept in jsonb can hold it: no NUL, no lone surrogate', () => {
    const csv = 'displayName,a\u0000b,c\udcffd\nA,x,y\n';
    expect(readCsv(csv)).toEqual([
      {
        line: 2,
        details: [
          { field: 'a\ufffdb', message: 'is not allowed' },
          { field: 'c\ufffdd', message: 'is not allowed' },
        ],
      },
    ]);
  });

  it('keeps in its cell a lone surrogate that stands for a byte that was not UTF-8, for validation to name', () => {
    const csv = 'displayName,groups\nLi \udcc0\udcafNa,rider\n"Wang\nFang",veteran\n';
    expect(readCsv(csv)).toEqual([
      { line: 2, plain: { displayName: 'Li \udcc0\udcafNa', groups: ['rider'] } },
      { line: 4, plain: { displayName: 'Wang\nFang', groups: ['veteran'] } },
    ]);
  });

  it('reads numbers in decimal notation, exponent included, and leaves other notations as text for validation', () => {
    const csv = 'displayName,lat,lng,maxTravelKm\nA,3.127e1,0x79,Infinity\n';
    expect(readCsv(csv)).toEqual([{ line: 2, plain: { displayName: 'A', location: { lat: 31.27, lng: '0x79' }, maxTravelKm: 'Infinity' } }]);
  });

  it('keeps an NDJSON __proto__ key as an own key, for validation to refuse', () => {
    const [record] = readNdjson('{"displayName":"A","__proto__":{"x":1}}\n');
    expect('plain' in record && Object.keys(record.plain)).toEqual(['displayName', '__proto__']);
  });
});
