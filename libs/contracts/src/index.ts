export * from './commands';
export * from './reply';
export { ERROR_CODES, ErrorCode } from '@certm3/domain';
