/** Canonical JSON of a JSON text: canonicalFromText(t) === canonicalJson(JSON.parse(t)). */
export function canonicalFromText(text: string): string;

export type EventTexts = { data: string; id: string; metadata: string; position: string; recordedAt: string; revision: string; stream: string; type: string };

/** canonicalEvent's form of an event whose data and metadata are given as JSON texts. */
export function canonicalEventFromTexts(e: EventTexts): string;

/** The envelope's pieces of that form: between data and metadata, and after metadata. */
export function eventEnvelope(e: Omit<EventTexts, 'data' | 'metadata'>): { between: string; after: string };

/** canonicalEventFromTexts from the data's text, the envelope's pieces and the metadata's text. */
export function canonicalEventFromParts(data: string, between: string, metadata: string, after: string): string;

/** canonicalEventFromParts's form as UTF-8: a view of the module's own buffer, good until its next call. */
export function canonicalEventBytes(data: string, between: string, metadata: string, after: string): Buffer;
