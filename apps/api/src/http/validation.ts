import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { invalid } from '@yuantrace/domain';

/**
 * A value of the wrong kind is told so before any bound of its kind: "2016" as fiscalYear is not
 * "greater than 2100", it is not a whole number. Every check of a field runs (stopAtFirstError
 * off), and the message of the first of these kinds that failed is the one given.
 */
const KIND_CHECKS = ['whitelistValidation', 'isDefined', 'isString', 'isInt', 'isNumber', 'isBoolean', 'isArray', 'isObject', 'nestedValidation', 'isIn', 'isEnum'];
const checkRank = (kind: string) => (KIND_CHECKS.includes(kind) ? KIND_CHECKS.indexOf(kind) : KIND_CHECKS.length);

/** First failing field, with its dotted path ("payee.account"). */
function firstError(errors: ValidationError[], prefix = ''): { field: string; message: string; unknown: boolean } | undefined {
  for (const e of errors) {
    const field = prefix ? `${prefix}.${e.property}` : e.property;
    if (e.constraints && Object.keys(e.constraints).length > 0) {
      const [kind, message] = Object.entries(e.constraints).sort(([a], [b]) => checkRank(a) - checkRank(b))[0];
      if (kind === 'whitelistValidation') return { field, message, unknown: true };
      // A field left out or null fails whichever of its checks runs first ("must be shorter than 100 characters"): say what is wrong.
      if (e.value === undefined) return { field, message: `${field} is required`, unknown: false };
      if (e.value === null) return { field, message: `${field} must not be null (leave it out, or give a value)`, unknown: false };
      return { field, message, unknown: false };
    }
    const nested = firstError(e.children ?? [], field);
    if (nested) return nested;
  }
  return undefined;
}

/**
 * class-validator DTOs: unknown fields are refused, not silently dropped; the first error is
 * reported with its field as a 400.
 */
export const validationPipe = () =>
  new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    stopAtFirstError: false,
    exceptionFactory: (errors) => {
      const first = firstError(errors);
      if (!first) return invalid('invalid_request', 'the request is not valid');
      if (first.unknown) return invalid('unknown_field', `${first.field} is not a field of this request`, first.field);
      return invalid('invalid_field', first.message, first.field);
    },
  });
