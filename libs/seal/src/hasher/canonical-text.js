'use strict';

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
 * writes them, strings with no escape and no surrogate copied as they are. It writes UTF-8 bytes
 * straight into one buffer, which the hashing thread copies into its own (canonicalEventBytes):
 * no string per piece, no join and no second encoding. With no surrogate in a key, the order of
 * UTF-8 bytes is the order of code points, which is the order of UTF-16 code units. Anything else it gives
 * up on, and the whole text is done the long way, by the verifier's own functions: a duplicate key
 * (JSON.parse keeps the last), a string or key with an escape, a control character or a surrogate
 * (JSON.stringify writes some of those differently from how they came), a key holding a space or
 * '!', more than MAX_DEPTH levels of nesting, a number JavaScript cannot hold, a malformed text
 * (which then fails as JSON.parse fails).
 *
 * Plain JavaScript, beside seal-hashes.js: the hashing thread runs it (a catch-up hands that thread
 * the store's texts, and the thread writes their canonical form while the sealer reads on), and a
 * worker loads it as it is, built or not.
 */
const v = require('../verifier/yuantrace-verify.js');

// Output: UTF-8 bytes in one module buffer, reused from text to text.
let buf = Buffer.allocUnsafeSlow(1 << 16);
let len = 0;
function ensure(n) {
  if (len + n <= buf.length) return;
  const bigger = Buffer.allocUnsafeSlow(2 * (len + n));
  buf.copy(bigger, 0, 0, len);
  buf = bigger;
}
/** A string of the program's own (an envelope piece, the long way's text): written by the encoder. */
function put(text) {
  ensure(3 * text.length);
  len += buf.write(text, len, 'utf8');
}

function canonicalFromText(text) {
  len = 0;
  append(text);
  return buf.toString('utf8', 0, len);
}

/**
 * The members of an event's canonical form that are not data or metadata, as the two pieces that
 * go between and after those (the sealer writes these; the hashing thread the rest).
 */
function eventEnvelope(e) {
  return {
    between: ',"id":' + JSON.stringify(e.id) + ',"metadata":',
    after: ',"position":"' + e.position + '","recordedAt":"' + e.recordedAt + '","revision":"' + e.revision + '","stream":' + JSON.stringify(e.stream) + ',"type":' + JSON.stringify(e.type) + '}',
  };
}
/**
 * An event's canonical form, canonicalEvent's, with data and metadata given as JSON texts: the
 * members in the order canonicalEvent's keys sort in. The other members are strings, and position,
 * recordedAt and revision hold no character JSON escapes.
 */
function canonicalEventFromTexts(e) {
  const { between, after } = eventEnvelope(e);
  return canonicalEventFromParts(e.data, between, e.metadata, after);
}
/** canonicalEventFromTexts from the data's text, the envelope's pieces and the metadata's text. */
function canonicalEventFromParts(data, between, metadata, after) {
  const bytes = canonicalEventBytes(data, between, metadata, after);
  return bytes.toString('utf8');
}
const DATA_OPENING = Buffer.from('{"data":');
/** The event's canonical form as UTF-8: a view of the module's buffer, good until the next call. */
function canonicalEventBytes(data, between, metadata, after) {
  len = 0;
  ensure(DATA_OPENING.length);
  len += DATA_OPENING.copy(buf, len);
  append(data);
  put(between);
  // The events of one command share its metadata, text for text: written once for them all.
  if (metadata === memo.text) {
    ensure(memo.bytes.length);
    len += memo.bytes.copy(buf, len);
  } else {
    const mark = len;
    append(metadata);
    memo.bytes = Buffer.from(buf.subarray(mark, len));
    memo.text = metadata;
  }
  put(after);
  return buf.subarray(0, len);
}
/** The last metadata text written, and its canonical form (none at first: no text, not even '' or null, matches). */
const memo = { text: Symbol('none yet'), bytes: Buffer.alloc(0) };

/** Writes the canonical form of one JSON text, the long way if the scanner gives up on it. */
function append(text) {
  const mark = len;
  src = text;
  pos = 0;
  depth = 0;
  // Strings, keys, punctuation and words come out no longer than they went in (a character at most
  // three bytes); only numbers may grow, and make room for themselves.
  ensure(3 * text.length + 8);
  try {
    value();
    skipSpace();
    if (pos !== src.length) throw GIVE_UP;
  } catch {
    len = mark;
    put(v.canonicalJson(JSON.parse(text)));
  } finally {
    src = '';
  }
}

// The scanner's state: one text at a time, and synchronous, so module state is safe and saves a
// closure or an object per call.
let src = '';
let pos = 0;
/**
 * How deep the scanner is in arrays and objects. Past MAX_DEPTH it gives up: JSON.stringify has a
 * nesting limit of its own (about 4,000 levels), and a text the verifier cannot write must fail
 * here as it fails there, not be sealed in a form nobody could check.
 */
let depth = 0;
const MAX_DEPTH = 1000;
const GIVE_UP = new Error('not a text the scanner takes on');

const SPACE = 32, TAB = 9, LF = 10, CR = 13, QUOTE = 34, BACKSLASH = 92, COMMA = 44, COLON = 58;
const OPEN_OBJECT = 123, CLOSE_OBJECT = 125, OPEN_ARRAY = 91, CLOSE_ARRAY = 93, MINUS = 45, ZERO = 48, NINE = 57;

function skipSpace() {
  for (;;) {
    const c = src.charCodeAt(pos);
    if (c === SPACE || c === LF || c === CR || c === TAB) pos++;
    else return;
  }
}

function value() {
  skipSpace();
  const c = src.charCodeAt(pos);
  if (c === QUOTE) string();
  else if (c === OPEN_OBJECT) object();
  else if (c === OPEN_ARRAY) array();
  else if (c === MINUS || (c >= ZERO && c <= NINE)) number();
  else {
    for (const word of WORDS) {
      if (src.startsWith(word, pos)) {
        pos += word.length;
        for (let i = 0; i < word.length; i++) buf[len++] = word.charCodeAt(i);
        return;
      }
    }
    throw GIVE_UP;
  }
}
const WORDS = ['true', 'false', 'null'];

/** Copies a string, quotes and all, as UTF-8; gives up on an escape, a control character or a surrogate. */
function string() {
  const text = src;
  const b = buf;
  let o = len;
  let low = 0xffff;
  b[o++] = QUOTE;
  for (let i = pos + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      b[o++] = QUOTE;
      pos = i + 1;
      len = o;
      lowest = low;
      return;
    }
    if (c < 0x80) {
      if (c === BACKSLASH || c < SPACE) throw GIVE_UP;
      b[o++] = c;
    } else if (c < 0x800) {
      b[o++] = 0xc0 | (c >> 6);
      b[o++] = 0x80 | (c & 63);
    } else {
      if (c >= 0xd800 && c <= 0xdfff) throw GIVE_UP;
      b[o++] = 0xe0 | (c >> 12);
      b[o++] = 0x80 | ((c >> 6) & 63);
      b[o++] = 0x80 | (c & 63);
    }
    if (c < low) low = c;
  }
  throw GIVE_UP;
}
let lowest = 0xffff;

