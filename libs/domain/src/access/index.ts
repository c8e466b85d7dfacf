export * from './region';
export * from './roles';
export * from './masking';
