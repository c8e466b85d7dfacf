import { Injectable, type ArgumentMetadata, type PipeTransform } from '@nestjs/common';
import { invalid } from '@yuantrace/domain';

/** Deeper than any request of ours; a hostile body nested thousands deep is refused before anything recurses over it. */
export const MAX_DEPTH = 16;
/** More values than any request of ours carries (a household of 20 members is a few hundred). */
export const MAX_VALUES = 5_000;
/** C0 controls except tab, line feed and carriage return; DEL; C1 controls. NUL among them. */
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;
/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Refuses, with a named 400 and the field, a body or query that no honest client sends: nested
 * beyond MAX_DEPTH, with more than MAX_VALUES values, or holding a string (value or key) with a
 * control character or a lone surrogate (not well-formed UTF-16, so not storable as UTF-8 text).
 * It walks the value with its own stack, so it cannot overflow, and runs before the validation
 * pipe, whose recursion a deep body would otherwise overflow into a 500.
 */
export function assertSafeInput(value: unknown, root: string): void {
  const stack: Array<{ v: unknown; path: string; depth: number }> = [{ v: value, path: '', depth: 0 }];
  let seen = 0;
  while (stack.length > 0) {
    const { v, path, depth } = stack.pop()!;
    if (++seen > MAX_VALUES) throw invalid('too_many_values', `the ${root} holds more than ${MAX_VALUES} values`, path || undefined);
    if (typeof v === 'string') {
      checkText(v, path, root);
      continue;
    }
    if (typeof v !== 'object' || v === null) continue;
    if (depth >= MAX_DEPTH) throw invalid('too_deep', `the ${root} is nested deeper than ${MAX_DEPTH} levels`, path || undefined);
    const entries = Array.isArray(v) ? v.map((x, i) => [String(i), x] as const) : Object.entries(v);
    for (const [k, x] of entries) {
      const at = Array.isArray(v) ? `${path}[${k}]` : path ? `${path}.${k}` : k;
      if (!Array.isArray(v)) checkText(k, at, root);
      stack.push({ v: x, path: at, depth: depth + 1 });
    }
  }
}

function checkText(s: string, field: string, root: string) {
  if (CONTROL.test(s)) throw invalid('control_character', `${field || `the ${root}`} contains a control character (NUL and the like are not text)`, field || undefined);
  if (LONE_SURROGATE.test(s)) throw invalid('malformed_text', `${field || `the ${root}`} contains a lone surrogate: it is not well-formed Unicode text`, field || undefined);
}

/** The global pipe that runs assertSafeInput on every body and query before they are validated. */
@Injectable()
export class InputSafetyPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type === 'body' || metadata.type === 'query') assertSafeInput(value, metadata.type);
    return value;
  }
}
