import { describeStartupError } from './run-process';

describe('describeStartupError', () => {
  it('says which service is down, without its password', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED', port: 5432 });
    expect(describeStartupError(refused, { databaseUrl: 'postgres://app:secret@db.example:5432/huigong' })).toMatch(
      /^Cannot reach PostgreSQL at postgres:\/\/app:\*\*\*@db\.example:5432\/huigong \(ECONNREFUSED\)/,
    );
  });

  it('still gives a sentence when what was thrown is not an object', () => {
    expect(describeStartupError(undefined)).toBe('Could not start: undefined');
    expect(describeStartupError('no config')).toBe('Could not start: no config');
  });
});
