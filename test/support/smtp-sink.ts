import { SMTPServer } from 'smtp-server';

/** One message as the server saw it: whether it took it, the envelope recipient, decoded headers and text. */
export interface ReceivedMail {
  to: string;
  accepted: boolean;
  messageId: string;
  subject: string;
  from: string;
  text: string;
  raw: string;
}

type Stage = 'rcpt' | 'data';

/** RFC 2047 encoded words, as mailers write non-ASCII subjects and names. */
function decodeWords(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g, (_, _charset: string, encoding: string, text: string) =>
      encoding.toUpperCase() === 'B' ? Buffer.from(text, 'base64').toString('utf8') : decodeQuotedPrintable(text.replace(/_/g, ' ')),
    );
}

function decodeQuotedPrintable(text: string): string {
  const bytes: number[] = [];
  const soft = text.replace(/=\r?\n/g, '');
  for (let i = 0; i < soft.length; i++) {
    if (soft[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(soft.slice(i + 1, i + 3))) {
      bytes.push(parseInt(soft.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(soft[i], 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** A single-part text message: its headers (unfolded, decoded) and its body (transfer encoding undone). */
export function parseMail(raw: string): { headers: Map<string, string>; text: string } {
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, split).replace(/\r\n[ \t]+/g, ' ');
  const body = raw.slice(split + 4);
  const headers = new Map<string, string>();
  for (const line of head.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), decodeWords(line.slice(colon + 1).trim()));
  }
  const encoding = (headers.get('content-transfer-encoding') ?? '7bit').toLowerCase();
  const text =
    encoding === 'base64'
      ? Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8')
      : encoding === 'quoted-printable'
        ? decodeQuotedPrintable(body)
        : body;
  return { headers, text: text.replace(/\r\n/g, '\n') };
}

/**
 * A local SMTP server (smtp-server, plain, no login needed) that records every message it is sent, and
 * answers a recipient with the reply codes queued for it, at RCPT TO or after DATA, before accepting.
 */
export class SmtpSink {
  readonly received: ReceivedMail[] = [];
  /** Recipients refused at RCPT TO, with the code: no message was transmitted. */
  readonly refusedAtRcpt: { to: string; code: number }[] = [];
  private readonly answers = new Map<string, { stage: Stage; code: number }[]>();
  private readonly server: SMTPServer;

  private constructor() {
    const refusal = (code: number) => Object.assign(new Error(code >= 500 ? 'Recipient refused' : 'Try again later'), { responseCode: code });
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onRcptTo: (address, _session, callback) => {
        const code = this.next(address.address, 'rcpt');
        if (code === undefined) {
          callback();
          return;
        }
        this.refusedAtRcpt.push({ to: address.address, code });
        callback(refusal(code));
      },
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          const { headers, text } = parseMail(raw);
          const to = session.envelope.rcptTo[0]?.address ?? '';
          const code = this.next(to, 'data');
          this.received.push({
            to,
            accepted: code === undefined,
            raw,
            text,
            messageId: headers.get('message-id') ?? '',
            subject: headers.get('subject') ?? '',
            from: headers.get('from') ?? '',
          });
          callback(code === undefined ? null : refusal(code));
        });
      },
    });
  }

  static async start(): Promise<SmtpSink> {
    const sink = new SmtpSink();
    await new Promise<void>((resolve) => {
      sink.server.server.once('listening', resolve);
      sink.server.listen(0, '127.0.0.1');
    });
    return sink;
  }

  get port(): number {
    return (this.server.server.address() as { port: number }).port;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  /** The next messages to `address` are answered with these codes at `stage`, in order; then accepted. */
  refuse(address: string, stage: Stage, ...codes: number[]): void {
    this.answers.set(address, [...(this.answers.get(address) ?? []), ...codes.map((code) => ({ stage, code }))]);
  }

  /** Stops refusing `address`. */
  accept(address: string): void {
    this.answers.delete(address);
  }

  private next(address: string, stage: Stage): number | undefined {
    const queue = this.answers.get(address);
    if (queue === undefined || queue[0]?.stage !== stage) return undefined;
    return queue.shift()?.code;
  }

  /** What reached the server for `address` (accepted or refused after DATA). */
  to(address: string): ReceivedMail[] {
    return this.received.filter((mail) => mail.to === address);
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => {
        resolve();
      });
    });
  }
}
