import { DomainEvent, NotificationType } from '@certm3/domain';
import { eventIdFor } from '@certm3/event-store';
import { CertificateLedger, TrackedCertificate } from './certificate-ledger';
import { NotificationToCreate } from './lifecycle.definitions';

const DAY = 86_400_000;

/** The notification a cause gives is fixed by the cause: its event id and the notification's kind. */
export function notificationIdFor(causeEventId: string, type: NotificationType): string {
  return eventIdFor(causeEventId, `notification/${type}`);
}

function named(certificate: TrackedCertificate): string {
  return certificate.commonName ? `“${certificate.commonName}”` : `serial ${certificate.serialNumber}`;
}

function daysLeft(notAfter: string, at: string): string {
  const days = Math.max(0, Math.ceil((Date.parse(notAfter) - Date.parse(at)) / DAY));
  return days === 1 ? '1 day' : `${days} days`;
}

/**
 * The notifications one event calls for: to the certificate's owner, when it is issued, becomes expiring
 * (and again 7 days and 1 day before notAfter), expires, is revoked, put on hold, released or renewed.
 * `ledger` has already applied the event. Pure: the same event always gives the same notifications.
 */
export function notificationsFor(
  event: DomainEvent,
  cause: { readonly eventId: string; readonly occurredAt: string },
  ledger: CertificateLedger,
): NotificationToCreate[] {
  const certificateId = (event.data as { certificateId?: unknown }).certificateId;
  if (typeof certificateId !== 'string') return [];
  const certificate = ledger.get(certificateId);
  if (!certificate) return [];
  const make = (
    notificationType: NotificationType,
    title: string,
    message: string,
  ): NotificationToCreate[] => [
    {
      notificationId: notificationIdFor(cause.eventId, notificationType),
      userId: certificate.userId,
      notificationType,
      title,
      message,
      resourceType: 'certificate',
      resourceId: certificateId,
      causeEventId: cause.eventId,
      createdAt: cause.occurredAt,
    },
  ];
  const name = named(certificate);
  const renewHint = () => {
    if (certificate.successorId) return '';
    if (ledger.autoRenews(certificate)) return ' certm3 renews it for you.';
    if (certificate.keySource === 'imported') return ' Renew it with the CA that issued it.';
    return certificate.keySource === 'csr'
      ? ' Renew it with a new CSR (RenewCertificate).'
      : ' Renew it (RenewCertificate).';
  };
  switch (event.type) {
    case 'CertificateIssued':
      return make(
        'certificate_issued',
        `Certificate issued: ${name}`,
        `Certificate ${name} (serial ${certificate.serialNumber}) was issued; it is valid until ${event.data.notAfter}.`,
      );
    case 'CertificateExpiring':
    case 'CertificateExpiryReminderDue': {
      const at = event.type === 'CertificateExpiring' ? event.data.markedAt : event.data.dueAt;
      return make(
        'certificate_expiring',
        `Certificate expiring in ${daysLeft(event.data.notAfter, at)}: ${name}`,
        `Certificate ${name} expires at ${event.data.notAfter}.${renewHint()}`,
      );
    }
    case 'CertificateExpired':
      return make(
        'certificate_expired',
        `Certificate expired: ${name}`,
        `Certificate ${name} expired at ${event.data.notAfter}.`,
      );
    case 'CertificateRevoked':
      return make(
        'certificate_revoked',
        `Certificate revoked: ${name}`,
        `Certificate ${name} was revoked (${event.data.reason}) at ${event.data.revokedAt}.`,
      );
    case 'CertificateSuspended':
      return make(
        'certificate_suspended',
        `Certificate on hold: ${name}`,
        `Certificate ${name} was put on hold at ${event.data.suspendedAt}; relying parties see it revoked until the hold is released.`,
      );
    case 'CertificateHoldReleased':
      return make(
        'certificate_released',
        `Certificate hold released: ${name}`,
        `The hold on certificate ${name} was released at ${event.data.releasedAt}; it is valid again.`,
      );
    case 'CertificateRenewed':
      return make(
        'certificate_renewed',
        `Certificate renewed: ${name}`,
        `Certificate ${name} was renewed at ${event.data.renewedAt}; its successor is certificate ${event.data.successorId}.`,
      );
    default:
      return [];
  }
}
