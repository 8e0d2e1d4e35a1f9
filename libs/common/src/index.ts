export * from './canonical-json';
export * from './uuid';
export * from './describe-error';
export * from './exit-after-output';
