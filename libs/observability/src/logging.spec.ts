import { createAppLogger } from './logging';

/** One line the logger wrote: a JSON object, or the test fails here. */
function parseLine(line: string): Record<string, unknown> {
  const parsed: unknown = JSON.parse(line);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error(`Not a JSON object: ${line}`);
  return parsed as Record<string, unknown>;
}

function capture(): { lines: Record<string, unknown>[]; write(chunk: string): void } {
  const lines: Record<string, unknown>[] = [];
  return {
    lines,
    write: (chunk: string) => {
      for (const line of chunk.split('\n').filter(Boolean)) lines.push(parseLine(line));
    },
  };
}

describe('the JSON logger', () => {
  it('redacts keys, secrets and personal data at any of the first four levels, and keeps ids', () => {
    const out = capture();
    const logger = createAppLogger('api', 'info', out);
    logger.info(
      {
        candidateId: 'c-1',
        phone: '+86 138 0013 8000',
        candidate: { displayName: 'Zhang Wei', groups: ['hardship'], accessibilityNeeds: ['wheelchair'], id: 'c-1' },
        body: { name: 'Caseworker Wang', webhookSecret: 'whsec_abc', nested: { deeper: { phone: '13800138000', note: 'lives alone' } } },
        req: { headers: { authorization: 'Bearer hg_secret', 'idempotency-key': 'k-1', accept: 'application/json' } },
      },
      'something happened',
    );
    const [line] = out.lines;
    expect(line).toMatchObject({
      level: 'info',
      service: 'api',
      msg: 'something happened',
      candidateId: 'c-1',
      phone: '[Redacted]',
      candidate: { displayName: '[Redacted]', groups: '[Redacted]', accessibilityNeeds: '[Redacted]', id: 'c-1' },
      body: { name: '[Redacted]', webhookSecret: '[Redacted]', nested: { deeper: { phone: '[Redacted]', note: '[Redacted]' } } },
      req: { headers: { authorization: '[Redacted]', 'idempotency-key': '[Redacted]', accept: 'application/json' } },
    });
    expect(JSON.stringify(line)).not.toMatch(/Zhang|13800138000|hg_secret|whsec_abc|wheelchair|hardship|lives alone/);
  });

  it('keeps an error name and message, and writes nothing below its level', () => {
    const out = capture();
    const logger = createAppLogger('matcher', 'warn', out);
    logger.info('not written');
    logger.error({ err: new TypeError('boom') }, 'failed');
    expect(out.lines).toHaveLength(1);
    expect(out.lines[0]).toMatchObject({ service: 'matcher', level: 'error', err: { type: 'TypeError', message: 'boom' } });
  });
});
