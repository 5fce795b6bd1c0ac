import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { SmtpReply } from '@huigong/notifications';
import { APP_CONFIG, type AppConfig } from '@huigong/platform';
import { type Transporter, createTransport } from 'nodemailer';

/** One mail, ready to go. */
export interface OutgoingEmail {
  to: string;
  subject: string;
  text: string;
  /** The same on every attempt at one notification, so a mail sent twice is recognisable as one. */
  messageId: string;
}

/**
 * The notifier's SMTP client: a pool of up to 5 connections to the server of SMTP_URL (smtp:// with
 * STARTTLS when offered, smtps:// for TLS from the start), mails from SMTP_FROM. It reports what the server
 * answered, not why in its words: those carry addresses, which are never logged.
 */
@Injectable()
export class EmailSender implements OnApplicationShutdown {
  private readonly transport?: Transporter;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    if (config.email === null) return;
    this.transport = createTransport(
      {
        url: config.email.smtpUrl,
        pool: true,
        maxConnections: 5,
        // An attempt is given up (and tried again later) rather than left hanging on a slow server.
        connectionTimeout: 10_000,
        greetingTimeout: 10_000,
        socketTimeout: 30_000,
        logger: false,
        debug: false,
      },
      { from: config.email.from },
    );
  }

  /** Whether the deployment has an SMTP server. */
  get enabled(): boolean {
    return this.transport !== undefined;
  }

  async send(mail: OutgoingEmail): Promise<SmtpReply> {
    if (this.transport === undefined) throw new Error('no SMTP server configured');
    try {
      await this.transport.sendMail({ to: mail.to, subject: mail.subject, text: mail.text, messageId: mail.messageId });
      return { accepted: true };
    } catch (error) {
      const { responseCode, code } = error as { responseCode?: number; code?: string };
      return { accepted: false, responseCode: typeof responseCode === 'number' ? responseCode : undefined, code };
    }
  }

  onApplicationShutdown(): void {
    this.transport?.close();
  }
}
