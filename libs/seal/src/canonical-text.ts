import * as v from './verifier/yuantrace-verify';

/**
 * Canonical JSON (JCS, exactly as the verifier's canonicalJson writes it) straight from a JSON
 * text, without building the value: canonicalFromText(t) === canonicalJson(JSON.parse(t)) for
 * every text t. The sealer's catch-up reads an event's data and metadata as the store's JSON texts
 * and writes their canonical form from those; parsing them into objects, copying every object into
 * JCS order and writing it out again took twice as long as reading the row, and made a fifth of the
 * garbage.
 *
 * The scanner takes on the common case only: members reordered by their keys (UTF-16 code units,
 * as JCS and JavaScript's `<` order strings), whitespace dropped, numbers written as JavaScript
 * writes them, strings with no escape and no surrogate copied as they are. Anything else it gives
 * up on, and the whole text is done the long way, by the verifier's own functions: a duplicate key
 * (JSON.parse keeps the last), a string or key with an escape or a surrogate (JSON.stringify writes
 * some of those differently from how they came), a number JavaScript cannot hold, a malformed text
 * (which then fails as JSON.parse fails).
 */
export function canonicalFromText(text: string): string {
  src = text;
  pos = 0;
  try {
    const out = value();
    skipSpace();
    if (pos !== src.length) throw GIVE_UP;
    return out;
  } catch {
    return v.canonicalJson(JSON.parse(text));
  } finally {
    src = '';
  }
}

// The scanner's state: one text at a time, and synchronous, so module state is safe and saves a
// closure or an object per call.
let src = '';
let pos = 0;
const GIVE_UP = new Error('not a text the scanner takes on');

const SPACE = 32, TAB = 9, LF = 10, CR = 13, QUOTE = 34, BACKSLASH = 92, COMMA = 44, COLON = 58;
const OPEN_OBJECT = 123, CLOSE_OBJECT = 125, OPEN_ARRAY = 91, CLOSE_ARRAY = 93, MINUS = 45, ZERO = 48, NINE = 57;

function skipSpace(): void {
  for (;;) {
    const c = src.charCodeAt(pos);
    if (c === SPACE || c === LF || c === CR || c === TAB) pos++;
    else return;
  }
}

function value(): string {
  skipSpace();
  const c = src.charCodeAt(pos);
  if (c === QUOTE) return string();
  if (c === OPEN_OBJECT) return object();
  if (c === OPEN_ARRAY) return array();
  if (c === MINUS || (c >= ZERO && c <= NINE)) return number();
  for (const word of WORDS) {
    if (src.startsWith(word, pos)) {
      pos += word.length;
      return word;
    }
  }
  throw GIVE_UP;
}
const WORDS = ['true', 'false', 'null'] as const;

/** A string's canonical text: as it stands when it holds no escape, no control character and no surrogate. */
function string(): string {
  const start = pos;
  const text = src;
  let low = 0xffff;
  for (let i = pos + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      pos = i + 1;
      lowest = low;
      return text.slice(start, i + 1);
    }
    if (c === BACKSLASH || c < SPACE || (c >= 0xd800 && c <= 0xdfff)) throw GIVE_UP;
    if (c < low) low = c;
  }
  throw GIVE_UP;
}
/** The lowest code unit of the last string read. */
let lowest = 0xffff;

// A JSON integer of at most 15 digits is exactly a double and is written back as it stands;
// anything else JavaScript holds is written as String(Number(t)), which is what JSON.parse then
// JSON.stringify give (the same rounding, the same shortest form).
const SHORT_INTEGER = /^-?(?:0|[1-9][0-9]{0,14})$/;
const JSON_NUMBER = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$/;

function number(): string {
  const start = pos;
  for (;;) {
    const c = src.charCodeAt(pos);
    if ((c >= ZERO && c <= NINE) || c === MINUS || c === 43 /* + */ || c === 46 /* . */ || c === 101 /* e */ || c === 69 /* E */) pos++;
    else break;
  }
  const t = src.slice(start, pos);
  if (SHORT_INTEGER.test(t)) return t === '-0' ? '0' : t;
  if (!JSON_NUMBER.test(t)) throw GIVE_UP;
  const x = Number(t);
  if (!Number.isFinite(x)) throw GIVE_UP;
  return String(x);
}

function array(): string {
  pos++;
  skipSpace();
  if (src.charCodeAt(pos) === CLOSE_ARRAY) {
    pos++;
    return '[]';
  }
  let out = '[';
  for (;;) {
    out += value();
    skipSpace();
    const c = src.charCodeAt(pos++);
    if (c === COMMA) out += ',';
    else if (c === CLOSE_ARRAY) return out + ']';
    else throw GIVE_UP;
  }
}

function object(): string {
  pos++;
  skipSpace();
  if (src.charCodeAt(pos) === CLOSE_OBJECT) {
    pos++;
    return '{}';
  }
  const keys: string[] = [];
  const members: string[] = [];
  let inOrder = true;
  for (;;) {
    skipSpace();
    if (src.charCodeAt(pos) !== QUOTE) throw GIVE_UP;
    // Keys are compared with their quotes: a key's closing quote then sorts it before every key it
    // begins, as JCS wants, unless the key holds a space or '!', the only characters below '"' a
    // string with no escape can hold.
    const key = string();
    if (lowest <= 0x21) throw GIVE_UP;
    skipSpace();
    if (src.charCodeAt(pos++) !== COLON) throw GIVE_UP;
    const member = key + ':' + value();
    if (keys.length > 0 && !(keys[keys.length - 1] < key)) inOrder = false;
    keys.push(key);
    members.push(member);
    skipSpace();
    const c = src.charCodeAt(pos++);
    if (c === CLOSE_OBJECT) break;
    if (c !== COMMA) throw GIVE_UP;
  }
  if (inOrder) return '{' + members.join(',') + '}';
  const order = sortedOrder(keys);
  const sorted = new Array<string>(order.length);
  for (let i = 0; i < order.length; i++) {
    // Equal neighbours after sorting: a duplicate key, which JSON.parse resolves (the last wins).
    if (i > 0 && keys[order[i - 1]] === keys[order[i]]) throw GIVE_UP;
    sorted[i] = members[order[i]];
  }
  return '{' + sorted.join(',') + '}';
}

/** The indexes of keys in ascending order (UTF-16 code units); by insertion for the few members an object usually has. */
function sortedOrder(keys: readonly string[]): number[] {
  const n = keys.length;
  const order = new Array<number>(n);
  for (let i = 0; i < n; i++) order[i] = i;
  if (n > 16) return order.sort((a, b) => (keys[a] < keys[b] ? -1 : keys[a] > keys[b] ? 1 : 0));
  for (let i = 1; i < n; i++) {
    const x = order[i];
    const k = keys[x];
    let j = i - 1;
    while (j >= 0 && keys[order[j]] > k) {
      order[j + 1] = order[j];
      j--;
    }
    order[j + 1] = x;
  }
  return order;
}
