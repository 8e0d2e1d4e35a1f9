import { defineProjection } from '../../kit';
import { stampOf } from '../../event-stamp';
import { certificateRequests } from '../tables/certificate-requests.table';

/** Certificate requests: submitted pending (or pending approval), then issued with their certificate. */
export const certificateRequestsProjection = defineProjection({
  name: 'certificate_requests',
  tables: [certificateRequests],
  handlers: {
    CertificateRequestSubmitted: (event, rows) => {
      const { occurredAt } = stampOf(event);
      const data = event.data;
      return [
        rows.insert('certificate_requests', {
          request_id: data.requestId,
          status: data.requiresApproval ? 'pending_approval' : 'pending',
          policy_id: data.policyId,
          ca_id: data.caId,
          organization_id: data.organizationId,
          requested_by: data.requestedBy,
          owner_user_id: data.ownerUserId,
          key_source: data.keySource,
          csr_pem: data.csrPem,
          subject: data.subject,
          subject_alternative_names: data.subjectAlternativeNames,
          key_algorithm: data.keyAlgorithm,
          key_size: data.keySize,
          not_after: data.notAfter,
          created_at: occurredAt,
          updated_at: occurredAt,
        }),
      ];
    },
    CertificateRequestFulfilled: (event, rows) => [
      rows.update(
        'certificate_requests',
        { request_id: event.data.requestId },
        { status: 'issued', certificate_id: event.data.certificateId, updated_at: stampOf(event).occurredAt },
      ),
    ],
  },
});
