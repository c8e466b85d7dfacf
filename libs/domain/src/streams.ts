import { createHash } from 'node:crypto';
import { invalid } from './rejection';

/**
 * Streams are `<category>-<id>`. The category is lowercase with no `-` inside it, so
 * KurrentDB's `$ce-<category>` system projections work. One builder per category, and
 * nothing else makes stream names.
 */
export const STREAM_CATEGORIES = ['adminunit', 'fundbatch', 'project', 'payment', 'household', 'principal', 'bankref', 'ruleset', 'roster', 'case'] as const;
export type StreamCategory = (typeof STREAM_CATEGORIES)[number];

/** Client-chosen ids: letters, digits, `-`, `_`, `.`; 1 to 64 characters. */
export const ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

export function assertId(id: unknown, field: string): string {
  if (typeof id !== 'string' || !ID_PATTERN.test(id)) {
    throw invalid('invalid_id', `${field} must be 1–64 letters, digits, '-', '_' or '.'`, field);
  }
  return id;
}

const streamOf = (category: StreamCategory) => (id: string) => `${category}-${assertId(id, `${category} id`)}`;

export const Streams = {
  adminUnit: streamOf('adminunit'),
  fundBatch: streamOf('fundbatch'),
  project: streamOf('project'),
  payment: streamOf('payment'),
  household: streamOf('household'),
  principal: streamOf('principal'),
  /** A case (问题线索 → 核实 → 整改 → 销号): DOMAIN.md §5.5. */
  case: streamOf('case'),
  /** The red-flag rule set's versions (one stream: a version's number follows the last). */
  redFlagRules: () => streamOf('ruleset')('redflags'),
  roster: streamOf('roster'),
  /**
   * One stream per bank reference and channel: the consistency boundary that makes a reference
   * unique. References are free text (any characters, any length), so the id is a digest of it,
   * as the bank reads it (bankReferenceKey): `boc2016-0515`, `BOC 2016-0515` and `ＢＯＣ２０１６－０５１５`
   * are one transfer.
   */
  bankReference: (channel: string, reference: string) =>
    streamOf('bankref')(`${channel}.${createHash('sha256').update(bankReferenceKey(reference), 'utf8').digest('hex').slice(0, 40)}`),
  /**
   * The stream a reference was kept in before references were keyed as the bank reads them: its
   * digest as written. No new reference goes there; an execution whose reference is not already in
   * its key form reads it too, so a reference recorded then is still refused when written the same way again.
   */
  bankReferenceAsWritten: (channel: string, reference: string) =>
    streamOf('bankref')(`${channel}.${createHash('sha256').update(reference, 'utf8').digest('hex').slice(0, 40)}`),
};

/**
 * A bank reference as the bank reads it, so one transfer cannot be claimed twice by writing its
 * reference another way: full-width forms from a Chinese input method read as their ASCII ones
 * (NFKC), spaces anywhere are dropped, letters are in one case. A reference already in that form
 * (upper-case letters, digits, no spaces: as banks print them) keys the stream it always did; one
 * recorded before in another form is still found when written the same way (Streams.bankReferenceAsWritten),
 * and written yet another way by the R-05 detector, which compares keys. Dashes of every width read as one.
 */
export const bankReferenceKey = (reference: string): string =>
  reference.normalize('NFKC').replace(/[\u2010-\u2015\u2212\u30fc]/gu, '-').replace(/\s+/gu, '').toUpperCase();

export function parseStreamName(stream: string): { category: StreamCategory; id: string } {
  const dash = stream.indexOf('-');
  const category = dash > 0 ? stream.slice(0, dash) : '';
  const id = dash > 0 ? stream.slice(dash + 1) : '';
  if (!(STREAM_CATEGORIES as readonly string[]).includes(category)) {
    throw invalid(
      'unknown_stream_category',
      `stream "${stream.slice(0, 80)}" has no known category (expected one of ${STREAM_CATEGORIES.join(', ')})`,
      'stream',
    );
  }
  if (!ID_PATTERN.test(id)) throw invalid('invalid_stream_id', `stream "${stream.slice(0, 80)}" has an invalid id`, 'stream');
  return { category: category as StreamCategory, id };
}
