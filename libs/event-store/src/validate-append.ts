import { parseStreamName } from '@yuantrace/domain';
import { InvalidEventError } from './errors';
import { isUuid } from './event-id';
import type { NewEvent, StreamAppend } from './event-store.port';

/** What every adapter checks before it writes: a known stream category, at least one event, each well formed. */
export function validateAppend(stream: string, events: readonly NewEvent[]): EventTexts[] {
  parseStreamName(stream);
  if (events.length === 0) throw new InvalidEventError('an append needs at least one event');
  return events.map(validateNewEvent);
}

/** An event's data and metadata as JSON text: made to check them, and kept for a writer that sends them as text. */
export type EventTexts = { data: string; metadata: string };

export function validateNewEvent(e: NewEvent): EventTexts {
  if (!isUuid(e.id)) throw new InvalidEventError(`event id "${String(e.id).slice(0, 40)}" is not a UUID`);
  if (typeof e.type !== 'string' || !/^[A-Z][A-Za-z0-9]{0,99}$/.test(e.type)) {
    throw new InvalidEventError(`event type "${String(e.type).slice(0, 40)}" must be PascalCase letters and digits`);
  }
  if (typeof e.data !== 'object' || e.data === null || Array.isArray(e.data)) throw new InvalidEventError('event data must be a JSON object');
  if (typeof e.metadata !== 'object' || e.metadata === null || Array.isArray(e.metadata)) {
    throw new InvalidEventError('event metadata must be a JSON object');
  }
  try {
    return { data: JSON.stringify(e.data), metadata: JSON.stringify(e.metadata) };
  } catch {
    throw new InvalidEventError('event data and metadata must be serialisable as JSON (no bigint, no cycles)');
  }
}

/**
 * What every adapter checks before an append over several streams: each stream once, each event
 * well formed, something to write. Returns each append's events' texts, in order.
 */
export function validateMultiStreamAppend(appends: readonly StreamAppend[]): EventTexts[][] {
  if (appends.length === 0) throw new InvalidEventError('an append needs at least one stream');
  const seen = new Set<string>();
  let total = 0;
  const texts: EventTexts[][] = [];
  for (const a of appends) {
    parseStreamName(a.stream);
    if (seen.has(a.stream)) throw new InvalidEventError(`stream ${a.stream} appears twice in one append`);
    seen.add(a.stream);
    texts.push(a.events.map(validateNewEvent));
    total += a.events.length;
  }
  if (total === 0) throw new InvalidEventError('an append needs at least one event');
  return texts;
}
