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
 * writes them, strings with no escape and no surrogate copied as they are. Anything else it gives
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

function canonicalFromText(text) {
  out.length = 0;
  append(text);
  return written();
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

/** canonicalEventFromTexts from the data's text, the envelope's pieces and the metadata's text. */
function canonicalEventFromParts(data, between, metadata, after) {
  out.length = 0;
  out.push('{"data":');
  append(data);
  out.push(between);
  // The events of one command share its metadata, text for text: written once for them all.
  if (metadata === memo.text) out.push(memo.canonical);
  else {
    const mark = out.length;
    append(metadata);
    const canonical = out.length === mark + 1 ? out[mark] : out.splice(mark).join('');
    if (out.length === mark) out.push(canonical);
    memo.text = metadata;
    memo.canonical = canonical;
  }
  out.push(after);
  return written();
}
/** The last metadata text written, and its canonical form (none at first: no text, not even '' or null, matches). */
const memo = { text: Symbol('none yet'), canonical: '' };

/** What was written, as one flat string (one join, not a tree of concatenations to flatten later). */
function written() {
  const text = out.join('');
  out.length = 0;
  return text;
}

/** Writes the canonical form of one JSON text, the long way if the scanner gives up on it. */
function append(text) {
  const mark = out.length;
  src = text;
  pos = 0;
  depth = 0;
  try {
    value();
    skipSpace();
    if (pos !== src.length) throw GIVE_UP;
  } catch {
    out.length = mark;
    out.push(v.canonicalJson(JSON.parse(text)));
  } finally {
    src = '';
  }
}

// The scanner's state: one text at a time, and synchronous, so module state is safe and saves a
// closure or an object per call. What it writes goes to out piece by piece, joined once at the end.
let src = '';
let pos = 0;
const out = [];
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
  if (c === QUOTE) out.push(string());
  else if (c === OPEN_OBJECT) object();
  else if (c === OPEN_ARRAY) array();
  else if (c === MINUS || (c >= ZERO && c <= NINE)) out.push(number());
  else {
    for (const word of WORDS) {
      if (src.startsWith(word, pos)) {
        pos += word.length;
        out.push(word);
        return;
      }
    }
    throw GIVE_UP;
  }
}
const WORDS = ['true', 'false', 'null'];

/** A string's canonical text: as it stands when it holds no escape, no control character and no surrogate. */
function string() {
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

function number() {
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

/**
 * Past an array's or object's opening bracket, one level deeper; an empty one is written (as
 * `empty`) and left at once, and true is returned.
 */
function entered(close, empty) {
  if (++depth > MAX_DEPTH) throw GIVE_UP;
  pos++;
  skipSpace();
  if (src.charCodeAt(pos) !== close) return false;
  pos++;
  out.push(empty);
  depth--;
  return true;
}

function array() {
  if (entered(CLOSE_ARRAY, '[]')) return;
  out.push('[');
  for (;;) {
    value();
    skipSpace();
    const c = src.charCodeAt(pos++);
    if (c === COMMA) out.push(',');
    else if (c === CLOSE_ARRAY) {
      out.push(']');
      depth--;
      return;
    } else throw GIVE_UP;
  }
}

function object() {
  if (entered(CLOSE_OBJECT, '{}')) return;
  out.push('{');
  const keys = [];
  // Where each member's pieces begin in out (each after the ',' that separates it from the one before).
  const starts = [];
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
    if (keys.length > 0) {
      if (!before(keys[keys.length - 1], key)) inOrder = false;
      out.push(',');
    }
    keys.push(key);
    starts.push(out.length);
    out.push(key, ':');
    value();
    skipSpace();
    const c = src.charCodeAt(pos++);
    if (c === CLOSE_OBJECT) break;
    if (c !== COMMA) throw GIVE_UP;
  }
  if (!inOrder) reorder(keys, starts);
  out.push('}');
  depth--;
}

/** a sorts before b (UTF-16 code units): mostly told by their first characters, without a string comparison. */
function before(a, b) {
  const x = a.charCodeAt(1);
  const y = b.charCodeAt(1);
  return x !== y ? x < y : a < b;
}

/**
 * The indexes of keys in ascending order, equal keys side by side: by insertion for the few members
 * an object usually has, by the engine's sort for many (insertion would be quadratic).
 */
function sortedOrder(keys) {
  const n = keys.length;
  const order = new Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  if (n > 16) return order.sort((a, b) => (before(keys[a], keys[b]) ? -1 : before(keys[b], keys[a]) ? 1 : 0));
  for (let i = 1; i < n; i++) {
    const x = order[i];
    let j = i - 1;
    while (j >= 0 && before(keys[x], keys[order[j]])) {
      order[j + 1] = order[j];
      j--;
    }
    order[j + 1] = x;
  }
  return order;
}

/** Rewrites an object's members, whose pieces are the tail of out from starts[0], in their keys' order. */
function reorder(keys, starts) {
  const n = keys.length;
  const from = starts[0];
  const pieces = out.slice(from);
  const order = sortedOrder(keys);
  out.length = from;
  for (let i = 0; i < n; i++) {
    const k = order[i];
    // Equal neighbours after sorting: a duplicate key, which JSON.parse resolves (the last wins).
    if (i > 0) {
      if (keys[order[i - 1]] === keys[k]) throw GIVE_UP;
      out.push(',');
    }
    // A member's pieces run to the ',' before the next member's start.
    const end = k + 1 < n ? starts[k + 1] - 1 : from + pieces.length;
    for (let p = starts[k]; p < end; p++) out.push(pieces[p - from]);
  }
}

module.exports = { canonicalFromText, canonicalEventFromTexts, eventEnvelope, canonicalEventFromParts };
