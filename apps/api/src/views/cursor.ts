import { createHmac, timingSafeEqual } from 'node:crypto';
import { invalid } from '@yuantrace/domain';

/**
 * Opaque page cursors: the position, signed. A cursor the api did not issue (edited, made up,
 * or from another installation) is refused with a 400 rather than silently read from somewhere.
 */
export class CursorCodec {
  constructor(private readonly secret: string) {}

  private sign(body: string) {
    return createHmac('sha256', this.secret).update(`cursor:${body}`).digest('base64url').slice(0, 22);
  }

  encode(scope: string, position: string): string {
    const body = Buffer.from(JSON.stringify({ s: scope, p: position })).toString('base64url');
    return `${body}.${this.sign(body)}`;
  }

  decode(cursor: string, scope: string): string {
    const [body, sig] = cursor.split('.');
    const expected = body ? this.sign(body) : '';
    if (!body || !sig || sig.length !== expected.length || !timingSafeEqual(Buffer.from(sig), Buffer.from(expected))) {
      throw invalid('invalid_cursor', 'this cursor was not issued by this api', 'after');
    }
    const parsed = JSON.parse(Buffer.from(body, 'base64url').toString()) as { s: string; p: string };
    if (parsed.s !== scope) throw invalid('invalid_cursor', 'this cursor belongs to another listing', 'after');
    return parsed.p;
  }
}
