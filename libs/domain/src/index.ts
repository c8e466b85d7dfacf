export * from './rejection';
export * from './money';
export * from './streams';
export * from './decider';
