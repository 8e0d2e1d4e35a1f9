import { Decider } from '../shared/decider';
import { refuse } from '../shared/domain-error';

/**
 * A certificate authority of certm3, in stream `certificate-authority-<caId>`: a root (self-signed) or an
 * intermediate signed by a parent certm3 CA. Its private key is generated in the service and travels only
 * sealed (see docs/key-hierarchy.md): the event holds the data key's id and the ciphertext, never the key.
 */
export const CA_KEY_ALGORITHMS = ['ECDSA_P256', 'ECDSA_P384', 'RSA_2048', 'RSA_3072', 'RSA_4096'] as const;
export type CaKeyAlgorithm = (typeof CA_KEY_ALGORITHMS)[number];

export interface DistinguishedName {
  readonly commonName: string;
  readonly organization?: string;
  readonly organizationalUnit?: string;
  readonly country?: string;
}

export interface SealedPrivateKey {
  readonly dataKeyId: string;
  readonly ciphertext: string;
  /** The key-encryption key that wrapped the data key when it was sealed (a rotation moves it later). */
  readonly keyEncryptionKeyId?: string;
}

export interface IssuedAuthority {
  readonly certificatePem: string;
  readonly chainPem: string;
  readonly serialNumber: string;
  readonly notBefore: string;
  readonly notAfter: string;
  readonly fingerprint: string;
  /** basicConstraints pathLenConstraint; null: unbounded. */
  readonly pathLength: number | null;
  readonly privateKey: SealedPrivateKey;
}

export type CertificateAuthorityEvent =
  | {
      type: 'CertificateAuthorityCreated';
      data: {
        caId: string;
        name: string;
        subject: DistinguishedName;
        keyAlgorithm: CaKeyAlgorithm;
        parentId: string | null;
        organizationId: string | null;
      } & IssuedAuthority;
    }
  | {
      /**
       * An authority whose certificate an offline parent signs: its key is made and sealed here, its CSR
       * goes out, and it issues nothing until ActivateCertificateAuthority brings the certificate back.
       */
      type: 'CertificateAuthorityPrepared';
      data: {
        caId: string;
        name: string;
        subject: DistinguishedName;
        keyAlgorithm: CaKeyAlgorithm;
        organizationId: string | null;
        csrPem: string;
        /** SHA-256 of the key's SubjectPublicKeyInfo, hex: the certificate brought back must certify it. */
        publicKeyFingerprint: string;
        privateKey: SealedPrivateKey;
      };
    }
  | {
      type: 'CertificateAuthorityActivated';
      data: { caId: string } & Omit<IssuedAuthority, 'privateKey'>;
    }
  | { type: 'CertificateAuthorityDisabled'; data: { caId: string; reason?: string } };

type PreparedData = Extract<CertificateAuthorityEvent, { type: 'CertificateAuthorityPrepared' }>['data'];

export type CertificateAuthorityState =
  | { readonly exists: false }
  | ({ readonly exists: true; readonly pending: true; readonly disabled: boolean } & PreparedData)
  | ({ readonly exists: true; readonly pending?: false; readonly disabled: boolean } & Extract<
      CertificateAuthorityEvent,
      { type: 'CertificateAuthorityCreated' }
    >['data']);

/** What a new CA's decision needs to know of its parent (read from the parent's stream). */
export interface ParentAuthority {
  readonly caId: string;
  readonly disabled: boolean;
  readonly pathLength: number | null;
  readonly notAfter: string;
}

export type CertificateAuthorityCommand =
  | ({
      type: 'CreateCertificateAuthority';
      caId: string;
      name: string;
      subject: DistinguishedName;
      keyAlgorithm: CaKeyAlgorithm;
      organizationId: string | null;
      parent: ParentAuthority | null;
    } & IssuedAuthority)
  | ({ type: 'PrepareCertificateAuthority' } & PreparedData)
  | ({
      type: 'ActivateCertificateAuthority';
      /** SHA-256 of the SubjectPublicKeyInfo the certificate certifies, as the handler read it. */
      certifiedPublicKeyFingerprint: string;
    } & Omit<IssuedAuthority, 'privateKey'>)
  | { type: 'DisableCertificateAuthority'; reason?: string };

/**
 * Whether `parent` may sign a new authority valid until `notAfter` with `pathLength` below it: enabled,
 * allowed to sign authorities (its own path length), and outliving the child. The definition asks before it
 * signs; the decider asks again.
 */
