/** DI tokens for plain values (classes are their own tokens). */
export const APP_CONFIG = Symbol('APP_CONFIG');
export const READ_DB = Symbol('READ_DB');
export const OWNS_STORAGE = Symbol('OWNS_STORAGE');
