export * from './csr';
export * from './goodkey';
export type { PublicKeyDescription } from './spki';
export { describePublicKey } from './spki';
export type { RefusalDetail } from './refusal';
export { Refusal } from './refusal';
export * from './certificate-writer';