// A JSON integer of at most 15 digits is exactly a double and is written back as it stands;
// anything else JavaScript holds is written as String(Number(t)), which is what JSON.parse then
// JSON.stringify give (the same rounding, the same shortest form).
const SHORT_INTEGER = /^-?(?:0|[1-9][0-9]{0,14})$/;
const JSON_NUMBER = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$/;

function number() {
  const start = pos;
  for (;;) {
    const c = src.charCodeAt(pos);
    if ((c >= ZERO && c <= NINE) || c === MINUS || c === 43 || c === 46 || c === 101 || c === 69) pos++;
    else break;
  }
  const t = src.slice(start, pos);
  let w;
  if (SHORT_INTEGER.test(t)) w = t === '-0' ? '0' : t;
  else {
    if (!JSON_NUMBER.test(t)) throw GIVE_UP;
    const x = Number(t);
    if (!Number.isFinite(x)) throw GIVE_UP;
    w = String(x);
  }
  ensure(w.length);
  for (let i = 0; i < w.length; i++) buf[len++] = w.charCodeAt(i);
}

/**
 * Past an array's or object's opening bracket, one level deeper; an empty one is written (its two
 * brackets) and left at once, and true is returned.
 */
function entered(close, empty) {
  if (++depth > MAX_DEPTH) throw GIVE_UP;
  pos++;
  skipSpace();
  if (src.charCodeAt(pos) !== close) return false;
  pos++;
  buf[len++] = empty;
  buf[len++] = close;
  depth--;
  return true;
}

