import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { createAppLogger, createHttpLogger } from './logging';

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

/** Freezes an object and everything in it, so a write to any of it throws (the specs run as modules, in strict mode). */
function deepFrozen<T extends object>(value: T): T {
  for (const field of Object.values(value)) if (typeof field === 'object' && field !== null) deepFrozen(field as object);
  return Object.freeze(value);
}

describe('redaction', () => {
  function lineOf(log: (logger: ReturnType<typeof createAppLogger>) => void): Record<string, unknown> {
    const out = capture();
    log(createAppLogger('api', 'info', out));
    expect(out.lines).toHaveLength(1);
    return out.lines[0];
  }

  it('censors a sensitive key at the top and down to three levels below, and writes one four levels below as it is', () => {
    const line = lineOf((logger) => {
      logger.info({ phone: 'p0', a: { email: 'p1', b: { note: 'p2', c: { password: 'p3', d: { secret: 'p4' } } } } }, 'levels');
    });
    // The same reach as the redact paths `key`, `*.key`, `*.*.key` and `*.*.*.key` had.
    expect(line).toMatchObject({
      phone: '[Redacted]',
      a: { email: '[Redacted]', b: { note: '[Redacted]', c: { password: '[Redacted]', d: { secret: 'p4' } } } },
    });
  });

  it('counts an array index as a level, as the `*` of the redact paths did', () => {
    const line = lineOf((logger) => {
      logger.info({ list: [{ email: 'i1' }, 'plain'], a: { b: [{ phone: 'i3' }] }, deep: { b: { c: [{ phone: 'i4' }] } }, tags: ['email'] }, 'arrays');
    });
    expect(line).toMatchObject({
      list: [{ email: '[Redacted]' }, 'plain'],
      a: { b: [{ phone: '[Redacted]' }] },
      deep: { b: { c: [{ phone: 'i4' }] } },
      tags: ['email'],
    });
  });

  it('never changes the objects it is given: lines, bindings and interpolated objects', () => {
    const candidate = deepFrozen({
      id: 'c-1',
      displayName: 'Zhang Wei',
      contact: { phone: '13800138000', email: 'z@example.org' },
      notes: [{ note: 'lives alone' }],
    });
    const bindings = deepFrozen({ correlationId: 'r-1', row: { name: 'Li Na', needs: ['wheelchair'] } });
    const before = JSON.stringify([candidate, bindings]);
    const out = capture();
    const logger = createAppLogger('api', 'info', out);
    logger.info({ candidate }, 'line');
    logger.child(bindings).info('child');
    logger.info('interpolated %j', { candidate });
    expect(JSON.stringify([candidate, bindings])).toBe(before);
    expect(out.lines).toHaveLength(3);
    expect(JSON.stringify(out.lines)).not.toMatch(/Zhang|13800138000|z@example|lives alone|Li Na|wheelchair/);
  });

  it('redacts the headers with keys in them in the request and response pino-http writes, and nothing else there', () => {
    const out = capture();
    const logger = createAppLogger('api', 'info', out);
    const req = new IncomingMessage(new Socket());
    req.method = 'POST';
    req.url = '/v1/candidates';
    req.headers = {
      authorization: 'Bearer hg_secret',
      cookie: 'session=s1',
      'idempotency-key': 'k-1',
      'x-api-key': 'hg_key',
      'proxy-authorization': 'Basic cHJveHk=',
      accept: 'application/json',
    };
    const res = new ServerResponse(req);
    res.setHeader('x-request-id', 'r-1');
    res.setHeader('cookie', 'session=s2');
    res.setHeader('content-type', 'application/json');
    createHttpLogger(logger)(req, res, () => undefined);
    res.emit('finish');
    expect(out.lines).toHaveLength(1);
    expect(out.lines[0]).toMatchObject({
      correlationId: 'r-1',
      req: {
        method: 'POST',
        url: '/v1/candidates',
        headers: {
          authorization: '[Redacted]',
          cookie: '[Redacted]',
          'idempotency-key': '[Redacted]',
          'x-api-key': '[Redacted]',
          'proxy-authorization': '[Redacted]',
          accept: 'application/json',
        },
      },
      res: { headers: { 'x-request-id': 'r-1', cookie: '[Redacted]', 'content-type': 'application/json' } },
    });
    expect(JSON.stringify(out.lines[0])).not.toMatch(/hg_secret|session=|k-1|hg_key|cHJveHk/);
    expect(req.headers.authorization).toBe('Bearer hg_secret');
  });

  it('redacts header keys only under req and res, as the header paths did', () => {
    const line = lineOf((logger) => {
      logger.info({ req: { headers: { cookie: 'c1' } }, webhook: { headers: { cookie: 'c2', authorization: 'a2' } } }, 'headers');
    });
    expect(line).toMatchObject({ req: { headers: { cookie: '[Redacted]' } }, webhook: { headers: { cookie: 'c2', authorization: '[Redacted]' } } });
  });

  it('censors `name` at the top and in a body, candidate, caseworker, row or request body, and keeps other names', () => {
    const line = lineOf((logger) => {
      logger.info(
        {
          name: 'Wang Fang',
          body: { name: 'b' },
          candidate: { name: 'c' },
          caseworker: { name: 'w' },
          row: { name: 'r' },
          req: { body: { name: 'q' } },
          opening: { name: 'Night shift packer' },
          queue: { name: 'domain-events' },
        },
        'names',
      );
    });
    expect(line).toMatchObject({
      name: '[Redacted]',
      body: { name: '[Redacted]' },
      candidate: { name: '[Redacted]' },
      caseworker: { name: '[Redacted]' },
      row: { name: '[Redacted]' },
      req: { body: { name: '[Redacted]' } },
      opening: { name: 'Night shift packer' },
      queue: { name: 'domain-events' },
    });
  });

  it('redacts child bindings, bindings set later and objects interpolated into the message', () => {
    const out = capture();
    const logger = createAppLogger('matcher', 'info', out);
    const job = logger.child({ correlationId: 'r-2', email: 'a@example.org', candidate: { phone: '139' } });
    job.info('bound');
    job.setBindings({ caseworker: { name: 'Zhao Lei' } });
    job.info('set later');
    logger.info('payload %j and %o', { note: 'lives alone', id: 7 }, [{ statusReason: 'hardship' }]);
    expect(out.lines[0]).toMatchObject({ correlationId: 'r-2', email: '[Redacted]', candidate: { phone: '[Redacted]' } });
    expect(out.lines[1]).toMatchObject({ caseworker: { name: '[Redacted]' } });
    expect(out.lines[2].msg).toBe('payload {"note":"[Redacted]","id":7} and [{"statusReason":"[Redacted]"}]');
    expect(JSON.stringify(out.lines)).not.toMatch(/a@example|139|Zhao|lives alone|hardship/);
  });

  it('writes a circular reference without crashing, redacted as far as it looks', () => {
    interface Node {
      id: number;
      email: string;
      self?: Node;
    }
    const node: Node = { id: 1, email: 'loop@example.org' };
    node.self = node;
    const line = lineOf((logger) => {
      logger.info({ job: node }, 'circular');
    });
    expect(line).toMatchObject({ job: { id: 1, email: '[Redacted]', self: { email: '[Redacted]', self: { email: '[Redacted]' } } } });
    expect(node.email).toBe('loop@example.org');
  });

  it('writes dates, bytes, errors and class instances as JSON does, with their sensitive keys censored', () => {
    class Fee {
      constructor(
        readonly amount: number,
        readonly note: string,
      ) {}
      toJSON(): Record<string, unknown> {
        return { amount: this.amount, note: this.note, currency: 'CNY' };
      }
    }
    const fee = new Fee(12, 'waived for hardship');
    const line = lineOf((logger) => {
      logger.error(
        {
          at: new Date(0),
          bytes: Buffer.from('ab'),
          fee,
          failure: Object.assign(new Error('not written by JSON'), { email: 'f@example.org', code: 'E1' }),
          err: Object.assign(new TypeError('boom'), { phone: '137' }),
        },
        'objects',
      );
    });
    expect(line).toMatchObject({
      at: '1970-01-01T00:00:00.000Z',
      bytes: { type: 'Buffer', data: [97, 98] },
      fee: { amount: 12, note: '[Redacted]', currency: 'CNY' },
      failure: { email: '[Redacted]', code: 'E1' },
      err: { type: 'TypeError', message: 'boom', phone: '[Redacted]' },
    });
    expect(fee.note).toBe('waived for hardship');
  });

  it('keeps a `__proto__` key from parsed JSON a field, redacted below', () => {
    const body = JSON.parse('{"__proto__":{"email":"p@example.org"},"id":1}') as object;
    const line = lineOf((logger) => {
      logger.info({ payload: body }, 'parsed');
    });
    expect(JSON.stringify(line.payload)).toBe('{"__proto__":{"email":"[Redacted]"},"id":1}');
  });
});
