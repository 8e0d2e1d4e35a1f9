import {
  CertificateStatus,
  DEFAULT_RENEWAL_THRESHOLD_DAYS,
  DomainEvent,
  ExpiryFacts,
  ExpiryReminderDays,
  nextExpiryCheck,
  PolicyRules,
} from '@certm3/domain';

const DAY = 86_400_000;

/** What the lifecycle processes keep of one certificate: enough to know when it is due and whom to tell. */
export interface TrackedCertificate extends ExpiryFacts {
  readonly userId: string;
  readonly notBefore: string;
  readonly commonName: string | null;
  readonly serialNumber: string;
  readonly policyId: string | null;
  readonly keySource: 'csr' | 'server' | 'imported';
  readonly successorId: string | null;
  /** When it next has something due (ms since the epoch), or null when it never will. */
  readonly dueAt: number | null;
  /** How many of its events the ledger has applied: what a command sent on its behalf saw. */
  readonly version: number;
}

interface TrackedPolicy {
  readonly renewalThresholdDays: number;
  readonly autoRenewal: boolean;
}

/**
 * Every certificate's expiry facts and every policy's renewal rules, folded from the log in order. The
 * state a decision needs is always read again from the streams by the command the process sends: this is
 * only what tells the process when to send it, so a ledger running behind costs a command that decides
 * nothing, never a wrong event.
 */
export class CertificateLedger {
  private readonly certificates = new Map<string, TrackedCertificate>();
  private readonly policies = new Map<string, TrackedPolicy>();

  get size(): number {
    return this.certificates.size;
  }

  get(certificateId: string): TrackedCertificate | undefined {
    return this.certificates.get(certificateId);
  }

  policy(policyId: string | null): TrackedPolicy {
    return (
      (policyId !== null ? this.policies.get(policyId) : undefined) ?? {
        renewalThresholdDays: DEFAULT_RENEWAL_THRESHOLD_DAYS,
        autoRenewal: false,
      }
    );
  }

  thresholdDays(certificate: TrackedCertificate): number {
    return this.policy(certificate.policyId).renewalThresholdDays;
  }

  /**
   * Whether the expiry process renews it: a key made here, under an auto_renewal policy, not renewed yet,
   * and living longer than the threshold — else its successor, with the same lifetime, would be due at once
   * and renewed again, for ever.
   */
  autoRenews(certificate: TrackedCertificate): boolean {
    const policy = this.policy(certificate.policyId);
    return (
      policy.autoRenewal &&
      certificate.keySource === 'server' &&
      certificate.successorId === null &&
      Date.parse(certificate.notAfter) - Date.parse(certificate.notBefore) > policy.renewalThresholdDays * DAY
    );
  }

  /** The certificates with something due at `now`, soonest first. */
  dueAt(now: number, limit = Number.POSITIVE_INFINITY): TrackedCertificate[] {
    const due: TrackedCertificate[] = [];
    for (const certificate of this.certificates.values())
      if (certificate.dueAt !== null && certificate.dueAt <= now) due.push(certificate);
    due.sort((a, b) => a.dueAt! - b.dueAt!);
    return due.length > limit ? due.slice(0, limit) : due;
  }

  /** One event of the log, its `data` in the current shape (upcastEventData). */
  /** Certificates marked expiring and not expired, revoked or renewed since. */
  *expiring(): Iterable<TrackedCertificate> {
    for (const certificate of this.certificates.values())
      if (certificate.status === 'expiring' && certificate.successorId === null) yield certificate;
  }

  apply(event: DomainEvent): void {
    switch (event.type) {
      case 'PolicyCreated':
      case 'PolicyUpdated': {
        const { data } = event;
        const rules: PolicyRules = data.policyRules;
        this.policies.set(data.policyId, {
          renewalThresholdDays: rules.renewal_threshold_days,
          autoRenewal: rules.auto_renewal,
        });
        // A threshold changed: every certificate under the policy is due again at its new time.
        for (const certificate of this.certificates.values())
          if (certificate.policyId === data.policyId) this.put(certificate, false);
        return;
      }
      case 'CertificateRegistered': {
        const { data } = event;
        this.put({
          ...fresh(data.certificateId, data.notAfter),
          notBefore: data.notBefore,
          userId: data.userId,
          commonName: data.commonName ?? null,
          serialNumber: data.serialNumber,
          policyId: null,
          keySource: 'imported',
        });
        return;
      }
      case 'CertificateIssued': {
        const { data } = event;
        this.put({
          ...fresh(data.certificateId, data.notAfter),
          notBefore: data.notBefore,
          userId: data.userId,
          commonName: data.commonName,
          serialNumber: data.serialNumber,
          policyId: data.policyId,
          keySource: data.keySource,
        });
        return;
      }
    }
    const certificateId = (event.data as { certificateId?: unknown }).certificateId;
    const certificate = typeof certificateId === 'string' ? this.certificates.get(certificateId) : undefined;
    if (!certificate) return;
    const status = (next: CertificateStatus) => this.put({ ...certificate, status: next });
    switch (event.type) {
      case 'CertificateRevoked':
        return status('revoked');
      case 'CertificateSuspended':
        return status('suspended');
      case 'CertificateHoldReleased':
        return status(certificate.expiringMarkedAt !== null ? 'expiring' : 'active');
      case 'CertificateExpiring':
        return this.put({
          ...certificate,
          expiringMarkedAt: event.data.markedAt,
          status: certificate.status === 'active' ? 'expiring' : certificate.status,
        });
      case 'CertificateExpiryReminderDue':
        return this.put({
          ...certificate,
          remindersDue: [...certificate.remindersDue, event.data.withinDays],
        });
      case 'CertificateExpired':
        return status('expired');
      case 'CertificateRenewed':
        return this.put({ ...certificate, successorId: event.data.successorId });
    }
  }

  private put(certificate: Omit<TrackedCertificate, 'dueAt' | 'version'>, changed = true): void {
    const dueAt = nextExpiryCheck(certificate, this.policy(certificate.policyId).renewalThresholdDays);
    const version = (this.certificates.get(certificate.certificateId)?.version ?? -1) + (changed ? 1 : 0);
    this.certificates.set(certificate.certificateId, { ...certificate, dueAt, version });
  }
}

function fresh(certificateId: string, notAfter: string) {
  return {
    certificateId,
    notAfter,
    status: 'active' as const,
    expiringMarkedAt: null,
    remindersDue: [] as readonly ExpiryReminderDays[],
    successorId: null,
  };
}