function array() {
  if (entered(CLOSE_ARRAY, OPEN_ARRAY)) return;
  buf[len++] = OPEN_ARRAY;
  for (;;) {
    value();
    skipSpace();
    const c = src.charCodeAt(pos++);
    if (c === COMMA) buf[len++] = COMMA;
    else if (c === CLOSE_ARRAY) {
      buf[len++] = CLOSE_ARRAY;
      depth--;
      return;
    } else throw GIVE_UP;
  }
}

// Keys are compared with their quotes: a key's closing quote then sorts it before every key it
// begins, as JCS wants, unless the key holds a space or '!', the only characters below '"' a
// string with no escape can hold.
function object() {
  if (entered(CLOSE_OBJECT, OPEN_OBJECT)) return;
  buf[len++] = OPEN_OBJECT;
  // Each member's key as it stands in buf, quotes included ([start, end)); a member runs from its key's start.
  const starts = [];
  const ends = [];
  let inOrder = true;
  for (;;) {
    skipSpace();
    if (src.charCodeAt(pos) !== QUOTE) throw GIVE_UP;
    if (starts.length > 0) buf[len++] = COMMA;
    const start = len;
    string();
    if (lowest <= 0x21) throw GIVE_UP;
    const n = starts.length;
    if (n > 0 && !before(starts[n - 1], ends[n - 1], start, len)) inOrder = false;
    starts.push(start);
    ends.push(len);
    skipSpace();
    if (src.charCodeAt(pos++) !== COLON) throw GIVE_UP;
    buf[len++] = COLON;
    value();
    skipSpace();
    const c = src.charCodeAt(pos++);
    if (c === CLOSE_OBJECT) break;
    if (c !== COMMA) throw GIVE_UP;
  }
  if (!inOrder) reorder(starts, ends);
  buf[len++] = CLOSE_OBJECT;
  depth--;
}

/** Key [a, ae) sorts before key [b, be) (bytes of UTF-8 with no surrogate: code point order, as UTF-16's here). */
function before(a, ae, b, be) {
  return compare(a, ae, b, be) < 0;
}
function compare(a, ae, b, be) {
  const b0 = buf;
  for (; a < ae && b < be; a++, b++) {
    const x = b0[a];
    const y = b0[b];
    if (x !== y) return x - y;
  }
  return (ae - a) - (be - b);
}

/**
 * Rewrites an object's members, which run from starts[0] to the end of what is written, in their
 * keys' order: by insertion for the few members an object usually has, by the engine's sort for
 * many (insertion would be quadratic).
 */
let scratch = Buffer.allocUnsafeSlow(1 << 12);
function reorder(starts, ends) {
  const n = starts.length;
  const from = starts[0];
  const size = len - from;
  if (scratch.length < size) scratch = Buffer.allocUnsafeSlow(2 * size);
  buf.copy(scratch, 0, from, len);
  const order = new Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const cmp = (x, y) => compare(starts[x], ends[x], starts[y], ends[y]);
  if (n > 16) order.sort(cmp);
  else {
    for (let i = 1; i < n; i++) {
      const x = order[i];
      let j = i - 1;
      while (j >= 0 && cmp(x, order[j]) < 0) {
        order[j + 1] = order[j];
        j--;
      }
      order[j + 1] = x;
    }
  }
  // Equal neighbours after sorting: a duplicate key, which JSON.parse resolves (the last wins).
  for (let i = 1; i < n; i++) if (cmp(order[i - 1], order[i]) === 0) throw GIVE_UP;
  len = from;
  for (let i = 0; i < n; i++) {
    const k = order[i];
    if (i > 0) buf[len++] = COMMA;
    const end = k + 1 < n ? starts[k + 1] - 1 : from + size;
    len += scratch.copy(buf, len, starts[k] - from, end - from);
  }
}

module.exports = { canonicalFromText, canonicalEventFromTexts, eventEnvelope, canonicalEventFromParts, canonicalEventBytes };