export function assertParentMaySign(
  parent: ParentAuthority,
  notAfter: string,
  pathLength: number | null,
): void {
  if (parent.disabled)
    refuse('AUTHORITY_DISABLED', 'the parent authority is disabled', [{ caId: parent.caId }]);
  if (parent.pathLength === 0)
    refuse('POLICY_VIOLATION', 'the parent may sign no further authorities', [
      { rule: 'path_length', limit: 0, actual: 1 },
    ]);
  if (parent.pathLength !== null && (pathLength === null || pathLength > parent.pathLength - 1))
    refuse('POLICY_VIOLATION', 'an intermediate allows fewer authorities below it than its parent', [
      { rule: 'path_length', limit: parent.pathLength - 1, actual: pathLength },
    ]);
  if (Date.parse(notAfter) > Date.parse(parent.notAfter))
    refuse('POLICY_VIOLATION', 'an intermediate cannot outlive its parent', [
      { rule: 'validity', limit: parent.notAfter, actual: notAfter },
    ]);
}

export function decideCertificateAuthority(
  command: CertificateAuthorityCommand,
  state: CertificateAuthorityState,
): CertificateAuthorityEvent[] {
  if (command.type === 'CreateCertificateAuthority') {
    if (state.exists) refuse('AUTHORITY_ALREADY_EXISTS');
    const { type: _type, parent, ...created } = command;
    if (parent) assertParentMaySign(parent, command.notAfter, command.pathLength);
    return [{ type: 'CertificateAuthorityCreated', data: { ...created, parentId: parent?.caId ?? null } }];
  }
  if (command.type === 'PrepareCertificateAuthority') {
    if (state.exists) refuse('AUTHORITY_ALREADY_EXISTS');
    const { type: _type, ...data } = command;
    return [{ type: 'CertificateAuthorityPrepared', data }];
  }
  if (!state.exists) refuse('NOT_FOUND', 'no such certificate authority');
  if (command.type === 'ActivateCertificateAuthority') {
    if (!state.pending) refuse('AUTHORITY_ALREADY_ACTIVE');
    if (state.disabled) refuse('AUTHORITY_DISABLED', undefined, [{ caId: state.caId }]);
    if (command.certifiedPublicKeyFingerprint !== state.publicKeyFingerprint)
      refuse('AUTHORITY_CERTIFICATE_MISMATCH', 'the certificate certifies another key', [
        { rule: 'public_key' },
      ]);
    const { type: _type, certifiedPublicKeyFingerprint: _fingerprint, ...issued } = command;
    return [{ type: 'CertificateAuthorityActivated', data: { ...issued, caId: state.caId } }];
  }
  if (state.disabled) return [];
  const data =
    command.reason === undefined ? { caId: state.caId } : { caId: state.caId, reason: command.reason };
  return [{ type: 'CertificateAuthorityDisabled', data }];
}

export function evolveCertificateAuthority(
  state: CertificateAuthorityState,
  event: CertificateAuthorityEvent,
): CertificateAuthorityState {
  switch (event.type) {
    case 'CertificateAuthorityCreated':
      return { exists: true, disabled: false, ...event.data };
    case 'CertificateAuthorityPrepared':
      return { exists: true, pending: true, disabled: false, ...event.data };
    case 'CertificateAuthorityActivated': {
      if (!state.exists || !state.pending) return state;
      const { pending: _pending, csrPem: _csr, publicKeyFingerprint: _fingerprint, ...prepared } = state;
      return { ...prepared, ...event.data, parentId: null };
    }
    case 'CertificateAuthorityDisabled':
      return state.exists ? { ...state, disabled: true } : state;
  }
}

export const certificateAuthorityDecider: Decider<
  CertificateAuthorityCommand,
  CertificateAuthorityEvent,
  CertificateAuthorityState
> = {
  decide: decideCertificateAuthority,
  evolve: evolveCertificateAuthority,
  initialState: { exists: false },
};

/** Issuance under the authority: it exists, is enabled, and its certificate is still valid `at`. */
export function assertAuthorityIssues(
  state: CertificateAuthorityState,
  at: string,
): Extract<CertificateAuthorityState, { pending?: false }> {
  if (!state.exists) refuse('NOT_FOUND', 'no such certificate authority');
  if (state.disabled) refuse('AUTHORITY_DISABLED', undefined, [{ caId: state.caId }]);
  if (state.pending) refuse('AUTHORITY_NOT_ACTIVE', undefined, [{ caId: state.caId }]);
  if (Date.parse(at) >= Date.parse(state.notAfter))
    refuse('AUTHORITY_DISABLED', 'the authority’s certificate has expired', [
      { caId: state.caId, notAfter: state.notAfter },
    ]);
  return state;
}
