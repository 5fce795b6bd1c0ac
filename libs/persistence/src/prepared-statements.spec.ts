import { StatementNames } from './prepared-statements';

describe('StatementNames', () => {
  it('names a text on its second sighting, and keeps that name', () => {
    const names = new StatementNames();
    const text = 'SELECT id FROM candidates WHERE id = ANY($1::uuid[])';
    expect(names.nameFor(text)).toBeUndefined();
    const name = names.nameFor(text);
    expect(name).toMatch(/^hg_[0-9a-f]{24}$/);
    expect(names.nameFor(text)).toBe(name);
    expect(names.nameFor('SELECT 1 WHERE $1::int = 1')).toBeUndefined();
  });

  it('gives different texts different names, and the same text the same name in every table', () => {
    const one = new StatementNames();
    const two = new StatementNames();
    for (const names of [one, two]) for (const text of ['A $1', 'B $1', 'A $1', 'B $1']) names.nameFor(text);
    expect(one.nameFor('A $1')).not.toBe(one.nameFor('B $1'));
    expect(one.nameFor('A $1')).toBe(two.nameFor('A $1'));
  });

  it('names at most its limit of texts; later ones stay unnamed', () => {
    const names = new StatementNames(2);
    for (const text of ['A $1', 'B $1', 'C $1']) {
      names.nameFor(text);
      names.nameFor(text);
    }
    expect(names.size).toBe(2);
    expect(names.nameFor('A $1')).toBeDefined();
    expect(names.nameFor('C $1')).toBeUndefined();
  });
});
