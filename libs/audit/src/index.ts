export * from './redact';
export * from './entities';
export * from './audit-queries';
export * from './verify-log';
export * from './export-log';
