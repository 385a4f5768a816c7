import type { Transporter } from 'nodemailer';
import { Webhook } from 'standardwebhooks';
import type { Notification } from '../agents/agent-definition.ts';
import type { Deps } from '../deps.ts';
import { messageOf } from '../platform/errors.ts';
import type { NotificationOutboxTable } from '../store/schema.ts';
import type { NotificationPayload } from './settle-attempts.ts';

export interface DeliveryOptions {
  /** Tries before a notification is given up (`dead`). */
  maxTries?: number;
  /** First retry after this; each next one waits twice as long, up to an hour. */
  backoffMs?: number;
  /** A claimed row is not picked again for this long: a sender that crashed mid-send is retried after it. */
  claimMs?: number;
  timeoutMs?: number;
}

type DeliveryDeps = Pick<Deps, 'store' | 'clock' | 'config' | 'logger'>;

const subjects: Record<NotificationPayload['type'], string> = {
  'run.failed': 'Run failed',
  'run.completed': 'Run completed',
  'run.canceled': 'Run canceled',
};

/**
 * Sends what the outbox holds (N1): email over SMTP (nodemailer, `AGENTRUNS_SMTP_URL`) and webhooks
 * signed the Standard Webhooks way with the notification's secret (the outbox id is the
 * `webhook-id`, so a receiver can drop a repeat). A row is claimed by moving its `next_try_at` on
 * (only from the value read), sent, then marked `sent`; a failure retries with exponential backoff.
 * Delivery is at least once: a crash between sending and marking sends it again after `claimMs`.
 */
export function createNotificationDelivery(deps: DeliveryDeps, options: DeliveryOptions = {}) {
  const maxTries = options.maxTries ?? 8;
  const backoffMs = options.backoffMs ?? 10_000;
  const claimMs = options.claimMs ?? 60_000;
  const timeoutMs = options.timeoutMs ?? 10_000;
  let transport: Transporter | undefined;

  const mailer = async () => {
    if (!deps.config.smtpUrl)
      throw new Error('AGENTRUNS_SMTP_URL is not set: email notifications cannot be sent');
    // Loaded at the first email, not at every command's start.
    transport ??= (await import('nodemailer')).default.createTransport(deps.config.smtpUrl);
    return transport;
  };

  const send = async (row: NotificationOutboxTable): Promise<void> => {
    const payload = JSON.parse(row.payload) as NotificationPayload;
    if (row.channel === 'email') {
      const { data } = payload;
      await (await mailer()).sendMail({
        from: deps.config.mailFrom,
        to: row.target,
        subject: `${subjects[payload.type]}: ${data.name}`,
        text: [
          `${subjects[payload.type]}: ${data.name}`,
          '',
          `Status: ${data.status}`,
          ...(data.error ? [`Error: ${data.error}`] : []),
          '',
          `Open the run: ${data.url}`,
        ].join('\n'),
      });
      return;
    }
    const run = await deps.store.db
      .selectFrom('runs')
      .select('notification')
      .where('id', '=', row.run_id)
      .executeTakeFirstOrThrow();
    const secret = (JSON.parse(run.notification) as Notification).webhookSecret;
    if (!secret) throw new Error('the notification webhook has no secret to sign with');
    const body = row.payload;
    const sentAt = new Date(deps.clock.now());
    const response = await fetch(row.target, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'webhook-id': row.id,
        'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1000)),
        'webhook-signature': new Webhook(secret).sign(row.id, sentAt, body),
      },
      body,
      signal: AbortSignal.timeout(timeoutMs),
    });
    await response.body?.cancel();
    if (!response.ok) throw new Error(`${row.target} answered ${response.status}`);
  };

  return {
    /** Sends every due notification once; returns how many were sent. */
    async runOnce(limit = 100): Promise<number> {
      const now = deps.clock.now();
      const due = await deps.store.db
        .selectFrom('notification_outbox')
        .selectAll()
        .where('status', '=', 'pending')
        .where('next_try_at', '<=', now)
        .orderBy('next_try_at')
        .limit(limit)
        .execute();
      let sent = 0;
      for (const row of due) {
        const claimed = await deps.store.db
          .updateTable('notification_outbox')
          .set({ next_try_at: now + claimMs })
          .where('id', '=', row.id)
          .where('status', '=', 'pending')
          .where('next_try_at', '=', row.next_try_at)
          .executeTakeFirst();
        if (Number(claimed.numUpdatedRows) === 0) continue;
        const tries = row.tries + 1;
        try {
          await send(row);
          await deps.store.db
            .updateTable('notification_outbox')
            .set({ status: 'sent', tries, sent_at: deps.clock.now(), last_error: null })
            .where('id', '=', row.id)
            .execute();
          sent++;
        } catch (error) {
          const dead = tries >= maxTries;
          deps.logger.warn(
            { err: error, notificationId: row.id, tries },
            dead ? 'notification given up' : 'notification failed; retrying later',
          );
          await deps.store.db
            .updateTable('notification_outbox')
            .set({
              status: dead ? 'dead' : 'pending',
              tries,
              last_error: messageOf(error),
              next_try_at: deps.clock.now() + Math.min(backoffMs * 2 ** (tries - 1), 3_600_000),
            })
            .where('id', '=', row.id)
            .execute();
        }
      }
      return sent;
    },
    close() {
      transport?.close();
    },
  };
}
