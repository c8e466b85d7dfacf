import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { invalid } from '@yuantrace/domain';

/** First failing field, with its dotted path ("payee.account"). */
function firstError(errors: ValidationError[], prefix = ''): { field: string; message: string; unknown: boolean } | undefined {
  for (const e of errors) {
    const field = prefix ? `${prefix}.${e.property}` : e.property;
    if (e.constraints && Object.keys(e.constraints).length > 0) {
      const [kind, message] = Object.entries(e.constraints)[0];
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
    stopAtFirstError: true,
    exceptionFactory: (errors) => {
      const first = firstError(errors);
      if (!first) return invalid('invalid_request', 'the request is not valid');
      if (first.unknown) return invalid('unknown_field', `${first.field} is not a field of this request`, first.field);
      return invalid('invalid_field', first.message, first.field);
    },
  });
