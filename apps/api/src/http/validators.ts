import { createParamDecorator, Injectable, type ExecutionContext, type PipeTransform } from '@nestjs/common';
import { registerDecorator, ValidateIf, type ValidationOptions } from 'class-validator';
import { assertDate, assertId, invalid, parseYuan, type Principal } from '@yuantrace/domain';
import type { AuthenticatedRequest } from '../auth/auth.guard';

const passes = (f: () => unknown) => {
  try {
    f();
    return true;
  } catch {
    return false;
  }
};

/**
 * A field that may be left out. Unlike class-validator's IsOptional, null is not taken for absent:
 * a null where the contract allows none goes through the field's checks and is refused there (a
 * closure's null remainder used to reach the decider as a remainder, and failed with a 500).
 * Fields the contract makes nullable keep IsOptional.
 */
export const Optional = () => ValidateIf((_object: object, value: unknown) => value !== undefined);

/** A calendar date that exists, YYYY-MM-DD. */
export function IsBusinessDate(options?: ValidationOptions) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isBusinessDate', target: object.constructor, propertyName, options: { message: `${propertyName} must be a date YYYY-MM-DD that exists`, ...options },
      validator: { validate: (v: unknown) => passes(() => assertDate(v, propertyName)) },
    });
}

/** Yuan as a decimal string with at most two decimals, > 0 and ≤ 10^13. */
export function IsYuan(options?: ValidationOptions) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isYuan', target: object.constructor, propertyName,
      options: { message: `${propertyName} must be yuan as a string with at most two decimals, greater than 0 and at most 10^13, e.g. "380000.00"`, ...options },
      validator: { validate: (v: unknown) => passes(() => parseYuan(v, propertyName)) },
    });
}

/** Client-chosen ids: letters, digits, '-', '_', '.'; 1–64 characters. */
export function IsClientId(options?: ValidationOptions) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isClientId', target: object.constructor, propertyName,
      options: { message: `${propertyName} must be 1–64 letters, digits, '-', '_' or '.'`, ...options },
      validator: { validate: (v: unknown) => passes(() => assertId(v, propertyName)) },
    });
}

/** A path id, validated like a client id. */
@Injectable()
export class IdParam implements PipeTransform<string, string> {
  transform(value: string): string {
    return assertId(value, 'id');
  }
}

export const unitCodeParam = (value: string) => {
  if (!/^([0-9]{12}|[0-9]{15})$/.test(value)) throw invalid('invalid_unit_code', 'code must be a 12-digit 行政区划代码', 'code');
  return value;
};

export type RequestCaller = { principal: Principal; correlationId: string };

/** The principal and the correlation id its commands will carry (x-correlation-id, else the request id). */
export const Caller = createParamDecorator((_: unknown, ctx: ExecutionContext): RequestCaller => {
  const req = ctx.switchToHttp().getRequest<AuthenticatedRequest & { id?: unknown }>();
  const header = req.headers['x-correlation-id'];
  const correlationId = typeof header === 'string' && /^[A-Za-z0-9._:-]{1,100}$/.test(header) ? header : String(req.id ?? '');
  return { principal: req.principal!, correlationId };
});
